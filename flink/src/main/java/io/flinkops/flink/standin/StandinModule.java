package io.flinkops.flink.standin;

import java.util.Collections;
import java.util.Optional;
import java.util.Set;

import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.module.Module;

/**
 * A module whose table source/sink factory is the stand-in connector. The planner asks the modules
 * for a factory before it looks at a table's {@code connector} option, so with this module loaded
 * every table (job DDL, catalogs, temporary or not, LIKE, CTAS) is served by the stand-in while its
 * options stay exactly as declared — compiled plans show the real connector options.
 */
public final class StandinModule implements Module {

    private final StandinFactory factory;

    public StandinModule(StandinContext context) {
        this.factory = new StandinFactory(context);
    }

    @Override
    public Set<String> listFunctions() {
        return Collections.emptySet();
    }

    @Override
    public Optional<DynamicTableSourceFactory> getTableSourceFactory() {
        return Optional.of(factory);
    }

    @Override
    public Optional<DynamicTableSinkFactory> getTableSinkFactory() {
        return Optional.of(factory);
    }
}
