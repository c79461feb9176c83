package io.flinkops.flink.standin;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.table.catalog.ObjectIdentifier;

/**
 * What the stand-in connector of one job run needs to know: the mode (validate / preview /
 * compile), the preview's sample rows and run id, and the types of the catalogs. Lives on the
 * planner side only (never serialised into a job).
 */
public final class StandinContext {

    /** What the helper is doing with the job. */
    public enum Mode {
        VALIDATE,
        PREVIEW,
        COMPILE
    }

    public final Mode mode;
    /** Preview run id (key of {@link PreviewRegistry}); null outside previews. */
    public final String runId;
    /** Sample rows by table name as the request gave it ("orders", "db.orders", "cat.db.orders"). */
    private final Map<String, List<JsonNode>> samples;
    /** The tables the job's sources and lookups read (catalog.database.table): where samples can go. */
    private final java.util.Set<String> read = java.util.Collections.synchronizedSet(new java.util.TreeSet<>());
    /** Rows generated for a source without samples. */
    public final int generatedRows;
    public final long seed;
    /** Catalog name -> catalog type (hive, paimon, jdbc, generic_in_memory). */
    public final Map<String, String> catalogTypes = new ConcurrentHashMap<>();
    public volatile String defaultCatalog = "default_catalog";
    public volatile String defaultDatabase = "default_database";

    public StandinContext(Mode mode, String runId, Map<String, List<JsonNode>> samples, int generatedRows, long seed) {
        this.mode = mode;
        this.runId = runId;
        this.samples = samples == null ? Collections.emptyMap() : samples;
        this.generatedRows = generatedRows;
        this.seed = seed;
    }

    /** A context for plain validation (used when the factory is found through SPI). */
    public static StandinContext validateOnly() {
        return new StandinContext(Mode.VALIDATE, null, null, 10, 0);
    }

    /**
     * How tables are named in preview output: the bare table name for tables of the session's
     * initial catalog and database (default_catalog.default_database), else catalog.database.table.
     */
    public String displayName(ObjectIdentifier id) {
        if (id.getCatalogName().equals(defaultCatalog) && id.getDatabaseName().equals(defaultDatabase)) {
            return id.getObjectName();
        }
        return id.getCatalogName() + "." + id.getDatabaseName() + "." + id.getObjectName();
    }

    /**
     * The sample rows for a table, or null. A sample key matches when its dot-separated parts
     * (backticks allowed) equal the trailing parts of the table's identifier; the longest match
     * wins, exact case before case-insensitive.
     */
    public List<JsonNode> samplesFor(ObjectIdentifier id) {
        read.add(id.getCatalogName() + "." + id.getDatabaseName() + "." + id.getObjectName());
        if (samples.isEmpty()) {
            return null;
        }
        String[] full = {id.getCatalogName(), id.getDatabaseName(), id.getObjectName()};
        for (boolean ignoreCase : new boolean[] {false, true}) {
            List<JsonNode> best = null;
            int bestLen = 0;
            for (Map.Entry<String, List<JsonNode>> e : samples.entrySet()) {
                String[] parts = splitName(e.getKey());
                if (parts.length == 0 || parts.length > 3 || parts.length <= bestLen) {
                    continue;
                }
                String[] tail = Arrays.copyOfRange(full, 3 - parts.length, 3);
                boolean match = true;
                for (int i = 0; i < parts.length && match; i++) {
                    match = ignoreCase ? parts[i].equalsIgnoreCase(tail[i]) : parts[i].equals(tail[i]);
                }
                if (match) {
                    best = e.getValue();
                    bestLen = parts.length;
                }
            }
            if (best != null) {
                return best;
            }
        }
        return null;
    }

    /** The tables read so far (sources and lookup tables), sorted. */
    public List<String> tablesRead() {
        synchronized (read) {
            return new java.util.ArrayList<>(read);
        }
    }

    static String[] splitName(String name) {
        java.util.List<String> parts = new java.util.ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '`') {
                if (quoted && i + 1 < name.length() && name.charAt(i + 1) == '`') {
                    cur.append('`');
                    i++;
                } else {
                    quoted = !quoted;
                }
            } else if (c == '.' && !quoted) {
                parts.add(cur.toString().trim());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        parts.add(cur.toString().trim());
        return parts.toArray(new String[0]);
    }
}
