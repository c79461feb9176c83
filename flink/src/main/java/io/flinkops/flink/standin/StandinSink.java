package io.flinkops.flink.standin;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkV2Provider;
import org.apache.flink.table.connector.sink.abilities.SupportsOverwrite;
import org.apache.flink.table.connector.sink.abilities.SupportsPartitioning;
import org.apache.flink.table.connector.sink.abilities.SupportsWritingMetadata;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;

/** The stand-in sink: in previews it collects every change into {@link PreviewRegistry}. */
final class StandinSink implements DynamicTableSink, SupportsWritingMetadata, SupportsPartitioning, SupportsOverwrite {

    private final StandinContext ctx;
    private final TableInfo table;
    private List<String> metadataKeys = Collections.emptyList();
    private DataType consumedType;

    StandinSink(StandinContext ctx, TableInfo table) {
        this.ctx = ctx;
        this.table = table;
        this.consumedType = table.physicalType;
    }

    @Override
    public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
        return table.sinkChangelogMode();
    }

    @Override
    public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
        RowType type = (RowType) consumedType.getLogicalType();
        List<String> names = table.rowNames(metadataKeys);
        if (ctx.runId != null) {
            List<String> types = new ArrayList<>();
            for (LogicalType t : type.getChildren()) {
                types.add(PreviewRegistry.typeString(t));
            }
            List<String> pk = new ArrayList<>();
            if (table.hasPrimaryKey()) {
                for (int i : table.primaryKey) {
                    pk.add(names.get(i));
                }
            }
            PreviewRegistry.register(ctx.runId,
                    new PreviewRegistry.SinkOutput(table.displayName,
                            table.displayName.startsWith("select#") ? table.displayName : table.id.asSummaryString(),
                            names, types, pk));
        }
        return SinkV2Provider.of(
                new CollectingSink(ctx.runId, table.displayName, type, names, table.zone.getId()));
    }

    @Override
    public DynamicTableSink copy() {
        StandinSink s = new StandinSink(ctx, table);
        s.metadataKeys = metadataKeys;
        s.consumedType = consumedType;
        return s;
    }

    @Override
    public String asSummaryString() {
        return "flinkops-standin(" + table.originalConnector() + ")";
    }

    @Override
    public Map<String, DataType> listWritableMetadata() {
        return table.metadataTypes(true);
    }

    @Override
    public void applyWritableMetadata(List<String> keys, DataType consumedDataType) {
        this.metadataKeys = new ArrayList<>(keys);
        this.consumedType = consumedDataType;
    }

    @Override
    public void applyStaticPartition(Map<String, String> partition) {
        // partitions make no difference to the stand-in
    }

    @Override
    public void applyOverwrite(boolean overwrite) {
        // overwrite makes no difference to the stand-in
    }
}
