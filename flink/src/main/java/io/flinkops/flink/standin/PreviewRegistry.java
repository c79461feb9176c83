package io.flinkops.flink.standin;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkops.flink.data.Values;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.types.RowKind;

/**
 * In-JVM store of what preview sinks received, by run id and sink name. Previews run on a local
 * mini cluster inside the helper's JVM, so sink writers reach this class directly.
 */
public final class PreviewRegistry {

    /** What one sink received. */
    public static final class SinkOutput {
        public final String name;
        public final String identifier;
        public final List<String> columns;
        public final List<String> types;
        public final List<String> primaryKey;
        private final List<RowKind> kinds = new ArrayList<>();
        private final List<String> rows = new ArrayList<>();

        public SinkOutput(String name, String identifier, List<String> columns, List<String> types,
                List<String> primaryKey) {
            this.name = name;
            this.identifier = identifier;
            this.columns = columns;
            this.types = types;
            this.primaryKey = primaryKey;
        }

        public synchronized void add(RowKind kind, String json) {
            kinds.add(kind);
            rows.add(json);
        }

        public synchronized int changes() {
            return rows.size();
        }

        /** Whether any change was not an insert. */
        public synchronized boolean updating() {
            for (RowKind k : kinds) {
                if (k != RowKind.INSERT) {
                    return true;
                }
            }
            return false;
        }

        /**
         * The final rows after applying the changelog, as JSON texts sorted by text: upsert by
         * primary key when the sink has one, else retraction by full-row equality.
         */
        public synchronized List<String> finalRows() {
            List<String> out;
            if (!primaryKey.isEmpty()) {
                Map<String, String> byKey = new LinkedHashMap<>();
                for (int i = 0; i < rows.size(); i++) {
                    String key = keyOf(rows.get(i));
                    RowKind k = kinds.get(i);
                    if (k == RowKind.INSERT || k == RowKind.UPDATE_AFTER) {
                        byKey.put(key, rows.get(i));
                    } else {
                        byKey.remove(key);
                    }
                }
                out = new ArrayList<>(byKey.values());
            } else {
                Map<String, Integer> counts = new TreeMap<>();
                for (int i = 0; i < rows.size(); i++) {
                    RowKind k = kinds.get(i);
                    int delta = k == RowKind.INSERT || k == RowKind.UPDATE_AFTER ? 1 : -1;
                    counts.merge(rows.get(i), delta, Integer::sum);
                }
                out = new ArrayList<>();
                for (Map.Entry<String, Integer> e : counts.entrySet()) {
                    for (int i = 0; i < e.getValue(); i++) {
                        out.add(e.getKey());
                    }
                }
            }
            Collections.sort(out);
            return out;
        }

        /** Every change in arrival order: {"$op": "+I|-U|+U|-D", ...row}. */
        public synchronized List<com.fasterxml.jackson.databind.node.ObjectNode> changelog() {
            List<com.fasterxml.jackson.databind.node.ObjectNode> out = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                com.fasterxml.jackson.databind.node.ObjectNode o = Values.MAPPER.createObjectNode();
                o.put("$op", kinds.get(i).shortString());
                try {
                    o.setAll((com.fasterxml.jackson.databind.node.ObjectNode) Values.MAPPER.readTree(rows.get(i)));
                } catch (Exception e) {
                    o.put("$row", rows.get(i));
                }
                out.add(o);
            }
            return out;
        }

        private String keyOf(String json) {
            try {
                JsonNode n = Values.MAPPER.readTree(json);
                StringBuilder sb = new StringBuilder();
                for (String c : primaryKey) {
                    sb.append(n.get(c)).append('\u0000');
                }
                return sb.toString();
            } catch (Exception e) {
                return json;
            }
        }
    }

    private static final Map<String, Map<String, SinkOutput>> RUNS = new ConcurrentHashMap<>();

    private PreviewRegistry() {}

    public static void open(String runId) {
        RUNS.put(runId, Collections.synchronizedMap(new LinkedHashMap<>()));
    }

    /** Removes the run and returns its sinks by name. */
    public static Map<String, SinkOutput> close(String runId) {
        Map<String, SinkOutput> r = RUNS.remove(runId);
        return r == null ? Collections.emptyMap() : r;
    }

    static void register(String runId, SinkOutput out) {
        Map<String, SinkOutput> run = RUNS.get(runId);
        if (run != null) {
            run.putIfAbsent(out.name, out);
        }
    }

    static void append(String runId, String sink, RowKind kind, String json) {
        Map<String, SinkOutput> run = RUNS.get(runId);
        if (run == null) {
            return;
        }
        SinkOutput out = run.get(sink);
        if (out != null) {
            out.add(kind, json);
        }
    }

    /** A type as shown in preview output: Flink's summary string without time-attribute marks. */
    public static String typeString(LogicalType t) {
        return t.asSummaryString().replace(" *ROWTIME*", "").replace(" *PROCTIME*", "");
    }
}
