package io.flinkops.flink.security.identity;

import java.util.Locale;
import java.util.Map;

import io.flinkops.flink.security.CatalogInfo;

/**
 * Tables of external catalogs (Paimon, Hive, JDBC, Iceberg): identified by the catalog's type, its
 * storage (warehouse, metastore or base URL, normalised) and the database and table names — not by
 * what a job calls the catalog, so a second catalog on the same warehouse reads the same tables.
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
                    Relational.Table t = new Relational.Table();
                    Relational.url(first, t);
                    return t.engine + "://" + t.host + ":" + t.port;
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
                return identity(named, want[1], want[2]).equals(identity(scanCatalog, database, table));
            }
            return want[0].equals(catalog) && want[1].equalsIgnoreCase(database) && want[2].equalsIgnoreCase(table);
        }
        if (want.length == 2) {
            return want[0].equalsIgnoreCase(database) && want[1].equalsIgnoreCase(table) && scanCatalog != null;
        }
        return want.length == 1 && want[0].equalsIgnoreCase(table) && scanCatalog != null;
    }
}
