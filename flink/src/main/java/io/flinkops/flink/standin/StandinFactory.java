package io.flinkops.flink.standin;

import java.util.Collections;
import java.util.Set;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.DynamicTableSourceFactory;

/**
 * The stand-in connector ({@code connector = 'flinkops-standin'}): accepts any options and any
 * schema. Used for every table through {@link StandinModule}; also registered through SPI so that
 * a table may name it explicitly.
 */
public final class StandinFactory implements DynamicTableSourceFactory, DynamicTableSinkFactory {

    public static final String IDENTIFIER = "flinkops-standin";
    /** Option naming the preview sink of a top-level SELECT ("select#3"). */
    public static final String PREVIEW_SINK_OPTION = "flinkops.preview-sink";

    private final StandinContext context;

    /** For SPI discovery: validation only. */
    public StandinFactory() {
        this(StandinContext.validateOnly());
    }

    public StandinFactory(StandinContext context) {
        this.context = context;
    }

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Collections.emptySet();
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Collections.emptySet();
    }

    @Override
    public DynamicTableSource createDynamicTableSource(Context c) {
        return new StandinSource(context, TableInfo.of(context, c));
    }

    @Override
    public DynamicTableSink createDynamicTableSink(Context c) {
        return new StandinSink(context, TableInfo.of(context, c));
    }
}
