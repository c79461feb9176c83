package io.flinkops.flink.standin;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.ProviderContext;
import org.apache.flink.table.connector.source.DataStreamScanProvider;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.LookupTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.connector.source.abilities.SupportsReadingMetadata;
import org.apache.flink.table.connector.source.lookup.LookupFunctionProvider;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.RowType;

/**
 * The stand-in source: a scan source (bounded: sample rows or generated rows in previews) and a
 * lookup source (lookup joins look up the sample rows), reading any metadata key.
 */
final class StandinSource implements ScanTableSource, LookupTableSource, SupportsReadingMetadata {

    private final StandinContext ctx;
    private final TableInfo table;
    private List<String> metadataKeys = Collections.emptyList();
    private DataType producedType;

    StandinSource(StandinContext ctx, TableInfo table) {
        this.ctx = ctx;
        this.table = table;
        this.producedType = table.physicalType;
    }

    @Override
    public DynamicTableSource copy() {
        StandinSource s = new StandinSource(ctx, table);
        s.metadataKeys = metadataKeys;
        s.producedType = producedType;
        return s;
    }

    @Override
    public String asSummaryString() {
        return "flinkops-standin(" + table.originalConnector() + ")";
    }

    @Override
    public ChangelogMode getChangelogMode() {
        return table.sourceChangelogMode();
    }

    @Override
    public Map<String, DataType> listReadableMetadata() {
        return table.metadataTypes(false);
    }

    @Override
    public void applyReadableMetadata(List<String> keys, DataType producedDataType) {
        this.metadataKeys = new ArrayList<>(keys);
        this.producedType = producedDataType;
    }

    private RowType rowType() {
        return (RowType) producedType.getLogicalType();
    }

    private List<GenericRowData> rows() {
        List<JsonNode> samples = ctx.samplesFor(table.id);
        return SourceRows.rows(table.displayName, samples, ctx.generatedRows, table.rowNames(metadataKeys),
                rowType(), table.zone, ctx.seed, table.rowtimeColumns());
    }

    @Override
    public ScanRuntimeProvider getScanRuntimeProvider(ScanContext scanContext) {
        final RowType type = rowType();
        return new DataStreamScanProvider() {
            @Override
            public DataStream<RowData> produceDataStream(ProviderContext pc, StreamExecutionEnvironment env) {
                List<RowData> data = new ArrayList<>(rows());
                InternalTypeInfo<RowData> info = InternalTypeInfo.of(type);
                if (data.isEmpty()) {
                    // fromData needs at least one element: emit one and drop it
                    return env.fromData(Collections.<RowData>singletonList(new GenericRowData(type.getFieldCount())), info)
                            .name("flinkops sample source " + table.displayName)
                            .filter(new DropAll())
                            .name("empty");
                }
                return env.fromData(data, info).name("flinkops sample source " + table.displayName);
            }

            @Override
            public boolean isBounded() {
                return true;
            }
        };
    }

    @Override
    public LookupRuntimeProvider getLookupRuntimeProvider(LookupContext lookupContext) {
        int[][] keyPaths = lookupContext.getKeys();
        int[] keys = new int[keyPaths.length];
        for (int i = 0; i < keyPaths.length; i++) {
            if (keyPaths[i].length != 1) {
                throw new ValidationException("flinkops stand-in: nested lookup keys are not supported");
            }
            keys[i] = keyPaths[i][0];
        }
        List<JsonNode> samples = ctx.mode == StandinContext.Mode.PREVIEW ? ctx.samplesFor(table.id) : null;
        List<String> json = null;
        if (samples == null && ctx.mode == StandinContext.Mode.PREVIEW && ctx.generatedRows == 0) {
            samples = Collections.emptyList(); // no generated rows asked for (tests): a table without rows finds nothing
        }
        if (samples != null) {
            json = new ArrayList<>();
            for (JsonNode s : samples) {
                json.add(s.toString());
            }
        }
        return LookupFunctionProvider.of(new SampleLookupFunction(table.displayName, json,
                table.rowNames(metadataKeys), rowType(), keys, table.zone.getId(), ctx.seed,
                new java.util.HashSet<>(table.rowtimeColumns())));
    }

    /** Drops every element. */
    static final class DropAll implements FilterFunction<RowData> {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean filter(RowData value) {
            return false;
        }
    }
}
