package io.flinkops.flink.security.identity;

import java.io.UnsupportedEncodingException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * JDBC URLs read the way each driver family reads them, for the one question security asks: which
 * servers (host and port) and which databases can a table with this URL read? Every spelling a
 * driver accepts for the same server normalises to the same endpoint (host case, the root dot of a
 * fully-qualified name, percent-encoding, the driver's default port, user info, parameters that do
 * not choose the server). Where the driver may connect to several hosts (failover, load balancing,
 * host parameters), all of them are candidates. A URL this reader does not fully understand is
 * {@link Undecidable}: where a policy might bind it, the statement is refused.
 *
 * <ul>
 *   <li>MySQL Connector/J ({@code com.mysql.cj.conf.ConnectionUrlParser}, {@code ConnectionUrl#fixHostInfo}):
 *       comma-separated authority segments, user info before the first '@', sub-lists {@code [h1,h2]},
 *       key-value hosts {@code (host=h,port=p)}, {@code address=(host=h)(port=p)}; the {@code host},
 *       {@code port} and {@code dbname} properties (query or per host) fill in or override; default
 *       host localhost, port 3306; {@code jdbc:mysql+srv:} and {@code dnsSrv} take hosts from DNS.
 *       MariaDB Connector/J URLs are a subset.</li>
 *   <li>PostgreSQL pgjdbc ({@code org.postgresql.Driver#parseURL}): {@code //h1[:p1],h2[:p2]/db} or
 *       {@code jdbc:postgresql:db}; the {@code host}/{@code PGHOST}, {@code port}/{@code PGPORT},
 *       {@code dbname}/{@code PGDBNAME} parameters override; {@code service} reads pg_service.conf.</li>
 *   <li>SQL Server ({@code ;serverName=}, {@code ;databaseName=}, named instances), Oracle thin
 *       ({@code @host:port:sid}, {@code @//host:port/service}, descriptors with HOST=/PORT=), and a
 *       strict generic {@code jdbc:x://host[:port][,…][/db]} form for other drivers.</li>
 * </ul>
 */
public final class JdbcUrls {

    private JdbcUrls() {}

    /** A port the driver resolves at connect time (an SQL Server named instance): any port matches. */
    static final String ANY_PORT = "*";

    private static final Map<String, Integer> DEFAULT_PORT = Map.of(
            "mysql", 3306, "postgresql", 5432, "sqlserver", 1433, "oracle", 1521, "db2", 50000,
            "clickhouse", 8123, "oceanbase", 2881, "derby", 1527, "trino", 8080, "crate", 5432);

    /** What a URL reads: its engine, every host:port it may connect to, every database it may open (empty: unknown). */
    static final class Endpoint {
        final String engine;
        final Set<String> servers = new LinkedHashSet<>();
        final Set<String> databases = new LinkedHashSet<>();

        Endpoint(String engine) {
            this.engine = engine;
        }
    }

    /** The engine a JDBC URL or CDC connector talks to; MySQL-protocol variants are one engine. */
    static String engine(String name) {
        String e = name.toLowerCase(Locale.ROOT);
        switch (e) {
            case "mariadb":
            case "tidb":
            case "polardbx":
                return "mysql";
            case "postgres":
                return "postgresql";
            default:
                return e;
        }
    }

    static Integer defaultPort(String engine) {
        return DEFAULT_PORT.get(engine(engine));
    }

    private static final Pattern SCHEME = Pattern.compile("^\\s*jdbc:([a-z0-9+]+)((?::[a-z-]+)*):(.*)$",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    /** The endpoint of a JDBC URL; {@link Undecidable} when the URL is not fully understood. */
    static Endpoint parse(String raw) {
        Matcher m = SCHEME.matcher(raw);
        if (!m.matches()) {
            throw new Undecidable("the JDBC URL '" + raw + "' is not of a form jdbc:<driver>:…");
        }
        String driver = m.group(1).toLowerCase(Locale.ROOT);
        String sub = m.group(2).toLowerCase(Locale.ROOT);
        String rest = m.group(3);
        switch (driver) {
            case "mysql":
            case "mariadb":
                return mysql(raw, rest);
            case "mysql+srv":
                throw new Undecidable("the JDBC URL '" + raw + "' takes its hosts from a DNS SRV lookup");
            case "postgresql":
                if (!sub.isEmpty()) {
                    break;
                }
                return postgresql(raw, rest);
            case "sqlserver":
                return sqlserver(raw, rest);
            case "oracle":
                return oracle(raw, rest);
            default:
                return generic(raw, driver, rest);
        }
        throw new Undecidable("the JDBC URL '" + raw + "' is of a form the driver family's reader does not know");
    }

    // ------------------------------------------------------------------ MySQL Connector/J, MariaDB

    private static Endpoint mysql(String raw, String rest) {
        Endpoint e = new Endpoint("mysql");
        String s = rest.trim();
        if (!s.startsWith("//")) {
            throw new Undecidable("the MySQL JDBC URL '" + raw + "' has no //authority");
        }
        s = s.substring(2);
        int hash = s.indexOf('#');
        if (hash >= 0) {
            s = s.substring(0, hash);
        }
        int end = firstOf(s, "/?"); // as Connector/J's CONNECTION_STRING_PTRN: the authority is [^/?#]*
        String authority = end < 0 ? s : s.substring(0, end);
        String path = null;
        String query = null;
        if (end >= 0 && s.charAt(end) == '/') {
            String after = s.substring(end + 1);
            int q = after.indexOf('?');
            path = q < 0 ? after : after.substring(0, q);
            query = q < 0 ? null : after.substring(q + 1);
        } else if (end >= 0) {
            query = s.substring(end + 1);
        }
        Map<String, String> props = new LinkedHashMap<>();
        if (query != null) {
            for (String kv : query.split("&")) {
                int eq = kv.indexOf('=');
                String k = decode(raw, eq < 0 ? kv : kv.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
                if (!k.isEmpty()) {
                    props.put(k, eq < 0 ? "" : decode(raw, kv.substring(eq + 1)).trim());
                }
            }
        }
        if ("true".equalsIgnoreCase(props.get("dnssrv"))) {
            throw new Undecidable("the JDBC URL '" + raw + "' takes its hosts from a DNS SRV lookup (dnsSrv)");
        }
        if (props.containsKey("propertiestransform")) {
            throw new Undecidable("the JDBC URL '" + raw + "' rewrites its connection properties in code"
                    + " (propertiesTransform)");
        }
        String globalHost = props.get("host");
        String globalPort = props.get("port");
        List<Map<String, String>> hosts = new ArrayList<>();
        for (String segment : splitTopLevel(raw, authority)) {
            String seg = segment.trim();
            int at = seg.indexOf('@');
            if (at >= 0) {
                seg = seg.substring(at + 1).trim(); // user[:password]@ — not part of the server's identity
            }
            mysqlHosts(raw, seg, hosts);
        }
        if (hosts.isEmpty()) {
            hosts.add(new LinkedHashMap<>());
        }
        String pathDb = path == null ? null : decode(raw, path).trim();
        for (Map<String, String> h : hosts) {
            String host = nonEmpty(h.get("host"));
            String port = nonEmpty(h.get("port"));
            // the driver: a host of the URL wins over the 'host' property, else localhost; port likewise
            List<String> names = new ArrayList<>();
            names.add(host != null ? host : globalHost != null && !globalHost.isEmpty() ? globalHost : "localhost");
            if (host != null && nonEmpty(globalHost) != null) {
                names.add(globalHost); // a candidate as well: a superset of what any MySQL-protocol driver reads
            }
            String p = port != null ? port : nonEmpty(globalPort) != null ? globalPort : "3306";
            for (String n : names) {
                e.servers.add(server(raw, n, p));
            }
            String db = nonEmpty(h.get("dbname")) != null ? h.get("dbname")
                    : nonEmpty(props.get("dbname")) != null ? props.get("dbname") : nonEmpty(pathDb);
            if (db != null) {
                e.databases.add(db.toLowerCase(Locale.ROOT));
            }
        }
        if (pathDb != null && !pathDb.isEmpty()) {
            e.databases.add(pathDb.toLowerCase(Locale.ROOT));
        }
        return e;
    }

    private static final Pattern ADDRESS_ITEM = Pattern.compile("\\s*\\(\\s*([\\w.\\-%\\s]+?)\\s*=([^)]*)\\)\\s*");

    /** One host segment of a Connector/J authority, in any of its syntaxes. */
    private static void mysqlHosts(String raw, String seg, List<Map<String, String>> out) {
        if (seg.isEmpty()) {
            out.add(new LinkedHashMap<>());
            return;
        }
        String inside = seg.length() >= 2 ? seg.substring(1, seg.length() - 1) : "";
        boolean ipv6 = inside.contains(":") && inside.matches("[0-9A-Fa-f:.%\\w]*");
        if (seg.startsWith("[") && seg.endsWith("]") && !ipv6) {
            for (String inner : splitTopLevel(raw, inside)) {
                if (inner.contains("@")) {
                    throw new Undecidable("the JDBC URL '" + raw + "' has user info inside a host list");
                }
                mysqlHosts(raw, inner.trim(), out);
            }
            return;
        }
        if (seg.startsWith("(") && seg.endsWith(")")) {
            Map<String, String> h = new LinkedHashMap<>();
            for (String kv : seg.substring(1, seg.length() - 1).split(",")) {
                int eq = kv.indexOf('=');
                String k = decode(raw, eq < 0 ? kv : kv.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
                if (!k.isEmpty()) {
                    h.put(k, eq < 0 ? "" : decode(raw, kv.substring(eq + 1)).trim());
                }
            }
            out.add(h);
            return;
        }
        if (seg.regionMatches(true, 0, "address=", 0, "address=".length())) {
            Map<String, String> h = new LinkedHashMap<>();
            String items = seg.substring("address=".length());
            Matcher m = ADDRESS_ITEM.matcher(items);
            int pos = 0;
            while (pos < items.length() && m.find(pos) && m.start() == pos) {
                h.put(decode(raw, m.group(1)).trim().toLowerCase(Locale.ROOT), decode(raw, m.group(2)).trim());
                pos = m.end();
            }
            if (pos != items.length()) {
                throw new Undecidable("the JDBC URL '" + raw + "' has an address=(…) host the reader does not understand");
            }
            out.add(h);
            return;
        }
        Map<String, String> h = new LinkedHashMap<>();
        String[] hp = hostPort(raw, seg);
        h.put("host", hp[0]);
        if (hp[1] != null) {
            h.put("port", hp[1]);
        }
        out.add(h);
    }

    // ------------------------------------------------------------------ PostgreSQL pgjdbc

    private static Endpoint postgresql(String raw, String rest) {
        Endpoint e = new Endpoint("postgresql");
        String server = rest;
        String args = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            server = rest.substring(0, q);
            args = rest.substring(q + 1);
        }
        List<String> hosts = new ArrayList<>();
        List<String> ports = new ArrayList<>();
        if (server.equals("//") || server.equals("///")) {
            hosts.add("localhost");
            ports.add("5432");
        } else if (server.startsWith("//")) {
            String s = server.substring(2);
            int slash = s.indexOf('/');
            if (slash < 0 || s.indexOf('/', slash + 1) >= 0) {
                throw new Undecidable("the PostgreSQL JDBC URL '" + raw + "' is not of the form //host[:port][,…]/database");
            }
            String db = s.substring(slash + 1);
            if (!db.isEmpty()) {
                e.databases.add(decode(raw, db).toLowerCase(Locale.ROOT));
            }
            for (String address : s.substring(0, slash).split(",", -1)) {
                int colon = address.lastIndexOf(':');
                if (colon >= 0 && address.lastIndexOf(']') < colon) {
                    hosts.add(address.substring(0, colon).isEmpty() ? "localhost" : address.substring(0, colon));
                    ports.add(address.substring(colon + 1));
                } else {
                    hosts.add(address);
                    ports.add("5432");
                }
            }
        } else if (server.startsWith("/")) {
            throw new Undecidable("the PostgreSQL JDBC URL '" + raw + "' is not of a form pgjdbc reads");
        } else {
            hosts.add("localhost");
            ports.add("5432");
            if (!server.isEmpty()) {
                e.databases.add(decode(raw, server).toLowerCase(Locale.ROOT));
            }
        }
        List<String> hostParams = new ArrayList<>();
        List<String> portParams = new ArrayList<>();
        for (String token : args.split("&")) {
            if (token.isEmpty()) {
                continue;
            }
            int eq = token.indexOf('=');
            String k = (eq < 0 ? token : token.substring(0, eq)).trim().toUpperCase(Locale.ROOT);
            String v = eq < 0 ? "" : decode(raw, token.substring(eq + 1));
            switch (k) {
                case "HOST":
                case "PGHOST":
                    hostParams.addAll(List.of(v.split(",")));
                    break;
                case "PORT":
                case "PGPORT":
                    portParams.addAll(List.of(v.split(",")));
                    break;
                case "DBNAME":
                case "PGDBNAME":
                    e.databases.add(v.trim().toLowerCase(Locale.ROOT));
                    break;
                case "SERVICE":
                    throw new Undecidable("the JDBC URL '" + raw + "' reads its server from pg_service.conf (service=)");
                default:
                    break;
            }
        }
        for (int i = 0; i < hosts.size(); i++) {
            e.servers.add(server(raw, hosts.get(i), ports.get(i)));
        }
        // parameters override what the URL names: every host with every port is a candidate
        Set<String> allPorts = new LinkedHashSet<>(ports);
        allPorts.addAll(portParams);
        Set<String> allHosts = new LinkedHashSet<>(hosts);
        allHosts.addAll(hostParams);
        if (!hostParams.isEmpty() || !portParams.isEmpty()) {
            for (String h : allHosts) {
                for (String p : allPorts) {
                    e.servers.add(server(raw, h, p));
                }
            }
        }
        return e;
    }

    // ------------------------------------------------------------------ SQL Server, Oracle, others

    private static Endpoint sqlserver(String raw, String rest) {
        Endpoint e = new Endpoint("sqlserver");
        if (!rest.startsWith("//")) {
            throw new Undecidable("the SQL Server JDBC URL '" + raw + "' has no //server");
        }
        String[] parts = rest.substring(2).split(";");
        List<String> hosts = new ArrayList<>();
        String port = null;
        boolean instance = false;
        String first = parts[0].trim();
        if (!first.isEmpty()) {
            int colon = first.lastIndexOf(':');
            if (colon >= 0 && first.lastIndexOf(']') < colon) {
                port = first.substring(colon + 1);
                first = first.substring(0, colon);
            }
            int slash = first.indexOf('\\');
            if (slash >= 0) {
                instance = true;
                first = first.substring(0, slash);
            }
            hosts.add(first);
        }
        for (int i = 1; i < parts.length; i++) {
            String kv = parts[i];
            int eq = kv.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String k = kv.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String v = kv.substring(eq + 1).trim();
            switch (k) {
                case "servername":
                case "server":
                case "address":
                case "addr":
                case "network address":
                case "failoverpartner":
                    int slash = v.indexOf('\\');
                    instance |= slash >= 0;
                    hosts.add(slash >= 0 ? v.substring(0, slash) : v);
                    break;
                case "portnumber":
                case "port":
                    port = v;
                    break;
                case "instancename":
                    instance = true;
                    break;
                case "databasename":
                case "database":
                    e.databases.add(v.toLowerCase(Locale.ROOT));
                    break;
                default:
                    break;
            }
        }
        if (hosts.isEmpty()) {
            hosts.add("localhost");
        }
        String p = port != null ? port : instance ? ANY_PORT : "1433";
        for (String h : hosts) {
            e.servers.add(server(raw, h, p));
        }
        return e;
    }

    private static final Pattern ORACLE_SIMPLE = Pattern.compile("^(?://)?([^:/()\\s]+|\\[[0-9a-fA-F:.]+\\])(?::(\\d+))?[:/]([^?/:()\\s]+)$");
    private static final Pattern ORACLE_HOST = Pattern.compile("\\(\\s*HOST\\s*=\\s*([^)\\s]+)\\s*\\)", Pattern.CASE_INSENSITIVE);
    private static final Pattern ORACLE_PORT = Pattern.compile("\\(\\s*PORT\\s*=\\s*(\\d+)\\s*\\)", Pattern.CASE_INSENSITIVE);
    private static final Pattern ORACLE_DB = Pattern.compile("\\(\\s*(?:SERVICE_NAME|SID)\\s*=\\s*([^)\\s]+)\\s*\\)",
            Pattern.CASE_INSENSITIVE);

    private static Endpoint oracle(String raw, String rest) {
        Endpoint e = new Endpoint("oracle");
        int at = rest.indexOf('@');
        if (at < 0) {
            throw new Undecidable("the Oracle JDBC URL '" + raw + "' names no server after '@'");
        }
        String s = rest.substring(at + 1).trim();
        int q = s.indexOf('?');
        if (q >= 0) {
            s = s.substring(0, q);
        }
        if (s.startsWith("(")) {
            Matcher h = ORACLE_HOST.matcher(s);
            List<String> hosts = new ArrayList<>();
            while (h.find()) {
                hosts.add(h.group(1));
            }
            Matcher p = ORACLE_PORT.matcher(s);
            List<String> ports = new ArrayList<>();
            while (p.find()) {
                ports.add(p.group(1));
            }
            if (hosts.isEmpty()) {
                throw new Undecidable("the Oracle JDBC URL '" + raw + "' has a descriptor without HOST=");
            }
            if (ports.isEmpty()) {
                ports.add("1521");
            }
            for (String host : hosts) {
                for (String port : ports) {
                    e.servers.add(server(raw, host, port));
                }
            }
            Matcher d = ORACLE_DB.matcher(s);
            while (d.find()) {
                e.databases.add(d.group(1).toLowerCase(Locale.ROOT));
            }
            return e;
        }
        Matcher m = ORACLE_SIMPLE.matcher(s);
        if (!m.matches()) {
            throw new Undecidable("the Oracle JDBC URL '" + raw + "' names its server by an alias (tnsnames) or a form"
                    + " the reader does not know");
        }
        e.servers.add(server(raw, m.group(1), m.group(2) == null ? "1521" : m.group(2)));
        e.databases.add(m.group(3).toLowerCase(Locale.ROOT));
        return e;
    }

    /** //host[:port][,…][/database][?|;|:properties] (DB2 writes /database:prop=value;). */
    private static final Pattern GENERIC = Pattern.compile("^//([A-Za-z0-9.\\-_:\\[\\],%]+)(?:/([^?;/:]*))?(?:[?;:].*)?$",
            Pattern.DOTALL);

    private static Endpoint generic(String raw, String driver, String rest) {
        Endpoint e = new Endpoint(engine(driver));
        Matcher m = GENERIC.matcher(rest);
        if (!m.matches()) {
            throw new Undecidable("the JDBC URL '" + raw + "' is of a form the reader does not know for driver '"
                    + driver + "'");
        }
        Integer dp = defaultPort(driver);
        for (String address : m.group(1).split(",")) {
            String[] hp = hostPort(raw, address);
            if (hp[1] == null && dp == null) {
                throw new Undecidable("the JDBC URL '" + raw + "' has no port, and the default port of driver '" + driver
                        + "' is not known");
            }
            e.servers.add(server(raw, hp[0].isEmpty() ? "localhost" : hp[0], hp[1] != null ? hp[1] : String.valueOf(dp)));
        }
        if (m.group(2) != null && !m.group(2).isEmpty()) {
            e.databases.add(decode(raw, m.group(2)).toLowerCase(Locale.ROOT));
        }
        String tail = rest.substring(m.group(2) != null ? m.end(2) : m.end(1));
        for (String kv : tail.split("[?;&:]")) {
            int eq = kv.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String k = kv.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            if (k.matches("host|hostname|server|servername|port|portnumber")) {
                throw new Undecidable("the JDBC URL '" + raw + "' names its server in a parameter (" + k + ")");
            }
            if (k.matches("database|databasename|dbname|db")) {
                e.databases.add(kv.substring(eq + 1).trim().toLowerCase(Locale.ROOT));
            }
        }
        return e;
    }

    // ------------------------------------------------------------------ hosts

    /** host[:port], IPv6 in brackets; port null when absent. */
    private static String[] hostPort(String raw, String s) {
        String t = s.trim();
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0) {
                throw new Undecidable("the JDBC URL '" + raw + "' has an unclosed IPv6 address");
            }
            String after = t.substring(close + 1);
            if (!after.isEmpty() && !after.startsWith(":")) {
                throw new Undecidable("the JDBC URL '" + raw + "' has text after an IPv6 address");
            }
            return new String[] {t.substring(0, close + 1), after.isEmpty() ? null : after.substring(1)};
        }
        int colon = t.lastIndexOf(':');
        if (colon >= 0 && t.indexOf(':') != colon) {
            return new String[] {"[" + t + "]", null}; // a bare IPv6 address
        }
        return colon < 0 ? new String[] {t, null} : new String[] {t.substring(0, colon), t.substring(colon + 1)};
    }

    private static final Pattern HOSTNAME = Pattern.compile("[a-z0-9_]([a-z0-9_\\-]*[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_\\-]*[a-z0-9_])?)*");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-f:.]+(%[\\w.]+)?");

    /**
     * A host as DNS compares it: percent-decoded, lower case, without the root dot of a fully
     * qualified name, IPv6 without brackets. Anything else is undecidable.
     */
    static String host(String raw, String h) {
        String s = decode(raw, h.trim()).toLowerCase(Locale.ROOT);
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
            if (!IPV6.matcher(s).matches()) {
                throw new Undecidable("the host '" + h + "' of '" + raw + "' is not an IPv6 address");
            }
            return "[" + s + "]";
        }
        if (s.endsWith(".")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.isEmpty() || !HOSTNAME.matcher(s).matches()) {
            throw new Undecidable("the host '" + h + "' of '" + raw + "' is not a host name the reader understands");
        }
        return s;
    }

    /** host:port, both normalised; the port must be a number (or {@link #ANY_PORT}). */
    static String server(String raw, String host, String port) {
        String p = port == null ? "" : port.trim();
        if (!p.equals(ANY_PORT)) {
            try {
                int n = Integer.parseInt(p);
                if (n <= 0 || n > 65535) {
                    throw new NumberFormatException();
                }
                p = String.valueOf(n);
            } catch (NumberFormatException e) {
                throw new Undecidable("the port '" + port + "' of '" + raw + "' is not a port number");
            }
        }
        return host(raw, host) + ":" + p;
    }

    /** Do two sets of host:port candidates share a server? */
    static boolean shareServer(Set<String> a, Set<String> b) {
        for (String x : a) {
            for (String y : b) {
                String hx = x.substring(0, x.lastIndexOf(':'));
                String hy = y.substring(0, y.lastIndexOf(':'));
                String px = x.substring(x.lastIndexOf(':') + 1);
                String py = y.substring(y.lastIndexOf(':') + 1);
                if (hx.equals(hy) && (px.equals(py) || px.equals(ANY_PORT) || py.equals(ANY_PORT))) {
                    return true;
                }
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ text

    private static String decode(String raw, String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8.name());
        } catch (IllegalArgumentException | UnsupportedEncodingException e) {
            throw new Undecidable("the JDBC URL '" + raw + "' has a malformed percent-encoding");
        }
    }

    private static String nonEmpty(String s) {
        return s == null || s.trim().isEmpty() ? null : s.trim();
    }

    private static int firstOf(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    /** Comma-separated items, commas inside () and [] kept. */
    private static List<String> splitTopLevel(String raw, String s) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(' || c == '[') {
                depth++;
            } else if (c == ')' || c == ']') {
                depth--;
                if (depth < 0) {
                    throw new Undecidable("the JDBC URL '" + raw + "' has unbalanced brackets");
                }
            } else if (c == ',' && depth == 0) {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        if (depth != 0) {
            throw new Undecidable("the JDBC URL '" + raw + "' has unbalanced brackets");
        }
        out.add(s.substring(start));
        return out;
    }
}
