package io.flinkops.flink.runner;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The one rule for what a script submits: a script runs as ONE Flink job. Application mode allows
 * a single execute() per main() ("Cannot have more than one execute() or executeAsync() call in a
 * single environment"), so the runner gathers every INSERT outside a statement set into one
 * implicit statement set (one job graph writing all their sinks), run after the script's last
 * statement. Anything else that submits a job — an explicit statement set beside it, a second
 * statement set, a top-level query, CREATE TABLE … AS SELECT — would be a second job and is refused.
 *
 * <p>The runner, deep validation, preview and plan compilation all follow this class.
 */
public final class ScriptJob {

    private static final Pattern TABLE_AS_SELECT = Pattern.compile(
            "^(CREATE (OR REPLACE )?|REPLACE )(TEMPORARY )?TABLE\\b.*\\bAS \\(?(SELECT|WITH|VALUES)\\b.*",
            Pattern.DOTALL);

    private ScriptJob() {}

    /** What a statement submits. */
    public enum Submits {
        /** Nothing (DDL, SET, USE, …), or it belongs to a statement set opened before it. */
        NOTHING,
        /** A plain INSERT: it joins the script's implicit statement set. */
        IMPLICIT_SET,
        /** A job of its own: a statement set, a query or CREATE TABLE … AS SELECT. */
        JOB
    }

    /** What each statement of the script submits, in order (BEGIN STATEMENT SET opens a set closed by END). */
    public static Submits[] submits(List<String> statements) {
        Submits[] out = new Submits[statements.size()];
        boolean inSet = false;
        for (int i = 0; i < statements.size(); i++) {
            String sql = statements.get(i);
            SqlStatements.Kind kind = SqlStatements.kind(sql);
            Submits s = Submits.NOTHING;
            if (inSet) {
                inSet = kind != SqlStatements.Kind.END;
            } else if (kind == SqlStatements.Kind.BEGIN_STATEMENT_SET) {
                inSet = true;
                s = Submits.JOB;
            } else if (kind == SqlStatements.Kind.EXECUTE_STATEMENT_SET || kind == SqlStatements.Kind.QUERY
                    || (kind == SqlStatements.Kind.DDL
                            && TABLE_AS_SELECT.matcher(SqlScriptSplitter.normalize(sql)).matches())) {
                s = Submits.JOB;
            } else if (kind == SqlStatements.Kind.INSERT) {
                s = Submits.IMPLICIT_SET;
            }
            out[i] = s;
        }
        return out;
    }

    /** The index of the first statement that would submit a second job, or -1 when the script is one job. */
    public static int secondJob(Submits[] submits) {
        int jobs = 0;
        boolean implicit = false;
        for (int i = 0; i < submits.length; i++) {
            boolean starts = submits[i] == Submits.JOB || (submits[i] == Submits.IMPLICIT_SET && !implicit);
            if (submits[i] == Submits.IMPLICIT_SET) {
                implicit = true;
            }
            if (starts && ++jobs == 2) {
                return i;
            }
        }
        return -1;
    }

    /** The message for the statement {@link #secondJob} found. */
    public static String secondJobMessage() {
        return "A script runs as one Flink job (application mode allows one execute()): this statement would submit"
                + " a second one. Plain INSERTs already run together as one statement set; put every INSERT into"
                + " that set or into one BEGIN STATEMENT SET … END, and leave out top-level queries and"
                + " CREATE TABLE … AS SELECT beside them";
    }
}
