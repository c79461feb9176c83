package io.flinkops.flink.security.identity;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.flinkops.flink.security.CatalogInfo;
import io.flinkops.flink.security.Policy;

/**
 * The one registry of physical identities: which policies bind a scanned table. Every other part
 * of flinkops asks this (the TypeScript side only mirrors it to show which jobs a policy reaches).
 * A source whose identity cannot be decided where a policy might bind it is {@link Undecidable}:
 * the caller refuses the statement.
 */
public final class Sources {

    private static final List<ConnectorFamily> FAMILIES = List.of(new Kafka(), new Relational(), new Filesystem());

    private Sources() {}

    static ConnectorFamily family(String connector) {
        if (connector == null) {
            return null;
        }
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
     *
     * @throws Undecidable when the table's identity cannot be decided and the policy might bind it
     */
    public static boolean binds(Policy p, Map<String, CatalogInfo> platform, CatalogInfo catalogInfo, String catalog,
            String database, String table, Map<String, String> options) {
        Map<String, String> r = p.resource;
        CatalogInfo scanCatalog = catalogInfo != null ? catalogInfo : platform.get(catalog);
        ConnectorFamily fh = family(options.get("connector"));
        if (r.containsKey("table")) {
            if (CatalogTables.matches(r.get("table"), platform, scanCatalog, catalog, database, table)
                    && (!r.containsKey("connector") || scanCatalog == null
                            || r.get("connector").equalsIgnoreCase(scanCatalog.type))) {
                return true;
            }
            // a JDBC catalog's table, read through the jdbc connector (or CDC) on the same database
            if (fh instanceof Relational) {
                Map<String, String> table2 = CatalogTables.relationalResource(r.get("table"), platform);
                return table2 != null && fh.matches(table2, options);
            }
            // the catalog table's files, read by a source pointed at their folder (or a folder above it)
            if (fh instanceof Filesystem) {
                Filesystem.Location have = Filesystem.location(options);
                if (have == null) {
                    return false;
                }
                Filesystem.Location folder = CatalogTables.storageOf(r.get("table"), platform);
                return folder != null && folder.overlaps(have);
            }
            return false;
        }
        String wanted = r.get("connector");
        if (wanted == null) {
            return false;
        }
        ConnectorFamily fw = family(wanted);
        // a catalog table stored in (or above) a protected folder
        if (fw instanceof Filesystem && r.containsKey("path") && scanCatalog != null && scanCatalog.external()) {
            Filesystem.Location folder = CatalogTables.storage(scanCatalog, database, table);
            if (folder != null && folder.overlaps(Filesystem.parse(r.get("path")))) {
                return true;
            }
        }
        String have = options.get("connector");
        if (have == null) {
            return false;
        }
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
