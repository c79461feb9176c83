package io.flinkops.flink.standin;

import java.util.ArrayList;
import java.util.List;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;

/** Flink 2.x: Sink#createWriter(WriterInitContext) is the abstract method. */
final class CollectingSink implements Sink<RowData> {

    private static final long serialVersionUID = 1L;

    private final String runId;
    private final String sink;
    private final RowType type;
    private final ArrayList<String> names;
    private final String zone;

    CollectingSink(String runId, String sink, RowType type, List<String> names, String zone) {
        this.runId = runId;
        this.sink = sink;
        this.type = type;
        this.names = new ArrayList<>(names);
        this.zone = zone;
    }

    @Override
    public SinkWriter<RowData> createWriter(WriterInitContext context) {
        return new CollectingWriter(runId, sink, type, names, zone);
    }
}
