package io.flinkops.flink.security.identity;

import java.util.Locale;
import java.util.Map;

import io.flinkops.flink.security.CatalogInfo;

/**
 * Tables of external catalogs (Paimon, Hive, JDBC, Iceberg): identified by the catalog's type, its
 * storage (warehouse, metastore or base URL, normalised) and the database and table names — not by
 * what a job calls the catalog, so a second catalog on the same warehouse reads the same tables.
 * A table of a file-based catalog is also the folder its files live in ({@link #storage}), so a
 * policy on the table binds a filesystem (or Paimon, Hudi) source on that folder and a policy on a
 * folder binds the catalog tables stored under it.
 */
public final class CatalogTables {

    private CatalogTables() {}

    /** The catalog's storage: warehouse / metastore / base URL, normalised; its name when it has none. */
    public static String location(CatalogInfo c) {
        for (String k : new String[] {"warehouse", "uri", "hive.metastore.uris", "metastore.uris", "hive-conf-dir",
                "base-url", "url"}) {
            String v = c.options.get(k);
            if (v != null && !v.trim().isEmpty()) {
                String first = v.split(",")[0].trim();
                if (first.startsWith("thrift://")) {
                    String host = first.substring("thrift://".length()).replaceAll("/+$", "").toLowerCase(Locale.ROOT);
                    return "thrift://" + (host.contains(":") ? host : host + ":9083");
                }
                if (first.startsWith("jdbc:")) {
                    try {
                        JdbcUrls.Endpoint e = JdbcUrls.parse(first);
                        return e.engine + "://" + e.servers.iterator().next();
                    } catch (Undecidable u) {
                        return first.toLowerCase(Locale.ROOT);
                    }
                }
                return Filesystem.normalize(first);
            }
        }
        return "catalog:" + c.name;
    }

    /** type + storage + database + table: the identity of a catalog table. */
    public static String identity(CatalogInfo c, String database, String table) {
        return c.type + "|" + location(c) + "|" + database.toLowerCase(Locale.ROOT) + "." + table.toLowerCase(Locale.ROOT);
    }

    /**
     * The folder holding a catalog table's files; null for catalogs that do not store tables as
     * files (JDBC). Paimon keeps a table at {@code <warehouse>/<database>.db/<table>}
     * ({@code org.apache.paimon.catalog.CatalogUtils#newTableLocation}, DB_SUFFIX ".db"), Iceberg's
     * Hadoop catalog at {@code <warehouse>/<database>/<table>}. A Hive table's location (and an
     * Iceberg table's in a Hive catalog) is a fact of its metastore, undecidable here.
     */
    public static Filesystem.Location storage(CatalogInfo c, String database, String table) {
        String warehouse = c.options.get("warehouse");
        switch (c.type) {
            case "paimon":
                // a REST catalog's warehouse is a name, not a folder
                if (warehouse != null && !"rest".equals(c.options.getOrDefault("metastore", "filesystem"))) {
                    return Filesystem.parse(warehouse).resolve(database + ".db/" + table);
                }
                break;
            case "iceberg":
                if (warehouse != null && "hadoop".equals(c.options.get("catalog-type"))) {
                    return Filesystem.parse(warehouse).resolve(database + "/" + table);
                }
                break;
            case "jdbc":
            case "generic_in_memory":
                return null;
            default:
                break;
        }
        throw new Undecidable("the files of " + c.type + " table " + c.name + "." + database + "." + table
                + " are wherever its metastore says");
    }

    /**
     * Does {@code {table: a.b.c}} name this table of catalog {@code scanCatalog}? A fully qualified
     * name whose catalog the platform describes is compared by identity; otherwise by the trailing
     * name parts (case-insensitively), catalog name included when given.
     */
    public static boolean matches(String resourceTable, Map<String, CatalogInfo> platform, CatalogInfo scanCatalog,
            String catalog, String database, String table) {
        String[] want = resourceTable.replace("`", "").split("\\.");
        if (want.length == 3) {
            CatalogInfo named = platform.get(want[0]);
            if (named != null && named.external() && scanCatalog != null && scanCatalog.external()) {
                if (identity(named, want[1], want[2]).equals(identity(scanCatalog, database, table))) {
                    return true;
                }
                return sameFiles(named, want[1], want[2], scanCatalog, database, table);
            }
            return want[0].equals(catalog) && want[1].equalsIgnoreCase(database) && want[2].equalsIgnoreCase(table);
        }
        if (want.length == 2) {
            return want[0].equalsIgnoreCase(database) && want[1].equalsIgnoreCase(table) && scanCatalog != null;
        }
        return want.length == 1 && want[0].equalsIgnoreCase(table) && scanCatalog != null;
    }

    /**
     * Two catalog tables whose folders overlap (a second catalog on a folder of the first). Only
     * folders both catalogs decide are compared: a Hive table stored over another catalog's files is
     * a metastore fact this registry cannot see.
     */
    private static boolean sameFiles(CatalogInfo a, String da, String ta, CatalogInfo b, String db, String tb) {
        try {
            Filesystem.Location x = storage(a, da, ta);
            Filesystem.Location y = storage(b, db, tb);
            return x != null && y != null && x.overlaps(y);
        } catch (Undecidable e) {
            return false;
        }
    }

    /**
     * {@code {table: c.d.t}} of a platform JDBC catalog as the resource of a relational source:
     * Flink's JdbcCatalog reads database d of 'base-url' (table t may be schema.table for
     * PostgreSQL). Null when the catalog is not a JDBC one.
     */
    static Map<String, String> relationalResource(String resourceTable, Map<String, CatalogInfo> platform) {
        String[] want = resourceTable.replace("`", "").split("\\.", 3);
        CatalogInfo named = want.length == 3 ? platform.get(want[0]) : null;
        if (named == null || !named.type.equals("jdbc") || named.options.get("base-url") == null) {
            return null;
        }
        String base = named.options.get("base-url").trim().replaceAll("/+$", "");
        return Map.of("connector", "jdbc", "url", base + "/" + want[1], "table-name", want[2]);
    }

    /** The protected folder of {@code {table: c.d.t}}: its catalog must be one the platform describes. */
    static Filesystem.Location storageOf(String resourceTable, Map<String, CatalogInfo> platform) {
        String[] want = resourceTable.replace("`", "").split("\\.");
        CatalogInfo named = want.length == 3 ? platform.get(want[0]) : null;
        if (named == null) {
            throw new Undecidable("the policy's table " + resourceTable + " is not in a catalog the platform describes,"
                    + " so where its files are is unknown");
        }
        return named.external() ? storage(named, want[1], want[2]) : null;
    }
}
