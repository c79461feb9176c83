package io.flinkops.flink.runner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;

/**
 * The production SQL runner: the main class of {@code flinkops-sql-runner-<flinkVersion>.jar},
 * run by application-mode deployments on the Flink Kubernetes Operator.
 *
 * <pre>
 *   SqlRunner --script /opt/flink/sql/job.sql [--set key=value]... [--dry-run]
 *   SqlRunner /opt/flink/sql/job.sql
 * </pre>
 *
 * <p>Splits the script ({@link SqlScriptSplitter}), applies {@code SET}/{@code RESET}, runs DDL and
 * other statements with {@code executeSql}, and gathers the INSERTs of {@code BEGIN STATEMENT SET;
 * ... END;} and {@code EXECUTE STATEMENT SET BEGIN ... END;} into one {@link StatementSet}. INSERTs
 * outside a statement set run together as one statement set after the last statement: a script is
 * one Flink job ({@link ScriptJob}). The
 * TableEnvironment is created at the first statement that is not SET/RESET, so leading SETs
 * (including {@code execution.runtime-mode}) shape it.
 */
public final class SqlRunner {

    private final Map<String, String> pending = new LinkedHashMap<>();
    /** The job's udfJars (--jar): local paths, or URIs fetched first; registered as ADD JAR registers a jar. */
    private final List<String> jars = new ArrayList<>();
    private final boolean dryRun;
    private TableEnvironment tableEnv;
    private StatementSet openSet;
    private int openSetLine;
    private int openSetSize;
    /** The job's data-security policies (--policies): every statement runs through the enforcer. */
    private io.flinkops.flink.security.PolicyEnforcement policies;
    private List<org.apache.flink.table.operations.ModifyOperation> policedSet;
    private StatementSet implicitSet;
    private int implicitSetSize;
    /** Plain INSERTs of a policed script, enforced, run together after the last statement. */
    private List<org.apache.flink.table.operations.ModifyOperation> policedImplicit;

    SqlRunner(Map<String, String> initialConfig, boolean dryRun) {
        this.pending.putAll(initialConfig);
        this.dryRun = dryRun;
    }

    public static void main(String[] args) throws Exception {
        String script = null;
        String inline = null;
        Map<String, String> config = new LinkedHashMap<>();
        List<String> jars = new ArrayList<>();
        boolean dryRun = false;
        String policiesFile = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--script") || a.equals("-s") || a.equals("--sql-file")) {
                script = requireValue(args, ++i, a);
            } else if (a.equals("--script-base64")) {
                // Session-mode jobs have no per-job volume: the script travels in the arguments.
                inline = new String(java.util.Base64.getDecoder().decode(requireValue(args, ++i, a)), StandardCharsets.UTF_8);
            } else if (a.startsWith("--script=")) {
                script = a.substring("--script=".length());
            } else if (a.equals("--set") || a.equals("-D")) {
                putSetting(config, requireValue(args, ++i, a));
            } else if (a.startsWith("-D") && a.length() > 2) {
                putSetting(config, a.substring(2));
            } else if (a.equals("--policies")) {
                policiesFile = requireValue(args, ++i, a);
            } else if (a.equals("--policies-base64")) {
                // session mode: the policies travel in the arguments, like the script
                Path tmp = Files.createTempFile("flinkops-policies", ".json");
                Files.write(tmp, java.util.Base64.getDecoder().decode(requireValue(args, ++i, a)));
                policiesFile = tmp.toString();
            } else if (a.equals("--jar")) {
                jars.add(requireValue(args, ++i, a));
            } else if (a.equals("--dry-run")) {
                dryRun = true;
            } else if (a.equals("--help") || a.equals("-h")) {
                usage();
                return;
            } else if (!a.startsWith("-") && script == null) {
                script = a;
            } else {
                throw new IllegalArgumentException("Unknown argument: " + a);
            }
        }
        String text;
        if (inline != null) {
            text = inline;
            log("Running the SQL script given inline (" + text.length() + " characters)");
        } else if (script != null) {
            Path path = Paths.get(script);
            text = new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
            log("Running SQL script " + path.toAbsolutePath());
        } else {
            usage();
            throw new IllegalArgumentException("No SQL script given (--script <path> or --script-base64 <text>)");
        }
        text = RunVars.substitute(Secrets.substitute(text, System.getenv()), System.getenv());
        SqlRunner runner = new SqlRunner(config, dryRun);
        if (policiesFile != null) {
            // refuses to start when the policies apply and cannot be enforced here
            runner.policies = io.flinkops.flink.security.PolicyEnforcement.load(Paths.get(policiesFile));
            log(runner.policies.size() + " data-security policies apply to this job: enforced in the planner");
        }
        if (!jars.isEmpty() && runner.policed() && !runner.policies.unpolicedAllowed()) {
            throw new io.flinkops.flink.security.SecurityException("The job declares udfJars, code that data-security"
                    + " policies cannot police (it can read any source). The job does not start.");
        }
        runner.jars.addAll(jars);
        runner.run(SqlScriptSplitter.split(text));
    }

    private static String requireValue(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException("Missing value after " + flag);
        }
        return args[i];
    }

    private static void putSetting(Map<String, String> config, String kv) {
        int eq = kv.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("Expected key=value, got: " + kv);
        }
        config.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }

    private static void usage() {
        System.err.println("Usage: SqlRunner --script <file.sql> | --script-base64 <base64> [--set key=value]... [--dry-run]");
    }

    void run(List<SqlScriptSplitter.Statement> statements) throws IOException {
        List<String> texts = new ArrayList<>();
        statements.forEach(st -> texts.add(st.sql));
        int second = ScriptJob.secondJob(ScriptJob.submits(texts));
        if (second >= 0) {
            SqlScriptSplitter.Statement st = statements.get(second);
            throw new IllegalStateException("Statement " + (second + 1) + " (line " + st.line + "): "
                    + ScriptJob.secondJobMessage() + "\n" + st.sql);
        }
        for (int i = 0; i < statements.size(); i++) {
            SqlScriptSplitter.Statement st = statements.get(i);
            try {
                runStatement(st);
            } catch (RuntimeException e) {
                throw new IllegalStateException(
                        "Statement " + (i + 1) + " (line " + st.line + ") failed: " + e.getMessage()
                                + "\n" + st.sql,
                        e);
            }
        }
        if (openSet != null) {
            throw new IllegalStateException(
                    "BEGIN STATEMENT SET at line " + openSetLine + " is never closed by END");
        }
        if (policedImplicit != null) {
            policies.executeSet(env(), policedImplicit, dryRun, logLines());
            flushLog();
        }
        if (implicitSet != null) {
            executeSet(implicitSet, implicitSetSize);
        }
    }

    private void runStatement(SqlScriptSplitter.Statement st) {
        String sql = st.sql;
        SqlStatements.Kind kind = SqlStatements.kind(sql);
        switch (kind) {
            case SET: {
                SqlStatements.Setting s = SqlStatements.parseSet(sql);
                if (s == null) {
                    throw new IllegalArgumentException("Cannot parse SET statement (expected SET 'key' = 'value')");
                }
                if (s.key != null) {
                    set(s.key, s.value);
                }
                return;
            }
            case RESET: {
                SqlStatements.Setting s = SqlStatements.parseReset(sql);
                if (s == null) {
                    throw new IllegalArgumentException("Cannot parse RESET statement (expected RESET 'key')");
                }
                reset(s.key);
                return;
            }
            case BEGIN_STATEMENT_SET:
                if (openSet != null) {
                    throw new IllegalStateException("BEGIN STATEMENT SET inside another statement set");
                }
                openSet = env().createStatementSet();
                policedSet = new ArrayList<>();
                openSetLine = st.line;
                openSetSize = 0;
                return;
            case END:
                if (openSet == null) {
                    throw new IllegalStateException("END without BEGIN STATEMENT SET");
                }
                StatementSet set = openSet;
                int size = openSetSize;
                openSet = null;
                if (policed()) {
                    policies.executeSet(env(), policedSet, dryRun, logLines());
                    flushLog();
                    return;
                }
                executeSet(set, size);
                return;
            case EXECUTE_STATEMENT_SET: {
                if (openSet != null) {
                    throw new IllegalStateException("EXECUTE STATEMENT SET inside BEGIN STATEMENT SET");
                }
                List<SqlScriptSplitter.Statement> inserts = SqlScriptSplitter.statementSetBody(sql);
                if (policed()) {
                    List<org.apache.flink.table.operations.ModifyOperation> ops = new ArrayList<>();
                    for (SqlScriptSplitter.Statement insert : inserts) {
                        ops.addAll(policies.insert(env(), insert.sql, logLines()));
                    }
                    policies.executeSet(env(), ops, dryRun, logLines());
                    flushLog();
                    return;
                }
                StatementSet block = env().createStatementSet();
                for (SqlScriptSplitter.Statement insert : inserts) {
                    block.addInsertSql(insert.sql);
                }
                executeSet(block, inserts.size());
                return;
            }
            default:
                if (openSet != null) {
                    if (kind != SqlStatements.Kind.INSERT) {
                        throw new IllegalStateException(
                                "Only INSERT statements are allowed between BEGIN STATEMENT SET and END");
                    }
                    if (policed()) {
                        policedSet.addAll(policies.insert(env(), sql, logLines()));
                    } else {
                        openSet.addInsertSql(sql);
                    }
                    openSetSize++;
                    return;
                }
                if (kind == SqlStatements.Kind.INSERT) {
                    // ScriptJob: plain INSERTs run together, as one statement set after the last statement.
                    if (policed()) {
                        if (policedImplicit == null) {
                            policedImplicit = new ArrayList<>();
                        }
                        log("Adding to the script's statement set (enforced): " + oneLine(sql));
                        policedImplicit.addAll(policies.insert(env(), sql, logLines()));
                        flushLog();
                        return;
                    }
                    if (implicitSet == null) {
                        implicitSet = env().createStatementSet();
                    }
                    log("Adding to the script's statement set: " + oneLine(sql));
                    implicitSet.addInsertSql(sql);
                    implicitSetSize++;
                    return;
                }
                execute(sql, kind);
        }
    }

    private void set(String key, String value) {
        log("SET " + key + " = " + value);
        if (tableEnv == null) {
            pending.put(key, value);
        } else {
            if (key.equals("execution.runtime-mode")) {
                log("WARNING: execution.runtime-mode is set after the first statement; the mode of the"
                        + " running TableEnvironment does not change");
            }
            tableEnv.getConfig().set(key, value);
        }
    }

    private void reset(String key) {
        log(key == null ? "RESET (all)" : "RESET " + key);
        if (tableEnv == null) {
            if (key == null) {
                pending.clear();
            } else {
                pending.remove(key);
            }
            return;
        }
        Configuration conf = tableEnv.getConfig().getConfiguration();
        if (key == null) {
            for (String k : new ArrayList<>(conf.keySet())) {
                conf.removeKey(k);
            }
        } else {
            conf.removeKey(key);
        }
    }

    private TableEnvironment env() {
        if (tableEnv == null) {
            Configuration conf = new Configuration();
            pending.forEach(conf::setString);
            EnvironmentSettings settings = EnvironmentSettings.newInstance().withConfiguration(conf).build();
            tableEnv = TableEnvironment.create(settings);
            log("Created TableEnvironment (" + (settings.isStreamingMode() ? "streaming" : "batch") + " mode)");
            for (String jar : jars) {
                String local;
                try {
                    local = UdfJars.local(jar);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                // ADD JAR: the jar joins the user class loader and travels with the job (pipeline.jars).
                tableEnv.executeSql("ADD JAR '" + local.replace("'", "''") + "'");
                log("Added UDF jar " + jar + (local.equals(jar) ? "" : " (fetched to " + local + ")"));
            }
        }
        return tableEnv;
    }

    private void executeSet(StatementSet set, int size) {
        if (size == 0) {
            log("Empty statement set: nothing to run");
            return;
        }
        if (dryRun) {
            log(set.explain());
            return;
        }
        TableResult result = set.execute();
        log("Submitted statement set of " + size + " INSERT(s)"
                + result.getJobClient().map(c -> ", job " + c.getJobID()).orElse(""));
    }

    private boolean policed() {
        return policies != null && policies.active();
    }

    private final List<String> pendingLog = new ArrayList<>();

    private List<String> logLines() {
        return pendingLog;
    }

    private void flushLog() {
        pendingLog.forEach(SqlRunner::log);
        pendingLog.clear();
    }

    private void execute(String sql, SqlStatements.Kind kind) {
        log("Executing: " + oneLine(sql));
        if (policed()) {
            TableResult r = policies.execute(env(), sql, dryRun, logLines());
            flushLog();
            if (r != null) {
                r.getJobClient().ifPresent(c -> log("Submitted job " + c.getJobID()));
            }
            return;
        }
        if (dryRun && (kind == SqlStatements.Kind.INSERT || kind == SqlStatements.Kind.QUERY)) {
            log(env().explainSql(sql));
            return;
        }
        TableResult result = env().executeSql(sql);
        result.getJobClient().ifPresent(c -> log("Submitted job " + c.getJobID()));
        String head = SqlScriptSplitter.normalize(sql);
        if (head.startsWith("SHOW ") || head.startsWith("DESCRIBE ") || head.startsWith("DESC ")
                || head.startsWith("EXPLAIN ")) {
            result.print();
        }
    }

    private static String oneLine(String sql) {
        String s = sql.replaceAll("\\s+", " ").trim();
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    private static void log(String msg) {
        System.out.println("[flinkops-sql-runner] " + msg);
        System.out.flush();
    }
}
