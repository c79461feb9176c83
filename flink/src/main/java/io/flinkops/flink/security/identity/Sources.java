package io.flinkops.flink.security.identity;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.flinkops.flink.security.CatalogInfo;
import io.flinkops.flink.security.Policy;

/**
 * The one registry of physical identities: which policies bind a scanned table. Every other part
 * of flinkops asks this (the TypeScript side only mirrors it to show which jobs a policy reaches).
 */
public final class Sources {

    private static final List<ConnectorFamily> FAMILIES = List.of(new Kafka(), new Relational(), new Filesystem());

    private Sources() {}

    static ConnectorFamily family(String connector) {
        String c = connector.toLowerCase(Locale.ROOT);
        for (ConnectorFamily f : FAMILIES) {
            if (f.reads(c)) {
                return f;
            }
        }
        return null;
    }

    /**
     * Does the policy bind a table {@code catalog.database.table} with these resolved options,
     * living in a catalog described by {@code catalogInfo} (null: unknown / Flink's in-memory)?
     */
    public static boolean binds(Policy p, Map<String, CatalogInfo> platform, CatalogInfo catalogInfo, String catalog,
            String database, String table, Map<String, String> options) {
        Map<String, String> r = p.resource;
        if (r.containsKey("table")) {
            CatalogInfo scanCatalog = catalogInfo != null ? catalogInfo : platform.get(catalog);
            if (!CatalogTables.matches(r.get("table"), platform, scanCatalog, catalog, database, table)) {
                return false;
            }
            return !r.containsKey("connector") || scanCatalog == null
                    || r.get("connector").equalsIgnoreCase(scanCatalog.type);
        }
        String wanted = r.get("connector");
        String have = options.get("connector");
        if (wanted == null || have == null) {
            return false;
        }
        ConnectorFamily fw = family(wanted);
        ConnectorFamily fh = family(have);
        if (fw == null || fh == null) {
            // a connector no family knows: same connector, every other key equal
            if (!wanted.equalsIgnoreCase(have)) {
                return false;
            }
            for (Map.Entry<String, String> e : r.entrySet()) {
                if (!e.getKey().equals("connector") && !e.getValue().equals(options.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        return fw.getClass() == fh.getClass() && fh.matches(r, options);
    }

    /** The physical identity of a scanned table, for explain. */
    public static String describe(CatalogInfo catalogInfo, String database, String table, Map<String, String> options) {
        if (catalogInfo != null && catalogInfo.external()) {
            return catalogInfo.type + "://" + CatalogTables.location(catalogInfo).replaceFirst("^[a-z0-9]+://", "")
                    + "/" + database + "." + table;
        }
        String connector = options.getOrDefault("connector", "unknown");
        ConnectorFamily f = family(connector);
        return f != null ? f.describe(options) : connector + "://" + database + "." + table;
    }
}
