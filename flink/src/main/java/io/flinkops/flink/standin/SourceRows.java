package io.flinkops.flink.standin;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkops.flink.data.Values;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;

/** Builds the rows a stand-in source produces: from sample rows, or generated. */
final class SourceRows {

    private SourceRows() {}

    /**
     * Rows for a table: one per sample (a JSON object by column name; "$rowkind" may be +I, -U, +U,
     * -D), or {@code generated} generated rows when {@code samples} is null. A column missing from
     * a sample is null, or generated when the column is NOT NULL.
     */
    static List<GenericRowData> rows(String table, List<JsonNode> samples, int generated, List<String> names,
            RowType type, ZoneId zone, long seed, Set<String> rowtimes) {
        List<GenericRowData> out = new ArrayList<>();
        if (samples == null) {
            for (int i = 0; i < generated; i++) {
                out.add(generatedRow(names, type, i, seed, zone));
            }
            return out;
        }
        for (int i = 0; i < samples.size(); i++) {
            JsonNode s = samples.get(i);
            if (s == null || !s.isObject()) {
                throw new SampleDataException(
                        "sample row " + (i + 1) + " of table '" + table + "' is not a JSON object");
            }
            GenericRowData r = new GenericRowData(names.size());
            JsonNode kind = s.has("$rowkind") ? s.get("$rowkind") : s.get("$op");
            try {
                r.setRowKind(Values.parseKind(kind));
            } catch (IllegalArgumentException e) {
                throw new SampleDataException(
                        "sample row " + (i + 1) + " of table '" + table + "': " + e.getMessage());
            }
            for (int j = 0; j < names.size(); j++) {
                LogicalType t = type.getTypeAt(j);
                JsonNode v = s.get(names.get(j));
                try {
                    if (v == null && (!t.isNullable() || rowtimes.contains(names.get(j)))) {
                        // NOT NULL and event-time columns missing from a sample are generated
                        r.setField(j, Values.generate(t, names.get(j), i, seed, zone));
                    } else {
                        r.setField(j, Values.toInternal(v, t, zone));
                    }
                } catch (RuntimeException e) {
                    throw new SampleDataException("sample row " + (i + 1) + " of table '" + table
                            + "', column '" + names.get(j) + "' (" + t.asSummaryString() + "): "
                            + describe(e));
                }
            }
            out.add(r);
        }
        return out;
    }

    private static String describe(RuntimeException e) {
        String m = e.getMessage();
        if (e instanceof java.time.format.DateTimeParseException) {
            return "not a date/time in Flink's format (e.g. 2024-01-01 10:00:00.000): " + m;
        }
        if (e instanceof NumberFormatException || e instanceof ArithmeticException) {
            return "not a number" + (m == null ? "" : " (" + m + ")");
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }

    static GenericRowData generatedRow(List<String> names, RowType type, int row, long seed, ZoneId zone) {
        GenericRowData r = new GenericRowData(names.size());
        for (int j = 0; j < names.size(); j++) {
            r.setField(j, Values.generate(type.getTypeAt(j), names.get(j), row, seed, zone));
        }
        return r;
    }
}
