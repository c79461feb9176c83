package io.flinkops.flink.security.identity;

import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;

/**
 * Sources that read the files under a folder: the filesystem connector ('path'), and the lake
 * formats a job can point straight at a table's folder (Paimon and Hudi 'path', Iceberg's Hadoop
 * 'warehouse'). Locations are normalised as Flink's file systems resolve them
 * ({@code org.apache.flink.core.fs.FileSystem#getUnguardedFileSystem}: a path without a scheme is on
 * the cluster's default file system, 'fs.default-scheme'; Hadoop's {@code hdfs:///x} is on
 * 'fs.defaultFS'; {@code file:/x = file:///x}): scheme and host case, s3a/s3n/s3p = s3, webhdfs = hdfs,
 * wasb = abfs, percent-encoding, '//', '.', '..' and a trailing '/'. A scheme or authority left to the
 * cluster's configuration matches any, and so does any HDFS authority (NameNode hosts, aliases, ports
 * and HA nameservices cannot be told apart here). viewfs:// (a mount table) and HDFS's /.reserved
 * inode paths are {@link Undecidable}. A policy on a folder binds a table whose folder is that
 * folder, under it, or above it (a table on a parent folder reads the protected files too).
 */
public final class Filesystem implements ConnectorFamily {

    @Override
    public boolean reads(String connector) {
        return connector.equals("filesystem") || connector.equals("paimon") || connector.equals("hudi")
                || connector.equals("iceberg");
    }

    /** A normalised location; scheme or authority null when the cluster's configuration decides them. */
    public static final class Location {
        final String scheme;
        final String authority;
        final String path;

        Location(String scheme, String authority, String path) {
            this.scheme = scheme;
            this.authority = authority;
            this.path = path;
        }

        /** The folder {@code child} below this one ("a/b" adds two levels). */
        public Location resolve(String child) {
            return parse((scheme == null ? "" : scheme + "://" + (authority == null ? "" : authority)) + path + "/" + child);
        }

        /** Is one location the other, or below it, on what may be the same file system? */
        public boolean overlaps(Location o) {
            if (scheme != null && o.scheme != null && !scheme.equals(o.scheme)) {
                return false;
            }
            if (authority != null && o.authority != null && !authority.equals(o.authority)) {
                return false;
            }
            String x = path.endsWith("/") ? path : path + "/";
            String y = o.path.endsWith("/") ? o.path : o.path + "/";
            return x.startsWith(y) || y.startsWith(x);
        }

        @Override
        public String toString() {
            return (scheme == null ? "" : scheme + "://" + (authority == null ? "" : authority)) + path;
        }
    }

    /** The location of a path as the file systems read it. */
    public static Location parse(String raw) {
        String s = raw.trim();
        String scheme = null;
        String authority = null;
        String path = s;
        int colon = s.indexOf(':');
        if (colon > 1 && s.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
            scheme = s.substring(0, colon).toLowerCase(Locale.ROOT);
            String rest = s.substring(colon + 1);
            if (rest.startsWith("//")) {
                int slash = rest.indexOf('/', 2);
                authority = (slash < 0 ? rest.substring(2) : rest.substring(2, slash)).toLowerCase(Locale.ROOT);
                path = slash < 0 ? "/" : rest.substring(slash);
            } else {
                path = rest;
            }
        }
        if (scheme != null) {
            switch (scheme) {
                case "s3a":
                case "s3n":
                case "s3p":
                    scheme = "s3";
                    break;
                case "webhdfs":
                case "swebhdfs":
                    scheme = "hdfs"; // the same HDFS over HTTP
                    break;
                case "wasb":
                case "wasbs":
                case "abfs":
                case "abfss":
                    scheme = "azure"; // container@account, through the blob or the data-lake endpoint
                    break;
                case "viewfs":
                    throw new Undecidable("the viewfs:// path '" + raw + "' is mapped to real folders by the cluster's"
                            + " mount table");
                default:
                    break;
            }
        }
        if (authority != null) {
            int at = authority.lastIndexOf('@');
            if (at >= 0 && !"azure".equals(scheme)) {
                authority = authority.substring(at + 1); // user info is not part of the file system
            }
            if (authority.endsWith(".")) {
                authority = authority.substring(0, authority.length() - 1);
            }
            if ("azure".equals(scheme)) {
                authority = authority.replaceFirst("\\.(blob|dfs)\\.core\\.windows\\.net$", "");
            }
            if (authority.isEmpty()) {
                authority = "file".equals(scheme) ? "" : null;
            }
        } else if ("file".equals(scheme)) {
            authority = "";
        }
        if ("hdfs".equals(scheme)) {
            // a NameNode's host, its aliases, its port and an HA nameservice all name one file system, and
            // which names reach the same one is undecidable here: any HDFS authority may be the policy's
            authority = null;
        }
        try {
            path = URI.create("x:" + path.replace(" ", "%20")).getSchemeSpecificPart();
        } catch (IllegalArgumentException ignored) {
            // keep the text: compared as written
        }
        if (path.contains("/.reserved/") || path.endsWith("/.reserved")) {
            throw new Undecidable("the path '" + raw + "' names files by inode (HDFS /.reserved), not by folder");
        }
        Deque<String> parts = new ArrayDeque<>();
        for (String p : path.split("/+")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                parts.pollLast();
            } else {
                parts.add(p);
            }
        }
        return new Location(scheme, authority, "/" + String.join("/", parts));
    }

    /** scheme://authority/path without trailing slash, for identities and messages (as written when undecidable). */
    public static String normalize(String raw) {
        try {
            return parse(raw).toString();
        } catch (Undecidable e) {
            return raw.trim();
        }
    }

    /** The folder a table of these options reads; null when it names none. */
    static Location location(Map<String, String> options) {
        String connector = options.getOrDefault("connector", "").toLowerCase(Locale.ROOT);
        if (connector.equals("iceberg")) {
            String warehouse = options.get("warehouse");
            String type = options.getOrDefault("catalog-type", "hive");
            if (warehouse == null || !type.equalsIgnoreCase("hadoop")) {
                // only the Hadoop catalog lays tables out by name (<warehouse>/<db>/<table>)
                throw new Undecidable("an iceberg table whose files only its catalog (" + type + ") knows");
            }
            Location w = parse(warehouse);
            String db = options.get("catalog-database");
            String table = options.get("catalog-table");
            return db != null && table != null ? w.resolve(db + "/" + table) : w;
        }
        String path = options.get("path");
        return path == null ? null : parse(path);
    }

    @Override
    public boolean matches(Map<String, String> resource, Map<String, String> options) {
        for (Map.Entry<String, String> e : resource.entrySet()) {
            String k = e.getKey();
            if (k.equals("connector")) {
                continue;
            }
            if (k.equals("path")) {
                Location have = location(options);
                if (have == null || !have.overlaps(parse(e.getValue()))) {
                    return false;
                }
                continue;
            }
            String have = options.get(k);
            if (have == null || !have.equals(e.getValue())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String describe(Map<String, String> options) {
        try {
            Location l = location(options);
            return l == null ? options.getOrDefault("connector", "filesystem") + "://?" : l.toString();
        } catch (Undecidable e) {
            return options.getOrDefault("connector", "filesystem") + "://?";
        }
    }
}
