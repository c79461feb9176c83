package io.flinkops.flink.security;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A catalog as the job (or the platform) declared it: its type and options (warehouse, metastore, …). */
public final class CatalogInfo {
    public final String name;
    public final String type;
    public final Map<String, String> options;

    public CatalogInfo(String name, String type, Map<String, String> options) {
        this.name = name;
        this.type = type == null ? "generic_in_memory" : type.toLowerCase(Locale.ROOT);
        this.options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /** A catalog that stores tables somewhere else (Paimon, Hive, JDBC, Iceberg …), not Flink's in-memory one. */
    public boolean external() {
        return !type.equals("generic_in_memory");
    }
}
