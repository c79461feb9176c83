package io.flinkops.flink.security.identity;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Tables of relational databases, read through JDBC or a CDC connector: one identity (servers,
 * database, table) whatever the spelling. A JDBC URL is read as its driver reads it
 * ({@link JdbcUrls}): every host:port it may connect to, the driver's default port when absent, the
 * database, user info and unrelated parameters ignored; a URL form the reader does not fully
 * understand is {@link Undecidable} where a policy might bind it. CDC connectors give the same parts
 * in options, with database and table names as regular expressions (as the connectors read them).
 * A policy on a MySQL table binds it through jdbc and mysql-cdc alike.
 */
public final class Relational implements ConnectorFamily {

    @Override
    public boolean reads(String connector) {
        return connector.equals("jdbc") || (connector.endsWith("-cdc") && !connector.startsWith("mongodb"));
    }

    /** The parts of a relational source. Regex-valued names for CDC connectors. */
    static final class Table {
        String engine;
        /** host:port candidates; null when the source's URL is undecidable ({@link #undecidable}). */
        Set<String> servers = new LinkedHashSet<>();
        /** Database names it may open; empty: unknown (the driver's or the user's default). */
        Set<String> databases = new LinkedHashSet<>();
        String schema;
        String table;
        boolean patterns;
        Undecidable undecidable;

        Set<String> servers() {
            if (undecidable != null) {
                throw undecidable;
            }
            return servers;
        }
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
                if (t.engine != null && t.engine.equals("mysql")) {
                    t.databases.add(t.schema.toLowerCase(Locale.ROOT)); // in MySQL a schema is a database
                }
            }
        } else {
            t.engine = JdbcUrls.engine(connector.replaceAll("-cdc$", ""));
            t.patterns = true;
            try {
                String host = o.get("hostname");
                if (host != null) {
                    Integer dp = JdbcUrls.defaultPort(t.engine);
                    String port = o.containsKey("port") ? o.get("port") : dp == null ? JdbcUrls.ANY_PORT : String.valueOf(dp);
                    t.servers.add(JdbcUrls.server(host, host, port));
                }
            } catch (Undecidable e) {
                t.undecidable = e;
            }
            if (o.get("url") != null) {
                url(o.get("url"), t); // oracle-cdc: a JDBC URL overrides hostname and port
                t.engine = JdbcUrls.engine(connector.replaceAll("-cdc$", ""));
            }
            if (o.get("database-name") != null) {
                t.databases.add(o.get("database-name"));
            }
            t.schema = o.get("schema-name");
            t.table = o.get("table-name");
        }
        return t;
    }

    /** The servers and databases of a JDBC URL into {@code t}; an undecidable URL is kept for when it matters. */
    static void url(String raw, Table t) {
        try {
            JdbcUrls.Endpoint e = JdbcUrls.parse(raw.trim());
            t.engine = e.engine;
            t.servers.addAll(e.servers);
            t.databases.addAll(e.databases);
        } catch (Undecidable e) {
            t.undecidable = e;
        }
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

    /** Does any of the databases the table may open name {@code wanted}? None known counts as all. */
    private static boolean database(Table have, String wanted) {
        if (have.databases.isEmpty()) {
            return true;
        }
        for (String d : have.databases) {
            if (names(d, have.patterns, wanted)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean matches(Map<String, String> resource, Map<String, String> options) {
        Table have = of(options);
        // the names first: a table of another name is not bound, whatever its URL says
        String wantTable = resource.get("table-name");
        if (wantTable != null && !tableMatches(have, wantTable)) {
            return false;
        }
        for (String k : new String[] {"database-name", "schema-name"}) {
            String v = resource.get(k);
            if (v != null && !(k.equals("database-name") ? database(have, v)
                    : have.schema == null || names(have.schema, have.patterns, v))) {
                return false;
            }
        }
        String rc = resource.getOrDefault("connector", "").toLowerCase(Locale.ROOT);
        boolean namesServer = resource.containsKey("url") || resource.containsKey("hostname");
        if (!namesServer && rc.endsWith("-cdc") && have.engine != null
                && !JdbcUrls.engine(rc.replaceAll("-cdc$", "")).equals(have.engine)) {
            return false;
        }
        for (Map.Entry<String, String> e : resource.entrySet()) {
            String k = e.getKey();
            String v = e.getValue();
            switch (k) {
                case "connector":
                case "table-name":
                case "database-name":
                case "schema-name":
                    break;
                case "url": {
                    JdbcUrls.Endpoint want = JdbcUrls.parse(v.trim());
                    if (!have.patterns || !have.servers.isEmpty() || have.undecidable != null) {
                        if (!JdbcUrls.shareServer(want.servers, have.servers())) {
                            return false;
                        }
                    }
                    boolean dbOk = want.databases.isEmpty();
                    for (String d : want.databases) {
                        dbOk |= database(have, d);
                    }
                    if (!dbOk) {
                        return false;
                    }
                    break;
                }
                case "hostname": {
                    if (have.undecidable != null || !have.servers.isEmpty()) {
                        String h = JdbcUrls.host(v, v);
                        boolean any = false;
                        for (String s : have.servers()) {
                            any |= s.substring(0, s.lastIndexOf(':')).equals(h);
                        }
                        if (!any) {
                            return false;
                        }
                    }
                    break;
                }
                case "port": {
                    if (have.undecidable != null || !have.servers.isEmpty()) {
                        boolean any = false;
                        for (String s : have.servers()) {
                            String p = s.substring(s.lastIndexOf(':') + 1);
                            any |= p.equals(v.trim()) || p.equals(JdbcUrls.ANY_PORT);
                        }
                        if (!any) {
                            return false;
                        }
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

    private static boolean tableMatches(Table have, String v) {
        String want = unquote(v);
        int dot = want.lastIndexOf('.');
        if (dot >= 0 && !have.patterns) {
            String prefix = want.substring(0, dot);
            boolean prefixOk = (have.schema != null && have.schema.equalsIgnoreCase(prefix))
                    || (have.schema == null && database(have, prefix))
                    || (have.schema == null && "public".equalsIgnoreCase(prefix));
            if (!prefixOk) {
                return false;
            }
            want = want.substring(dot + 1);
        }
        return names(have.table, have.patterns, want) || (have.patterns && dot >= 0 && names(have.table, true, unquote(v)));
    }

    @Override
    public String describe(Map<String, String> options) {
        Table t = of(options);
        String servers = t.undecidable != null ? "?" : String.join(",", t.servers);
        return (t.engine == null ? "jdbc" : t.engine) + "://" + servers + "/" + String.join(",", t.databases) + "/"
                + (t.schema == null ? "" : t.schema + ".") + (t.table == null ? "" : t.table);
    }
}
