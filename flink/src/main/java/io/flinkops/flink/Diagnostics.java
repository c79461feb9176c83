package io.flinkops.flink;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkops.flink.data.Values;

/** Diagnostics: building them, and turning Flink / Calcite exceptions into readable ones. */
final class Diagnostics {

    static final String ERROR = "error";
    static final String WARNING = "warning";
    static final String SYNTAX = "syntax";
    static final String VALIDATION = "validation";
    static final String UNSUPPORTED = "unsupported";
    static final String INTERNAL = "internal";
    /** A data-security policy cannot be enforced: the statement is refused. */
    static final String SECURITY = "security";

    private static final int MAX_MESSAGE = 4000;

    /** One diagnostic; positions are 1-based within the statement text, 0 = unknown. */
    static final class Diagnostic {
        int statement;
        int line;
        int column;
        int endLine;
        int endColumn;
        String message;
        String severity = ERROR;
        String kind;

        Diagnostic(int statement, String kind, String severity, String message) {
            this.statement = statement;
            this.kind = kind;
            this.severity = severity;
            this.message = message;
        }

        boolean isError() {
            return ERROR.equals(severity);
        }

        ObjectNode toJson() {
            ObjectNode o = Values.MAPPER.createObjectNode();
            o.put("statement", statement);
            if (line > 0) {
                o.put("line", line);
                o.put("column", Math.max(column, 1));
                o.put("endLine", endLine > 0 ? endLine : line);
                o.put("endColumn", endColumn > 0 ? endColumn : Math.max(column, 1));
            }
            o.put("message", message);
            o.put("severity", severity);
            o.put("kind", kind);
            return o;
        }
    }

    private static final Pattern POS_PREFIX = Pattern.compile(
            "^(?:From line \\d+, column \\d+ to line \\d+, column \\d+|At line \\d+, column \\d+):\\s*");
    private static final Pattern WRAPPER_PREFIX = Pattern.compile(
            "^(?:SQL validation failed\\.|SQL parse failed\\.|[a-z][\\w.$]*\\.[A-Z]\\w*(?:Exception|Error):)\\s*");
    private static final Pattern AT_LINE = Pattern.compile(" at line \\d+, column \\d+");

    private Diagnostics() {}

    static Diagnostic of(int statement, String kind, String severity, String message) {
        return new Diagnostic(statement, kind, severity, message);
    }

    /** A diagnostic for an exception thrown while handling statement {@code statement}. */
    static Diagnostic fromThrowable(int statement, Throwable t) {
        List<Throwable> chain = chain(t);
        for (Throwable c : chain) {
            if (c instanceof io.flinkops.flink.standin.SampleDataException) {
                return of(statement, VALIDATION, ERROR, "Sample data: " + c.getMessage());
            }
        }
        for (Throwable c : chain) {
            String cn = c.getClass().getName();
            if (cn.endsWith(".SqlParseException")) {
                Diagnostic d = of(statement, SYNTAX, ERROR, cleanParseMessage(c.getMessage()));
                Object pos = call(c, "getPos");
                if (pos != null) {
                    d.line = intCall(pos, "getLineNum");
                    d.column = intCall(pos, "getColumnNum");
                    d.endLine = intCall(pos, "getEndLineNum");
                    d.endColumn = intCall(pos, "getEndColumnNum");
                }
                return d;
            }
            if (cn.endsWith(".CalciteContextException")) {
                String msg = c.getCause() != null && c.getCause().getMessage() != null
                        ? c.getCause().getMessage()
                        : c.getMessage();
                Diagnostic d = of(statement, VALIDATION, ERROR, clean(msg));
                d.line = intCall(c, "getPosLine");
                d.column = intCall(c, "getPosColumn");
                d.endLine = intCall(c, "getEndPosLine");
                d.endColumn = intCall(c, "getEndPosColumn");
                return d;
            }
        }
        String kind = INTERNAL;
        for (Throwable c : chain) {
            String cn = c.getClass().getName();
            if (cn.equals("org.apache.flink.table.api.SqlParserException")
                    || cn.equals("org.apache.flink.table.api.SqlParserEOFException")) {
                kind = SYNTAX;
                break;
            }
            if (c instanceof org.apache.flink.table.api.ValidationException
                    || c instanceof org.apache.flink.table.api.TableException
                    || cn.startsWith("org.apache.calcite.")
                    || cn.startsWith("org.apache.flink.table.")
                    || cn.startsWith("org.apache.flink.sql.")
                    || c instanceof HelperException
                    || c instanceof io.flinkops.flink.standin.SampleDataException) {
                kind = VALIDATION;
            }
        }
        if (t instanceof HelperException) {
            kind = ((HelperException) t).kind;
        }
        Diagnostic d = of(statement, kind, ERROR, bestMessage(chain));
        if (SYNTAX.equals(kind)) {
            d.message = cleanParseMessage(d.message);
        }
        return d;
    }

    static List<Throwable> chain(Throwable t) {
        List<Throwable> out = new ArrayList<>();
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        while (t != null && !seen.containsKey(t)) {
            seen.put(t, true);
            out.add(t);
            t = t.getCause();
        }
        return out;
    }

    /** The message of the deepest cause that has one, cleaned. */
    static String bestMessage(List<Throwable> chain) {
        for (int i = chain.size() - 1; i >= 0; i--) {
            Throwable c = chain.get(i);
            String m = c.getMessage();
            if (m == null || m.trim().isEmpty()) {
                continue;
            }
            String cleaned = clean(m);
            String cn = c.getClass().getName();
            boolean plainJdk = (cn.startsWith("java.") || cn.startsWith("javax."))
                    && !(c instanceof IllegalArgumentException && !(c instanceof NumberFormatException))
                    && !(c instanceof IllegalStateException) && !(c instanceof UnsupportedOperationException);
            return truncate(plainJdk ? c.getClass().getSimpleName() + ": " + cleaned : cleaned);
        }
        Throwable root = chain.get(chain.size() - 1);
        return root.getClass().getSimpleName();
    }

    static String clean(String m) {
        if (m == null) {
            return "";
        }
        String s = m.trim();
        for (int i = 0; i < 5; i++) {
            String before = s;
            s = WRAPPER_PREFIX.matcher(s).replaceFirst("");
            s = POS_PREFIX.matcher(s).replaceFirst("");
            s = s.trim();
            if (s.equals(before)) {
                break;
            }
        }
        return truncate(s);
    }

    /** Shortens Calcite's "Encountered ... Was expecting one of: ..." message. */
    static String cleanParseMessage(String m) {
        String s = clean(m);
        int w = s.indexOf("Was expecting");
        String head = (w >= 0 ? s.substring(0, w) : s).trim();
        head = AT_LINE.matcher(head).replaceAll("");
        if (w < 0) {
            return head.replace('\n', ' ');
        }
        String tail = s.substring(w);
        int colon = tail.indexOf(':');
        List<String> expected = new ArrayList<>();
        if (colon >= 0) {
            for (String line : tail.substring(colon + 1).split("\n")) {
                String e = line.trim();
                if (e.endsWith("...")) {
                    e = e.substring(0, e.length() - 3).trim();
                }
                if (!e.isEmpty() && !expected.contains(e)) {
                    expected.add(e);
                }
            }
        } else {
            Matcher mm = Pattern.compile("Was expecting\\s+(.*)", Pattern.DOTALL).matcher(tail);
            if (mm.find()) {
                expected.add(mm.group(1).trim());
            }
        }
        StringBuilder sb = new StringBuilder(head);
        if (!expected.isEmpty()) {
            sb.append(expected.size() == 1 ? " Was expecting " : " Was expecting one of: ");
            int shown = Math.min(expected.size(), 12);
            sb.append(String.join(", ", expected.subList(0, shown)));
            if (expected.size() > shown) {
                sb.append(", ... (").append(expected.size() - shown).append(" more)");
            }
        }
        return sb.toString();
    }

    private static String truncate(String s) {
        return s.length() > MAX_MESSAGE ? s.substring(0, MAX_MESSAGE) + " ..." : s;
    }

    private static Object call(Object o, String method) {
        try {
            Method m = o.getClass().getMethod(method);
            return m.invoke(o);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static int intCall(Object o, String method) {
        Object v = call(o, method);
        return v instanceof Number ? ((Number) v).intValue() : 0;
    }

    /** An error the helper raises itself, with its diagnostic kind. */
    static final class HelperException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String kind;

        HelperException(String kind, String message) {
            super(message);
            this.kind = kind;
        }
    }
}
