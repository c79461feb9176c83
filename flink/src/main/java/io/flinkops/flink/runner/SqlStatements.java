package io.flinkops.flink.runner;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Classification of single statements and parsing of SET / RESET (JDK only). */
public final class SqlStatements {

    /** What a statement is, judged from its leading keywords. */
    public enum Kind {
        SET,
        RESET,
        BEGIN_STATEMENT_SET,
        END,
        EXECUTE_STATEMENT_SET,
        INSERT,
        QUERY,
        USE,
        DDL,
        OTHER;

        /** The protocol name of the kind: set|ddl|query|insert|statement-set|use|other. */
        public String protocolName() {
            switch (this) {
                case SET:
                case RESET:
                    return "set";
                case BEGIN_STATEMENT_SET:
                case END:
                case EXECUTE_STATEMENT_SET:
                    return "statement-set";
                case INSERT:
                    return "insert";
                case QUERY:
                    return "query";
                case USE:
                    return "use";
                case DDL:
                    return "ddl";
                default:
                    return "other";
            }
        }
    }

    /** A parsed {@code SET 'key' = 'value'} or {@code RESET 'key'}; key null for bare RESET/SET. */
    public static final class Setting {
        public final String key;
        public final String value;

        Setting(String key, String value) {
            this.key = key;
            this.value = value;
        }
    }

    private static final String QUOTED_OR_BARE = "('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`(?:[^`]|``)*`|[^\\s=]+)";
    private static final Pattern SET =
            Pattern.compile("^SET(?:\\s+" + QUOTED_OR_BARE + "\\s*=\\s*(.*?))?\\s*$",
                    Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern SET_GLUED =
            Pattern.compile("^SET\\s+([^\\s=]+)=(.*?)\\s*$", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern RESET =
            Pattern.compile("^RESET(?:\\s+" + QUOTED_OR_BARE + ")?\\s*$", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    private SqlStatements() {}

    /** Classifies a statement by its leading keywords (comments ignored). */
    public static Kind kind(String sql) {
        String s = SqlScriptSplitter.normalize(sql);
        if (s.equals("SET") || s.startsWith("SET ") || s.startsWith("SET'")) {
            return Kind.SET;
        }
        if (s.equals("RESET") || s.startsWith("RESET ") || s.startsWith("RESET'")) {
            return Kind.RESET;
        }
        if (s.equals("BEGIN STATEMENT SET")) {
            return Kind.BEGIN_STATEMENT_SET;
        }
        if (s.equals("END")) {
            return Kind.END;
        }
        if (s.startsWith("EXECUTE STATEMENT SET")) {
            return Kind.EXECUTE_STATEMENT_SET;
        }
        String w = firstWords(s);
        if (w.startsWith("INSERT ") || w.startsWith("EXECUTE INSERT ") || w.startsWith("REPLACE INTO ")) {
            return Kind.INSERT;
        }
        if (w.startsWith("SELECT ") || w.startsWith("WITH ") || w.startsWith("VALUES ") || s.startsWith("(")
                || w.startsWith("TABLE ")) {
            return Kind.QUERY;
        }
        if (w.startsWith("USE ")) {
            return Kind.USE;
        }
        if (w.startsWith("CREATE ") || w.startsWith("DROP ") || w.startsWith("ALTER ")
                || w.startsWith("TRUNCATE ") || w.startsWith("ANALYZE ")) {
            return Kind.DDL;
        }
        return Kind.OTHER;
    }

    private static String firstWords(String normalized) {
        return normalized + " ";
    }

    /**
     * Parses {@code SET 'key' = 'value'} (also {@code SET key = value}, {@code SET key=value}).
     * Returns a setting with a null key for a bare {@code SET}; null if the text is not a valid SET.
     */
    public static Setting parseSet(String sql) {
        String s = SqlScriptSplitter.stripComments(sql).trim();
        Matcher m = SET.matcher(s);
        if (m.matches()) {
            if (m.group(1) == null) {
                return new Setting(null, null);
            }
            String value = m.group(2);
            if (value == null || value.isEmpty()) {
                return null;
            }
            return new Setting(unquote(m.group(1)), unquote(value.trim()));
        }
        m = SET_GLUED.matcher(s);
        if (m.matches()) {
            return new Setting(unquote(m.group(1)), unquote(m.group(2).trim()));
        }
        return null;
    }

    /** Parses {@code RESET 'key'} / {@code RESET}; null key = reset all; null if not a valid RESET. */
    public static Setting parseReset(String sql) {
        Matcher m = RESET.matcher(SqlScriptSplitter.stripComments(sql).trim());
        if (!m.matches()) {
            return null;
        }
        return new Setting(m.group(1) == null ? null : unquote(m.group(1)), null);
    }

    static String unquote(String s) {
        if (s.length() >= 2) {
            char q = s.charAt(0);
            if ((q == '\'' || q == '"' || q == '`') && s.charAt(s.length() - 1) == q) {
                String d = String.valueOf(q);
                return s.substring(1, s.length() - 1).replace(d + d, d);
            }
        }
        return s;
    }

    /** Lower-case helper shared by callers that compare option values. */
    public static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }
}
