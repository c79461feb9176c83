package io.flinkops.flink.security.identity;

import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;

/**
 * The filesystem connector: a table reads everything under its 'path'. Paths are normalised
 * (scheme and host case, s3a/s3n = s3, file:/x = file:///x = /x, '//', '.', '..', trailing '/'),
 * and a policy on a folder binds a table whose path is that folder, under it, or above it (a
 * table on a parent folder reads the protected files too).
 */
public final class Filesystem implements ConnectorFamily {

    @Override
    public boolean reads(String connector) {
        return connector.equals("filesystem");
    }

    /** scheme://authority/path without trailing slash; local paths as file:///path. */
    public static String normalize(String raw) {
        String s = raw.trim();
        String scheme = "file";
        String authority = "";
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
        if (scheme.equals("s3a") || scheme.equals("s3n") || scheme.equals("s3p")) {
            scheme = "s3";
        }
        try {
            path = URI.create("x:" + path.replace(" ", "%20")).getSchemeSpecificPart();
        } catch (IllegalArgumentException ignored) {
            // keep the text: compared as written
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
        return scheme + "://" + authority + "/" + String.join("/", parts);
    }

    /** Is one path the other, or below it? */
    static boolean overlaps(String a, String b) {
        String x = normalize(a);
        String y = normalize(b);
        return x.equals(y) || x.startsWith(y.endsWith("/") ? y : y + "/") || y.startsWith(x.endsWith("/") ? x : x + "/");
    }

    @Override
    public boolean matches(Map<String, String> resource, Map<String, String> options) {
        for (Map.Entry<String, String> e : resource.entrySet()) {
            String k = e.getKey();
            if (k.equals("connector")) {
                continue;
            }
            String have = options.get(k);
            if (have == null) {
                return false;
            }
            if (k.equals("path") ? !overlaps(have, e.getValue()) : !have.equals(e.getValue())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String describe(Map<String, String> options) {
        return normalize(options.getOrDefault("path", ""));
    }
}
