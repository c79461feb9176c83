package io.flinkops.flink.runner;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a Flink SQL script into statements.
 *
 * <ul>
 *   <li>a statement ends at a {@code ;} outside quotes ({@code '...'} with {@code ''} escapes,
 *       {@code `...`} with {@code ``} escapes, {@code "..."}) and outside comments ({@code --} to
 *       the end of the line, {@code /* ... *}{@code /}, which includes hints {@code /*+ ... *}{@code /});
 *   <li>{@code EXECUTE STATEMENT SET BEGIN ...; ...; END;} is kept as ONE statement (inner
 *       semicolons included) — use {@link #statementSetBody(String)} to get the inner statements;
 *   <li>{@code BEGIN STATEMENT SET;} and {@code END;} are ordinary statements of their own;
 *   <li>comments before a statement are dropped, comments inside it are kept; empty statements
 *       ({@code ;;}) and comment-only tails are dropped;
 *   <li>the text of a statement has no trailing {@code ;} and no surrounding whitespace.
 * </ul>
 *
 * <p>This class is shared by the production runner and the helper, so it depends on the JDK only.
 */
public final class SqlScriptSplitter {

    /** One statement of a script. */
    public static final class Statement {
        /** The statement text, without the terminating {@code ;}. */
        public final String sql;
        /** 1-based line of the statement's first character in the script. */
        public final int line;
        /** 1-based column of the statement's first character in the script. */
        public final int column;

        public Statement(String sql, int line, int column) {
            this.sql = sql;
            this.line = line;
            this.column = column;
        }

        @Override
        public String toString() {
            return line + ":" + column + " " + sql;
        }
    }

    private static final Pattern BLOCK_HEAD =
            Pattern.compile("^\\s*EXECUTE\\s+STATEMENT\\s+SET\\s+BEGIN\\b", Pattern.CASE_INSENSITIVE);

    private SqlScriptSplitter() {}

    /** Splits a script into statements. */
    public static List<Statement> split(String script) {
        return split(script, true);
    }

    private static List<Statement> split(String script, boolean keepBlocks) {
        if (script == null || script.isEmpty()) {
            return Collections.emptyList();
        }
        List<Statement> out = new ArrayList<>();
        int[] lineStarts = lineStarts(script);
        int n = script.length();
        int start = -1; // first significant character of the current statement
        int segmentStart = -1; // start of the current inner segment of a statement-set block
        Boolean block = null; // whether the current statement is EXECUTE STATEMENT SET BEGIN ...
        int i = 0;
        while (i < n) {
            char c = script.charAt(i);
            char next = i + 1 < n ? script.charAt(i + 1) : '\0';
            if (c == '-' && next == '-') {
                i = skipLineComment(script, i);
                continue;
            }
            if (c == '/' && next == '*') {
                i = skipBlockComment(script, i);
                continue;
            }
            if (c == ';') {
                if (start >= 0) {
                    if (keepBlocks) {
                        if (block == null) {
                            block = BLOCK_HEAD.matcher(stripComments(script.substring(start, i))).find();
                        }
                        if (block && !"END".equals(normalize(script.substring(segmentStart, i)))) {
                            segmentStart = i + 1;
                            i++;
                            continue;
                        }
                    }
                    emit(out, script, start, i, lineStarts);
                    start = -1;
                    block = null;
                }
                i++;
                continue;
            }
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (start < 0) {
                start = i;
                segmentStart = i;
            }
            if (c == '\'' || c == '"' || c == '`') {
                i = skipQuoted(script, i, c);
                continue;
            }
            i++;
        }
        if (start >= 0) {
            emit(out, script, start, n, lineStarts);
        }
        return out;
    }

    /**
     * The INSERT statements inside {@code EXECUTE STATEMENT SET BEGIN ...; ...; END}. Returns an
     * empty list when {@code sql} is not such a block.
     */
    public static List<Statement> statementSetBody(String sql) {
        Matcher m = BLOCK_HEAD.matcher(sql);
        if (!m.find()) {
            return Collections.emptyList();
        }
        // Blank out the head so that positions in the body stay positions in `sql`.
        StringBuilder body = new StringBuilder(sql);
        for (int k = 0; k < m.end(); k++) {
            if (body.charAt(k) != '\n') {
                body.setCharAt(k, ' ');
            }
        }
        List<Statement> out = new ArrayList<>();
        for (Statement s : split(body.toString(), false)) {
            if (!"END".equals(normalize(s.sql))) {
                out.add(s);
            }
        }
        return out;
    }

    /** Whether {@code sql} is an {@code EXECUTE STATEMENT SET BEGIN ... END} block. */
    public static boolean isStatementSetBlock(String sql) {
        return BLOCK_HEAD.matcher(stripComments(sql)).find();
    }

    /**
     * Upper-cased text with comments removed and whitespace runs collapsed to one space (quoted
     * text is kept, upper-cased too). Used for keyword checks only.
     */
    public static String normalize(String sql) {
        return stripComments(sql).trim().replaceAll("\\s+", " ").toUpperCase(Locale.ROOT);
    }

    /** The text without comments (comments outside quotes are replaced by one space). */
    public static String stripComments(String sql) {
        StringBuilder sb = new StringBuilder(sql.length());
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            char next = i + 1 < n ? sql.charAt(i + 1) : '\0';
            if (c == '-' && next == '-') {
                i = skipLineComment(sql, i);
                sb.append(' ');
            } else if (c == '/' && next == '*') {
                i = skipBlockComment(sql, i);
                sb.append(' ');
            } else if (c == '\'' || c == '"' || c == '`') {
                int end = skipQuoted(sql, i, c);
                sb.append(sql, i, end);
                i = end;
            } else {
                sb.append(c);
                i++;
            }
        }
        return sb.toString();
    }

    private static void emit(List<Statement> out, String script, int start, int end, int[] lineStarts) {
        String text = script.substring(start, end).trim();
        if (text.isEmpty() || normalize(text).isEmpty()) {
            return;
        }
        int line = lineOf(lineStarts, start);
        out.add(new Statement(text, line + 1, start - lineStarts[line] + 1));
    }

    private static int skipLineComment(String s, int i) {
        int nl = s.indexOf('\n', i);
        return nl < 0 ? s.length() : nl;
    }

    private static int skipBlockComment(String s, int i) {
        int end = s.indexOf("*/", i + 2);
        return end < 0 ? s.length() : end + 2;
    }

    /** Index just after the closing quote (or the end of the text when it is unterminated). */
    private static int skipQuoted(String s, int i, char q) {
        int n = s.length();
        int j = i + 1;
        while (j < n) {
            char c = s.charAt(j);
            if (c == q) {
                if (j + 1 < n && s.charAt(j + 1) == q) {
                    j += 2; // doubled quote = escaped quote
                    continue;
                }
                return j + 1;
            }
            if (c == '\\' && q == '"' && j + 1 < n) {
                j += 2;
                continue;
            }
            j++;
        }
        return n;
    }

    private static int[] lineStarts(String s) {
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                starts.add(i + 1);
            }
        }
        int[] r = new int[starts.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = starts.get(i);
        }
        return r;
    }

    private static int lineOf(int[] lineStarts, int offset) {
        int lo = 0;
        int hi = lineStarts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (lineStarts[mid] <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }
}
