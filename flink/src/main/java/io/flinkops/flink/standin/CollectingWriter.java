package io.flinkops.flink.standin;

import java.io.IOException;
import java.time.ZoneId;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkops.flink.data.Values;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;

/** Writes each change as a JSON row into {@link PreviewRegistry} (same JVM: local mini cluster). */
final class CollectingWriter implements SinkWriter<RowData> {

    private final String runId;
    private final String sink;
    private final RowType type;
    private final List<String> names;
    private final ZoneId zone;
    private final RowData.FieldGetter[] getters;

    CollectingWriter(String runId, String sink, RowType type, List<String> names, String zone) {
        this.runId = runId;
        this.sink = sink;
        this.type = type;
        this.names = names;
        this.zone = ZoneId.of(zone);
        this.getters = new RowData.FieldGetter[type.getFieldCount()];
        for (int i = 0; i < getters.length; i++) {
            getters[i] = RowData.createFieldGetter(type.getTypeAt(i), i);
        }
    }

    @Override
    public void write(RowData row, Context context) throws IOException {
        if (runId == null) {
            return;
        }
        ObjectNode o = Values.MAPPER.createObjectNode();
        for (int i = 0; i < getters.length; i++) {
            o.set(names.get(i), Values.toJson(getters[i].getFieldOrNull(row), type.getTypeAt(i), zone));
        }
        PreviewRegistry.append(runId, sink, row.getRowKind(), Values.MAPPER.writeValueAsString(o));
    }

    @Override
    public void flush(boolean endOfInput) {}

    @Override
    public void close() {}
}
