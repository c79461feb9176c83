package io.flinkops.flink.standin;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkops.flink.data.Values;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.LookupFunction;
import org.apache.flink.table.types.logical.RowType;

/**
 * Lookup function of the stand-in: returns the sample rows whose key columns equal the lookup
 * key. A table without samples answers every key with one generated row carrying that key.
 */
public final class SampleLookupFunction extends LookupFunction {

    private static final long serialVersionUID = 1L;

    private final String table;
    private final List<String> sampleJson; // null: generate
    private final List<String> names;
    private final RowType type;
    private final int[] keys;
    private final String zone;
    private final long seed;
    private final java.util.HashSet<String> rowtimes;

    private transient List<GenericRowData> rows;
    private transient RowData.FieldGetter[] rowKeyGetters;
    private transient RowData.FieldGetter[] lookupKeyGetters;

    public SampleLookupFunction(String table, List<String> sampleJson, List<String> names, RowType type, int[] keys,
            String zone, long seed, java.util.HashSet<String> rowtimes) {
        this.table = table;
        this.sampleJson = sampleJson == null ? null : new ArrayList<>(sampleJson);
        this.names = new ArrayList<>(names);
        this.type = type;
        this.keys = keys;
        this.zone = zone;
        this.seed = seed;
        this.rowtimes = rowtimes;
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        rowKeyGetters = new RowData.FieldGetter[keys.length];
        lookupKeyGetters = new RowData.FieldGetter[keys.length];
        for (int j = 0; j < keys.length; j++) {
            rowKeyGetters[j] = RowData.createFieldGetter(type.getTypeAt(keys[j]), keys[j]);
            lookupKeyGetters[j] = RowData.createFieldGetter(type.getTypeAt(keys[j]), j);
        }
        if (sampleJson != null) {
            List<JsonNode> nodes = new ArrayList<>();
            for (String s : sampleJson) {
                nodes.add(Values.MAPPER.readTree(s));
            }
            rows = SourceRows.rows(table, nodes, 0, names, type, ZoneId.of(zone), seed, rowtimes);
        }
    }

    @Override
    public Collection<RowData> lookup(RowData keyRow) {
        Object[] key = new Object[keys.length];
        for (int j = 0; j < keys.length; j++) {
            key[j] = lookupKeyGetters[j].getFieldOrNull(keyRow);
            if (key[j] == null) {
                return Collections.emptyList();
            }
            if (key[j] instanceof StringData) {
                key[j] = StringData.fromString(key[j].toString());
            }
        }
        if (rows == null) {
            int n = Math.floorMod(java.util.Arrays.hashCode(key), 1000);
            GenericRowData r = SourceRows.generatedRow(names, type, n, seed, ZoneId.of(zone));
            for (int j = 0; j < keys.length; j++) {
                r.setField(keys[j], key[j]);
            }
            return Collections.singletonList(r);
        }
        List<RowData> out = new ArrayList<>();
        for (GenericRowData r : rows) {
            boolean match = true;
            for (int j = 0; j < keys.length && match; j++) {
                match = Objects.equals(rowKeyGetters[j].getFieldOrNull(r), key[j]);
            }
            if (match) {
                out.add(r);
            }
        }
        return out;
    }
}
