package io.flinkops.flink.data;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.MapData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.CharType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.DistinctType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.MapType;
import org.apache.flink.table.types.logical.MultisetType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.TimeType;
import org.apache.flink.table.types.logical.TimestampType;
import org.apache.flink.table.types.logical.VarCharType;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;

/**
 * Conversions between JSON values and Flink's internal data structures, the output format of
 * preview values, and deterministic generated values.
 *
 * <p>Output format (JSON): numbers for TINYINT..BIGINT, FLOAT, DOUBLE (NaN/Infinity as strings);
 * DECIMAL as a string with the type's scale ("12.50"); CHAR/VARCHAR as strings; BOOLEAN; DATE
 * "2024-01-01"; TIME "10:00:00[.fff]"; TIMESTAMP(p) and TIMESTAMP_LTZ(p) as Flink's SQL string
 * "2024-01-01 10:00:00.000" with exactly p fraction digits (LTZ shown in the session time zone);
 * BINARY/VARBINARY as base64; ARRAY as arrays; MAP and MULTISET as objects (keys as text); ROW as
 * objects by field name; intervals as numbers (months / milliseconds).
 */
public final class Values {

    public static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final LocalDateTime BASE_TIME = LocalDateTime.of(2024, 1, 1, 0, 0, 0);

    private Values() {}

    // ------------------------------------------------------------------ JSON -> internal

    /** Converts a JSON value to Flink's internal representation of {@code t}. */
    public static Object toInternal(JsonNode n, LogicalType t, ZoneId zone) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return null;
        }
        switch (t.getTypeRoot()) {
            case CHAR:
            case VARCHAR:
                return StringData.fromString(n.isTextual() ? n.asText() : n.toString());
            case BOOLEAN:
                if (n.isBoolean()) {
                    return n.booleanValue();
                }
                if (n.isNumber()) {
                    return n.intValue() != 0;
                }
                return Boolean.parseBoolean(n.asText().trim());
            case TINYINT:
                return (byte) asLong(n);
            case SMALLINT:
                return (short) asLong(n);
            case INTEGER:
                return (int) asLong(n);
            case BIGINT:
                return asLong(n);
            case FLOAT:
                return (float) asDouble(n);
            case DOUBLE:
                return asDouble(n);
            case DECIMAL: {
                DecimalType d = (DecimalType) t;
                BigDecimal bd = n.isNumber() ? n.decimalValue() : new BigDecimal(n.asText().trim());
                bd = bd.setScale(d.getScale(), RoundingMode.HALF_UP);
                DecimalData dd = DecimalData.fromBigDecimal(bd, d.getPrecision(), d.getScale());
                if (dd == null) {
                    throw new IllegalArgumentException(bd + " does not fit " + t.asSummaryString());
                }
                return dd;
            }
            case DATE:
                return n.isNumber() ? n.intValue() : (int) LocalDate.parse(n.asText().trim()).toEpochDay();
            case TIME_WITHOUT_TIME_ZONE:
                return n.isNumber()
                        ? n.intValue()
                        : (int) (LocalTime.parse(n.asText().trim()).toNanoOfDay() / 1_000_000L);
            case TIMESTAMP_WITHOUT_TIME_ZONE:
                return n.isNumber()
                        ? TimestampData.fromEpochMillis(n.longValue())
                        : TimestampData.fromLocalDateTime(parseLocalDateTime(n.asText()));
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                return n.isNumber()
                        ? TimestampData.fromEpochMillis(n.longValue())
                        : TimestampData.fromInstant(parseInstant(n.asText(), zone));
            case BINARY:
            case VARBINARY:
                return decodeBytes(n.asText());
            case ARRAY: {
                LogicalType et = ((ArrayType) t).getElementType();
                if (!n.isArray()) {
                    return new GenericArrayData(new Object[] {toInternal(n, et, zone)});
                }
                Object[] arr = new Object[n.size()];
                for (int i = 0; i < arr.length; i++) {
                    arr[i] = toInternal(n.get(i), et, zone);
                }
                return new GenericArrayData(arr);
            }
            case MULTISET: {
                LogicalType et = ((MultisetType) t).getElementType();
                Map<Object, Object> map = new LinkedHashMap<>();
                if (n.isArray()) {
                    for (JsonNode e : n) {
                        Object k = toInternal(e, et, zone);
                        map.merge(k, 1, (a, b) -> (Integer) a + (Integer) b);
                    }
                } else if (n.isObject()) {
                    Iterator<Map.Entry<String, JsonNode>> it = n.fields();
                    while (it.hasNext()) {
                        Map.Entry<String, JsonNode> e = it.next();
                        map.put(toInternal(TextNode.valueOf(e.getKey()), et, zone), (int) asLong(e.getValue()));
                    }
                }
                return new GenericMapData(map);
            }
            case MAP: {
                MapType mt = (MapType) t;
                Map<Object, Object> map = new LinkedHashMap<>();
                if (n.isObject()) {
                    Iterator<Map.Entry<String, JsonNode>> it = n.fields();
                    while (it.hasNext()) {
                        Map.Entry<String, JsonNode> e = it.next();
                        map.put(toInternal(TextNode.valueOf(e.getKey()), mt.getKeyType(), zone),
                                toInternal(e.getValue(), mt.getValueType(), zone));
                    }
                } else if (n.isArray()) { // [[k, v], ...]
                    for (JsonNode e : n) {
                        map.put(toInternal(e.get(0), mt.getKeyType(), zone),
                                toInternal(e.get(1), mt.getValueType(), zone));
                    }
                }
                return new GenericMapData(map);
            }
            case ROW: {
                RowType rt = (RowType) t;
                GenericRowData r = new GenericRowData(rt.getFieldCount());
                for (int i = 0; i < rt.getFieldCount(); i++) {
                    JsonNode v = n.isArray() ? n.get(i) : n.get(rt.getFieldNames().get(i));
                    r.setField(i, toInternal(v, rt.getTypeAt(i), zone));
                }
                return r;
            }
            case INTERVAL_YEAR_MONTH:
                return (int) asLong(n);
            case INTERVAL_DAY_TIME:
                return asLong(n);
            case DISTINCT_TYPE:
                return toInternal(n, ((DistinctType) t).getSourceType(), zone);
            case NULL:
                return null;
            default:
                throw new IllegalArgumentException(
                        "sample values of type " + t.asSummaryString() + " are not supported");
        }
    }

    private static long asLong(JsonNode n) {
        if (n.isNumber()) {
            return n.longValue();
        }
        return new BigDecimal(n.asText().trim()).longValueExact();
    }

    private static double asDouble(JsonNode n) {
        if (n.isNumber()) {
            return n.doubleValue();
        }
        return Double.parseDouble(n.asText().trim());
    }

    private static byte[] decodeBytes(String s) {
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Parses "2024-01-01 10:00:00[.fff]", ISO "2024-01-01T10:00:00", or a date alone. */
    public static LocalDateTime parseLocalDateTime(String text) {
        Object p = parseDateTime(text);
        if (p instanceof Instant) {
            return LocalDateTime.ofInstant((Instant) p, ZoneOffset.UTC);
        }
        return (LocalDateTime) p;
    }

    /** Like {@link #parseLocalDateTime} but a text without offset is read in {@code zone}. */
    public static Instant parseInstant(String text, ZoneId zone) {
        Object p = parseDateTime(text);
        if (p instanceof Instant) {
            return (Instant) p;
        }
        return ((LocalDateTime) p).atZone(zone).toInstant();
    }

    private static Object parseDateTime(String text) {
        String s = text.trim().replace('T', ' ');
        int sp = s.indexOf(' ');
        if (sp < 0) {
            return LocalDate.parse(s).atStartOfDay();
        }
        LocalDate date = LocalDate.parse(s.substring(0, sp));
        String time = s.substring(sp + 1).trim();
        ZoneOffset offset = null;
        if (time.endsWith("Z") || time.endsWith("z")) {
            offset = ZoneOffset.UTC;
            time = time.substring(0, time.length() - 1);
        } else {
            int k = Math.max(time.lastIndexOf('+'), time.lastIndexOf('-'));
            if (k > 0) {
                offset = ZoneOffset.of(time.substring(k));
                time = time.substring(0, k);
            }
        }
        LocalDateTime ldt = LocalDateTime.of(date, LocalTime.parse(time.trim()));
        if (offset != null) {
            return OffsetDateTime.of(ldt, offset).toInstant();
        }
        return ldt;
    }

    // ------------------------------------------------------------------ internal/external -> JSON

    /**
     * Converts a value of type {@code t} — in Flink's internal representation (RowData, StringData,
     * TimestampData, ...) or the default external one (Row, String, LocalDateTime, ...) — to JSON.
     */
    public static JsonNode toJson(Object v, LogicalType t, ZoneId zone) {
        if (v == null) {
            return F.nullNode();
        }
        switch (t.getTypeRoot()) {
            case CHAR:
            case VARCHAR:
                return F.textNode(v.toString());
            case BOOLEAN:
                return F.booleanNode((Boolean) v);
            case TINYINT:
            case SMALLINT:
            case INTEGER:
            case BIGINT:
                return F.numberNode(((Number) v).longValue());
            case FLOAT:
            case DOUBLE: {
                double d = ((Number) v).doubleValue();
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    return F.textNode(Double.toString(d));
                }
                return t.getTypeRoot() == org.apache.flink.table.types.logical.LogicalTypeRoot.FLOAT
                        ? F.numberNode(((Number) v).floatValue())
                        : F.numberNode(d);
            }
            case DECIMAL: {
                BigDecimal bd = v instanceof DecimalData ? ((DecimalData) v).toBigDecimal() : (BigDecimal) v;
                return F.textNode(bd.toPlainString());
            }
            case DATE:
                return F.textNode((v instanceof LocalDate ? (LocalDate) v : LocalDate.ofEpochDay(((Number) v).intValue()))
                        .toString());
            case TIME_WITHOUT_TIME_ZONE: {
                LocalTime lt = v instanceof LocalTime
                        ? (LocalTime) v
                        : LocalTime.ofNanoOfDay(((Number) v).longValue() * 1_000_000L);
                return F.textNode(formatTime(lt, ((TimeType) t).getPrecision()));
            }
            case TIMESTAMP_WITHOUT_TIME_ZONE: {
                LocalDateTime ldt = v instanceof TimestampData
                        ? ((TimestampData) v).toLocalDateTime()
                        : v instanceof java.sql.Timestamp ? ((java.sql.Timestamp) v).toLocalDateTime() : (LocalDateTime) v;
                return F.textNode(formatTimestamp(ldt, ((TimestampType) t).getPrecision()));
            }
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE: {
                Instant instant = v instanceof TimestampData
                        ? ((TimestampData) v).toInstant()
                        : v instanceof Long ? Instant.ofEpochMilli((Long) v) : (Instant) v;
                return F.textNode(formatTimestamp(LocalDateTime.ofInstant(instant, zone),
                        ((LocalZonedTimestampType) t).getPrecision()));
            }
            case BINARY:
            case VARBINARY:
                return F.textNode(Base64.getEncoder().encodeToString((byte[]) v));
            case ARRAY: {
                LogicalType et = ((ArrayType) t).getElementType();
                ArrayNode a = F.arrayNode();
                if (v instanceof ArrayData) {
                    ArrayData ad = (ArrayData) v;
                    ArrayData.ElementGetter g = ArrayData.createElementGetter(et);
                    for (int i = 0; i < ad.size(); i++) {
                        a.add(toJson(g.getElementOrNull(ad, i), et, zone));
                    }
                } else if (v instanceof List) {
                    for (Object e : (List<?>) v) {
                        a.add(toJson(e, et, zone));
                    }
                } else if (v.getClass().isArray()) {
                    for (int i = 0; i < Array.getLength(v); i++) {
                        a.add(toJson(Array.get(v, i), et, zone));
                    }
                }
                return a;
            }
            case MAP:
            case MULTISET: {
                LogicalType kt = t instanceof MapType ? ((MapType) t).getKeyType() : ((MultisetType) t).getElementType();
                LogicalType vt = t instanceof MapType
                        ? ((MapType) t).getValueType()
                        : new org.apache.flink.table.types.logical.IntType(false);
                ObjectNode o = F.objectNode();
                if (v instanceof MapData) {
                    MapData md = (MapData) v;
                    ArrayData.ElementGetter kg = ArrayData.createElementGetter(kt);
                    ArrayData.ElementGetter vg = ArrayData.createElementGetter(vt);
                    for (int i = 0; i < md.size(); i++) {
                        o.set(keyText(toJson(kg.getElementOrNull(md.keyArray(), i), kt, zone)),
                                toJson(vg.getElementOrNull(md.valueArray(), i), vt, zone));
                    }
                } else if (v instanceof Map) {
                    for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                        o.set(keyText(toJson(e.getKey(), kt, zone)), toJson(e.getValue(), vt, zone));
                    }
                }
                return o;
            }
            case ROW: {
                RowType rt = (RowType) t;
                ObjectNode o = F.objectNode();
                for (int i = 0; i < rt.getFieldCount(); i++) {
                    Object f;
                    if (v instanceof RowData) {
                        f = RowData.createFieldGetter(rt.getTypeAt(i), i).getFieldOrNull((RowData) v);
                    } else {
                        f = rowField((Row) v, i, rt.getFieldNames().get(i));
                    }
                    o.set(rt.getFieldNames().get(i), toJson(f, rt.getTypeAt(i), zone));
                }
                return o;
            }
            case INTERVAL_YEAR_MONTH:
            case INTERVAL_DAY_TIME:
                if (v instanceof Number) {
                    return F.numberNode(((Number) v).longValue());
                }
                if (v instanceof java.time.Period) {
                    return F.numberNode(((java.time.Period) v).toTotalMonths());
                }
                if (v instanceof java.time.Duration) {
                    return F.numberNode(((java.time.Duration) v).toMillis());
                }
                return F.textNode(v.toString());
            case DISTINCT_TYPE:
                return toJson(v, ((DistinctType) t).getSourceType(), zone);
            default:
                return F.textNode(v.toString());
        }
    }

    private static Object rowField(Row row, int i, String name) {
        try {
            return row.getField(i);
        } catch (RuntimeException e) {
            return row.getField(name);
        }
    }

    private static String keyText(JsonNode k) {
        return k.isValueNode() ? k.asText() : k.toString();
    }

    /** Flink's SQL string of a timestamp with exactly {@code precision} fraction digits. */
    public static String formatTimestamp(LocalDateTime ldt, int precision) {
        return ldt.toLocalDate() + " " + formatTime(ldt.toLocalTime(), precision);
    }

    static String formatTime(LocalTime t, int precision) {
        StringBuilder sb = new StringBuilder(18);
        two(sb, t.getHour()).append(':');
        two(sb, t.getMinute()).append(':');
        two(sb, t.getSecond());
        if (precision > 0) {
            String nanos = String.format("%09d", t.getNano());
            sb.append('.').append(nanos, 0, Math.min(9, precision));
        }
        return sb.toString();
    }

    private static StringBuilder two(StringBuilder sb, int v) {
        if (v < 10) {
            sb.append('0');
        }
        return sb.append(v);
    }

    /** The JSON text of a changelog row kind: "+I", "-U", "+U", "-D". */
    public static String kindText(RowKind kind) {
        return kind.shortString();
    }

    /** Parses "+I"/"-U"/"+U"/"-D" (also INSERT/UPDATE_BEFORE/UPDATE_AFTER/DELETE); null = +I. */
    public static RowKind parseKind(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return RowKind.INSERT;
        }
        String s = n.asText().trim().toUpperCase(java.util.Locale.ROOT);
        for (RowKind k : RowKind.values()) {
            if (k.shortString().equals(s) || k.name().equals(s)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown row kind '" + n.asText() + "' (use +I, -U, +U, -D)");
    }

    // ------------------------------------------------------------------ generated values

    /**
     * A deterministic value for column {@code column} of type {@code t} in generated row
     * {@code row} (0-based). Integers are row+1 (so generated keys of two tables join), strings
     * "column_n", timestamps 2024-01-01 00:00:00 plus {@code row} seconds (increasing, so event-time
     * windows fire), dates 2024-01-01 plus {@code row} days. {@code seed} shifts numbers and times.
     */
    public static Object generate(LogicalType t, String column, int row, long seed, ZoneId zone) {
        long n = row + 1 + seed;
        switch (t.getTypeRoot()) {
            case CHAR:
            case VARCHAR: {
                String s = column + "_" + n;
                int len = t instanceof VarCharType ? ((VarCharType) t).getLength()
                        : t instanceof CharType ? ((CharType) t).getLength() : Integer.MAX_VALUE;
                if (s.length() > len) {
                    s = s.substring(s.length() - len);
                }
                return StringData.fromString(s);
            }
            case BOOLEAN:
                return n % 2 == 1;
            case TINYINT:
                return (byte) (n % 128);
            case SMALLINT:
                return (short) (n % 32768);
            case INTEGER:
                return (int) n;
            case BIGINT:
                return n;
            case FLOAT:
                return (float) (n * 1.5);
            case DOUBLE:
                return n * 1.5;
            case DECIMAL: {
                DecimalType d = (DecimalType) t;
                int intDigits = Math.max(0, d.getPrecision() - d.getScale());
                BigInteger limit = BigInteger.TEN.pow(Math.min(intDigits, 18));
                long whole = intDigits == 0 ? 0 : BigInteger.valueOf(n).mod(limit).longValue();
                BigDecimal bd = BigDecimal.valueOf(whole)
                        .add(d.getScale() > 0 ? new BigDecimal("0.25") : BigDecimal.ZERO)
                        .setScale(d.getScale(), RoundingMode.DOWN);
                return DecimalData.fromBigDecimal(bd, d.getPrecision(), d.getScale());
            }
            case DATE:
                return (int) (LocalDate.of(2024, 1, 1).toEpochDay() + n - 1);
            case TIME_WITHOUT_TIME_ZONE:
                return (int) (((10L * 3600 + (n - 1) * 60) % 86400) * 1000);
            case TIMESTAMP_WITHOUT_TIME_ZONE:
                return TimestampData.fromLocalDateTime(BASE_TIME.plusSeconds(n - 1));
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                return TimestampData.fromInstant(BASE_TIME.plusSeconds(n - 1).atZone(zone).toInstant());
            case BINARY:
            case VARBINARY:
                return (column + "_" + n).getBytes(StandardCharsets.UTF_8);
            case ARRAY:
                return new GenericArrayData(new Object[] {
                        generate(((ArrayType) t).getElementType(), column, row, seed, zone)});
            case MULTISET: {
                Map<Object, Object> m = new LinkedHashMap<>();
                m.put(generate(((MultisetType) t).getElementType(), column, row, seed, zone), 1);
                return new GenericMapData(m);
            }
            case MAP: {
                MapType mt = (MapType) t;
                Map<Object, Object> m = new LinkedHashMap<>();
                m.put(generate(mt.getKeyType(), column + "_key", row, seed, zone),
                        generate(mt.getValueType(), column + "_value", row, seed, zone));
                return new GenericMapData(m);
            }
            case ROW: {
                RowType rt = (RowType) t;
                GenericRowData r = new GenericRowData(rt.getFieldCount());
                for (int i = 0; i < rt.getFieldCount(); i++) {
                    r.setField(i, generate(rt.getTypeAt(i), rt.getFieldNames().get(i), row, seed, zone));
                }
                return r;
            }
            case INTERVAL_YEAR_MONTH:
                return (int) n;
            case INTERVAL_DAY_TIME:
                return n * 1000L;
            case DISTINCT_TYPE:
                return generate(((DistinctType) t).getSourceType(), column, row, seed, zone);
            default:
                return null;
        }
    }
}
