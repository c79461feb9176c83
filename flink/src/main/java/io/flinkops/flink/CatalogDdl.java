package io.flinkops.flink;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/** CREATE TABLE statements for the tables of a platform catalog description. */
final class CatalogDdl {

    private CatalogDdl() {}

    static String ident(String s) {
        return "`" + s.replace("`", "``") + "`";
    }

    static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /**
     * {@code CREATE TABLE `cat`.`db`.`t` (cols, WATERMARK, PRIMARY KEY) COMMENT PARTITIONED BY
     * WITH (options)} from {"columns":[{"name","type","description"}], "primaryKey":[...],
     * "partitionKeys":[...], "watermark":{"column","expression"}, "options":{...},
     * "description":"..."}.
     */
    static String createTable(String catalog, String db, String table, JsonNode t, boolean needsConnector) {
        List<String> parts = new ArrayList<>();
        for (JsonNode c : t.path("columns")) {
            String col = "  " + ident(c.path("name").asText()) + " " + c.path("type").asText();
            if (c.hasNonNull("description")) {
                col += " COMMENT " + literal(c.get("description").asText());
            }
            parts.add(col);
        }
        JsonNode wm = t.path("watermark");
        if (wm.hasNonNull("column") && wm.hasNonNull("expression")) {
            parts.add("  WATERMARK FOR " + ident(wm.get("column").asText()) + " AS " + wm.get("expression").asText());
        }
        List<String> pk = names(t.path("primaryKey"));
        if (!pk.isEmpty()) {
            parts.add("  PRIMARY KEY (" + String.join(", ", pk) + ") NOT ENFORCED");
        }
        StringBuilder sb = new StringBuilder("CREATE TABLE ");
        sb.append(ident(catalog)).append('.').append(ident(db)).append('.').append(ident(table)).append(" (\n");
        sb.append(String.join(",\n", parts)).append("\n)");
        if (t.hasNonNull("description")) {
            sb.append(" COMMENT ").append(literal(t.get("description").asText()));
        }
        List<String> partitions = names(t.path("partitionKeys"));
        if (!partitions.isEmpty()) {
            sb.append(" PARTITIONED BY (").append(String.join(", ", partitions)).append(')');
        }
        JsonNode options = t.path("options");
        List<String> opts = new ArrayList<>();
        if (needsConnector && !options.has("connector")) {
            // Tables of Hive / Paimon / JDBC catalogs have no 'connector' option; Flink's in-memory
            // catalog insists on one, so such tables name the stand-in explicitly.
            opts.add("  'connector' = 'flinkops-standin'");
        }
        if (options.isObject() && options.size() > 0) {
            Iterator<Map.Entry<String, JsonNode>> it = options.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                opts.add("  " + literal(e.getKey()) + " = " + literal(e.getValue().asText()));
            }
        }
        if (!opts.isEmpty()) {
            sb.append(" WITH (\n").append(String.join(",\n", opts)).append("\n)");
        }
        return sb.toString();
    }

    private static List<String> names(JsonNode arr) {
        List<String> out = new ArrayList<>();
        if (arr.isArray()) {
            for (JsonNode n : arr) {
                out.add(ident(n.asText()));
            }
        }
        return out;
    }
}
