package io.flinkops.flink.security.identity;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Tables of relational databases, read through JDBC or a CDC connector: one identity (engine, host,
 * port, database, table) whatever the spelling. A JDBC URL is read for its driver, host, port (the
 * driver's default when absent) and database, its parameters ignored; CDC connectors give the same
 * parts in options, with database and table names as regular expressions (as the connectors read
 * them). A policy on a MySQL table binds it through jdbc and mysql-cdc alike.
 */
public final class Relational implements ConnectorFamily {

    private static final Map<String, Integer> DEFAULT_PORT = Map.of(
            "mysql", 3306, "mariadb", 3306, "postgresql", 5432, "sqlserver", 1433, "oracle", 1521,
            "db2", 50000, "tidb", 4000, "oceanbase", 2881, "clickhouse", 8123);

    @Override
    public boolean reads(String connector) {
        return connector.equals("jdbc") || (connector.endsWith("-cdc") && !connector.startsWith("mongodb"));
    }

    /** The parts of a relational source; null where unknown. Regex-valued for CDC connectors. */
    static final class Table {
        String engine;
        String host;
        Integer port;
        String database;
        String schema;
        String table;
        boolean patterns;
    }

    static Table of(Map<String, String> o) {
        Table t = new Table();
        String connector = o.getOrDefault("connector", "").toLowerCase(Locale.ROOT);
        if (connector.equals("jdbc")) {
            url(o.getOrDefault("url", ""), t);
            String name = unquote(o.getOrDefault("table-name", ""));
            int dot = name.lastIndexOf('.');
            t.table = dot < 0 ? name : name.substring(dot + 1);
            if (dot >= 0) {
                t.schema = name.substring(0, dot);
            }
        } else {
            t.engine = connector.replaceAll("-cdc$", "");
            t.host = lower(o.get("hostname"));
            t.port = o.containsKey("port") ? parsePort(o.get("port")) : DEFAULT_PORT.get(t.engine);
            t.database = o.get("database-name");
            t.schema = o.get("schema-name");
            t.table = o.get("table-name");
            t.patterns = true;
        }
        return t;
    }

    private static final Pattern URL = Pattern.compile(
            "^jdbc:([a-z0-9]+)(?::[a-z]+)?:(?:@?//)?([^/:;?@]*)(?::(\\d+))?(?:[/:]([^;?/]*))?(.*)$",
            Pattern.CASE_INSENSITIVE);

    /** jdbc:driver://host[:port]/database?params (also sqlserver ;databaseName= and oracle thin forms). */
    static void url(String raw, Table t) {
        Matcher m = URL.matcher(raw.trim());
        if (!m.matches()) {
            t.engine = raw.trim().toLowerCase(Locale.ROOT);
            return;
        }
        t.engine = m.group(1).toLowerCase(Locale.ROOT);
        t.host = lower(m.group(2));
        t.port = m.group(3) != null ? parsePort(m.group(3)) : DEFAULT_PORT.get(t.engine);
        t.database = m.group(4) == null || m.group(4).isEmpty() ? null : m.group(4);
        Matcher db = Pattern.compile(";\\s*database(?:Name)?\\s*=\\s*([^;]+)", Pattern.CASE_INSENSITIVE).matcher(m.group(5));
        if (t.database == null && db.find()) {
            t.database = db.group(1).trim();
        }
    }

    private static Integer parsePort(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String lower(String s) {
        return s == null || s.isEmpty() ? null : s.toLowerCase(Locale.ROOT);
    }

    private static String unquote(String s) {
        return s.replace("`", "").replace("\"", "").replace("[", "").replace("]", "").trim();
    }

    /** Does the table's value (a name, or a regular expression for CDC) name {@code wanted}? Unknown counts as all. */
    private static boolean names(String have, boolean pattern, String wanted) {
        if (have == null) {
            return true;
        }
        if (!pattern) {
            return have.equalsIgnoreCase(wanted);
        }
        for (String p : have.split(",")) {
            try {
                if (Pattern.compile(p.trim(), Pattern.CASE_INSENSITIVE).matcher(wanted).matches()) {
                    return true;
                }
            } catch (PatternSyntaxException e) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean matches(Map<String, String> resource, Map<String, String> options) {
        Table have = of(options);
        String rc = resource.getOrDefault("connector", "").toLowerCase(Locale.ROOT);
        if (rc.endsWith("-cdc") && have.engine != null && !rc.replaceAll("-cdc$", "").equals(have.engine)) {
            return false;
        }
        for (Map.Entry<String, String> e : resource.entrySet()) {
            String k = e.getKey();
            String v = e.getValue();
            switch (k) {
                case "connector":
                    break;
                case "url": {
                    Table want = new Table();
                    url(v, want);
                    if (!want.engine.equals(have.engine)
                            || (want.host != null && have.host != null && !want.host.equals(have.host))
                            || (want.port != null && have.port != null && !want.port.equals(have.port))
                            || (want.database != null && !names(have.database, have.patterns, want.database))) {
                        return false;
                    }
                    break;
                }
                case "hostname":
                    if (have.host != null && !have.host.equals(v.toLowerCase(Locale.ROOT))) {
                        return false;
                    }
                    break;
                case "port":
                    if (have.port != null && !String.valueOf(have.port).equals(v.trim())) {
                        return false;
                    }
                    break;
                case "database-name":
                    if (!names(have.database, have.patterns, v)) {
                        return false;
                    }
                    break;
                case "schema-name":
                    if (have.schema != null && !names(have.schema, have.patterns, v)) {
                        return false;
                    }
                    break;
                case "table-name": {
                    String want = unquote(v);
                    int dot = want.lastIndexOf('.');
                    if (dot >= 0 && !have.patterns) {
                        String prefix = want.substring(0, dot);
                        boolean prefixOk = (have.schema != null && have.schema.equalsIgnoreCase(prefix))
                                || (have.database != null && have.database.equalsIgnoreCase(prefix))
                                || (have.schema == null && "public".equalsIgnoreCase(prefix));
                        if (!prefixOk) {
                            return false;
                        }
                        want = want.substring(dot + 1);
                    }
                    if (!names(have.table, have.patterns, want)
                            && !(have.patterns && dot >= 0 && names(have.table, true, unquote(v)))) {
                        return false;
                    }
                    break;
                }
                default:
                    if (!v.equals(options.get(k))) {
                        return false;
                    }
            }
        }
        return true;
    }

    @Override
    public String describe(Map<String, String> options) {
        Table t = of(options);
        return t.engine + "://" + (t.host == null ? "" : t.host) + (t.port == null ? "" : ":" + t.port) + "/"
                + (t.database == null ? "" : t.database) + "/" + (t.schema == null ? "" : t.schema + ".")
                + (t.table == null ? "" : t.table);
    }
}
