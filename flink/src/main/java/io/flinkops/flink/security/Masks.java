package io.flinkops.flink.security;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;

import org.apache.calcite.avatica.util.TimeUnitRange;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.type.SqlTypeFamily;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.flink.table.planner.functions.sql.FlinkSqlOperatorTable;

/**
 * Mask expressions, built from Flink's built-in operator instances (never looked up by name, so a
 * temporary system function cannot replace one). Ranger / Hive semantics: MASK turns upper-case
 * letters into X, lower-case into x and digits into n (Character.isUpperCase / isLowerCase /
 * isDigit, as Hive's GenericUDFMask) and keeps other characters; numbers get every digit 1;
 * SHOW_LAST_4 / SHOW_FIRST_4 mask all but the last / first four characters the same way; HASH is
 * SHA-256 in hex; DATE_SHOW_YEAR keeps the year (January 1st); NULL is NULL; NONE keeps the value.
 */
final class Masks {

    private Masks() {}

    static final Map<String, Integer> RANK = Map.of(
            "MASK_NULL", 6, "MASK_HASH", 5, "MASK", 4, "MASK_SHOW_FIRST_4", 3, "MASK_SHOW_LAST_4", 3,
            "MASK_DATE_SHOW_YEAR", 2, "CUSTOM", 1, "MASK_NONE", 0);

    /** The mask's kind: MASK, …, or CUSTOM for "CUSTOM: expr"; null when unknown. */
    static String kind(String mask) {
        String m = mask.trim();
        if (m.regionMatches(true, 0, "CUSTOM", 0, 6) && m.substring(6).trim().startsWith(":")) {
            return "CUSTOM";
        }
        String k = m.toUpperCase(Locale.ROOT);
        return RANK.containsKey(k) && !k.equals("CUSTOM") ? k : null;
    }

    static String customExpression(String mask) {
        String m = mask.trim();
        return m.substring(m.indexOf(':') + 1).trim();
    }

    /** Several policies mask one column: the most restrictive wins; two different ones of the same rank give NULL. */
    static String strictest(String a, String b) {
        String ka = kind(a);
        String kb = kind(b);
        if (!RANK.get(ka).equals(RANK.get(kb))) {
            return RANK.get(ka) > RANK.get(kb) ? a : b;
        }
        return a.trim().equals(b.trim()) ? a : "MASK_NULL";
    }

    /** Why this mask cannot keep the column's type, or null. */
    static String unfit(String kind, RelDataType type) {
        SqlTypeFamily f = type.getSqlTypeName().getFamily();
        boolean string = f == SqlTypeFamily.CHARACTER;
        boolean numeric = f == SqlTypeFamily.NUMERIC;
        boolean temporal = type.getSqlTypeName() == SqlTypeName.DATE || f == SqlTypeFamily.TIMESTAMP;
        switch (kind) {
            case "MASK":
                return string || numeric ? null : "MASK keeps only character and numeric types";
            case "MASK_SHOW_LAST_4":
            case "MASK_SHOW_FIRST_4":
            case "MASK_HASH":
                return string ? null : kind + " keeps only character types";
            case "MASK_DATE_SHOW_YEAR":
                return temporal ? null : "MASK_DATE_SHOW_YEAR keeps only DATE and TIMESTAMP types";
            case "MASK_NULL":
                return type.isNullable() ? null : "MASK_NULL cannot mask a NOT NULL column";
            default:
                return null;
        }
    }

    /** The masked value of {@code col} (a built-in mask), of exactly the column's type. */
    static RexNode build(RexBuilder rb, String kind, RexNode col, RelDataType type) {
        switch (kind) {
            case "MASK_NONE":
                return col;
            case "MASK_NULL":
                return rb.makeNullLiteral(type);
            case "MASK":
                if (type.getSqlTypeName().getFamily() == SqlTypeFamily.NUMERIC) {
                    RexNode text = rb.makeCast(varchar(rb), col);
                    return cast(rb, type, call(rb, FlinkSqlOperatorTable.REGEXP_REPLACE, text, lit(rb, "[0-9]"), lit(rb, "1")));
                }
                return cast(rb, type, maskChars(rb, col));
            case "MASK_SHOW_LAST_4":
            case "MASK_SHOW_FIRST_4": {
                RexNode len = call(rb, FlinkSqlOperatorTable.CHAR_LENGTH, col);
                RexNode four = rb.makeExactLiteral(BigDecimal.valueOf(4));
                RexNode rest = call(rb, FlinkSqlOperatorTable.MINUS, len, four);
                RexNode one = rb.makeExactLiteral(BigDecimal.ONE);
                RexNode masked;
                if (kind.equals("MASK_SHOW_LAST_4")) {
                    RexNode head = call(rb, FlinkSqlOperatorTable.SUBSTRING, col, one, rest);
                    RexNode tail = call(rb, FlinkSqlOperatorTable.SUBSTRING, col,
                            call(rb, FlinkSqlOperatorTable.PLUS, rest, one));
                    masked = call(rb, FlinkSqlOperatorTable.CONCAT, maskChars(rb, head), tail);
                } else {
                    RexNode head = call(rb, FlinkSqlOperatorTable.SUBSTRING, col, one, four);
                    RexNode tail = call(rb, FlinkSqlOperatorTable.SUBSTRING, col,
                            rb.makeExactLiteral(BigDecimal.valueOf(5)));
                    masked = call(rb, FlinkSqlOperatorTable.CONCAT, head, maskChars(rb, tail));
                }
                RexNode shortValue = call(rb, FlinkSqlOperatorTable.LESS_THAN_OR_EQUAL, len, four);
                return cast(rb, type, call(rb, FlinkSqlOperatorTable.CASE, shortValue, rb.makeCast(varchar(rb), col),
                        rb.makeCast(varchar(rb), masked)));
            }
            case "MASK_HASH":
                return cast(rb, type, call(rb, FlinkSqlOperatorTable.SHA256, col));
            case "MASK_DATE_SHOW_YEAR":
                return cast(rb, type, call(rb, FlinkSqlOperatorTable.FLOOR, col, rb.makeFlag(TimeUnitRange.YEAR)));
            default:
                throw new IllegalArgumentException(kind);
        }
    }

    /** upper → X, lower → x, digit → n, the rest kept. */
    private static RexNode maskChars(RexBuilder rb, RexNode s) {
        RexNode upper = call(rb, FlinkSqlOperatorTable.REGEXP_REPLACE, s, lit(rb, "\\p{javaUpperCase}"), lit(rb, "X"));
        RexNode lower = call(rb, FlinkSqlOperatorTable.REGEXP_REPLACE, upper, lit(rb, "\\p{javaLowerCase}"), lit(rb, "x"));
        return call(rb, FlinkSqlOperatorTable.REGEXP_REPLACE, lower, lit(rb, "\\p{javaDigit}"), lit(rb, "n"));
    }

    private static RelDataType varchar(RexBuilder rb) {
        return rb.getTypeFactory().createTypeWithNullability(
                rb.getTypeFactory().createSqlType(SqlTypeName.VARCHAR, Integer.MAX_VALUE), true);
    }

    private static RexNode lit(RexBuilder rb, String s) {
        return rb.makeLiteral(s);
    }

    private static RexNode call(RexBuilder rb, org.apache.calcite.sql.SqlOperator op, RexNode... operands) {
        return rb.makeCall(op, operands);
    }

    /** Exactly {@code type} (nullability included): the nodes above the scan keep their input types. */
    static RexNode cast(RexBuilder rb, RelDataType type, RexNode e) {
        if (e.getType().equals(type)) {
            return e;
        }
        return rb.makeAbstractCast(type, e);
    }
}
