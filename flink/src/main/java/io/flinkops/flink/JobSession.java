package io.flinkops.flink;

import static io.flinkops.flink.Diagnostics.ERROR;
import static io.flinkops.flink.Diagnostics.INTERNAL;
import static io.flinkops.flink.Diagnostics.UNSUPPORTED;
import static io.flinkops.flink.Diagnostics.VALIDATION;
import static io.flinkops.flink.Diagnostics.WARNING;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkops.flink.Diagnostics.Diagnostic;
import io.flinkops.flink.Diagnostics.HelperException;
import io.flinkops.flink.data.Values;
import io.flinkops.flink.runner.ScriptJob;
import io.flinkops.flink.runner.SqlStatements;
import io.flinkops.flink.security.Enforcer;
import io.flinkops.flink.security.PolicySet;
import io.flinkops.flink.security.SecurityException;
import io.flinkops.flink.standin.PreviewRegistry;
import io.flinkops.flink.standin.StandinContext;
import io.flinkops.flink.standin.StandinFactory;
import io.flinkops.flink.standin.StandinModule;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.CompiledPlan;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.TableDescriptor;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.internal.TableEnvironmentInternal;
import org.apache.flink.table.catalog.CatalogBaseTable;
import org.apache.flink.table.catalog.CatalogDatabaseImpl;
import org.apache.flink.table.catalog.CatalogFunction;
import org.apache.flink.table.catalog.FunctionLanguage;
import org.apache.flink.table.catalog.GenericInMemoryCatalog;
import org.apache.flink.table.catalog.ObjectPath;
import org.apache.flink.table.catalog.ResolvedCatalogBaseTable;
import org.apache.flink.table.operations.CreateTableASOperation;
import org.apache.flink.table.operations.ModifyOperation;
import org.apache.flink.table.operations.ReplaceTableAsOperation;
import org.apache.flink.table.operations.Operation;
import org.apache.flink.table.operations.QueryOperation;
import org.apache.flink.table.operations.SinkModifyOperation;
import org.apache.flink.table.operations.StatementSetOperation;
import org.apache.flink.table.operations.ddl.CreateCatalogFunctionOperation;
import org.apache.flink.table.operations.ddl.CreateCatalogOperation;
import org.apache.flink.table.operations.ddl.CreateTableOperation;
import org.apache.flink.table.operations.ddl.CreateTempSystemFunctionOperation;

/**
 * One job's statements run against a fresh TableEnvironment, in one of three modes: validate (to
 * the optimized plan, nothing executed), preview (bounded run on a local mini cluster) or compile
 * (compiled plans of INSERTs and statement sets).
 */
final class JobSession {

    static final String MODULE = "flinkops_standin";

    /** Configuration prefixes that make no sense (or break) a local preview run; dropped there. */
    private static final List<String> PREVIEW_DROPPED = Arrays.asList(
            "state.", "execution.checkpointing.", "execution.savepoint", "savepoint.", "pipeline.jars",
            "pipeline.classpaths", "execution.target", "kubernetes.", "high-availability", "jobmanager.",
            "taskmanager.", "rest.", "metrics.", "env.", "restart-strategy", "parallelism.default",
            "table.exec.resource.default-parallelism");

    private static final Map<String, String> PREVIEW_FORCED = new LinkedHashMap<>();

    static {
        PREVIEW_FORCED.put("parallelism.default", "1");
        PREVIEW_FORCED.put("table.exec.resource.default-parallelism", "1");
        PREVIEW_FORCED.put("restart-strategy.type", "none");
    }

    private static final Pattern CREATED_OBJECT = Pattern.compile(
            "^\\s*CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:TEMPORARY\\s+)?(?:VIEW|TABLE)\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?([\\w`.$]+)",
            Pattern.CASE_INSENSITIVE);

    private static final Pattern OBJECT_NOT_FOUND = Pattern.compile(
            "Object '([^']+)' not found|Table `?(?:[^`\\s]*`?\\.`?)*([^`.\\s]+)`? (?:was )?not found");

    private final StandinContext.Mode mode;
    private final StandinContext ctx;
    private final JsonNode catalogs;
    private final Map<String, String> config = new LinkedHashMap<>();
    private final long deadlineNanos;

    private final List<Diagnostic> diagnostics = new ArrayList<>();
    private final ArrayNode statementResults = Values.MAPPER.createArrayNode();
    private final ArrayNode plans = Values.MAPPER.createArrayNode();

    private TableEnvironmentInternal tEnv;
    private boolean streaming = true;
    private final Set<String> requestCatalogs = new HashSet<>();
    /** lower-case names of functions (and views built on them) whose code the helper lacks */
    private final Set<String> unavailable = new LinkedHashSet<>();
    /** lower-case names of tables / views whose CREATE failed -> that statement's index */
    private final Map<String, Integer> failedObjects = new HashMap<>();

    private int setStart = -1;
    private List<ModifyOperation> setOps;
    /** What each statement submits (ScriptJob); plain INSERTs gather in the implicit statement set. */
    private ScriptJob.Submits[] submits;
    private final List<ModifyOperation> implicitOps = new ArrayList<>();
    private final List<Integer> implicitIndexes = new ArrayList<>();

    /**
     * The job's declared UDF jars (job.yaml udfJars), resolved to local files by flinkops: what the
     * job declares → local path. Registered with ADD JAR when the TableEnvironment is created, as the
     * runner does, so Flink itself loads the functions' classes.
     */
    private final Map<String, String> jars = new LinkedHashMap<>();

    /** The job's data-security policies, enforced on every query's plan (see security/Enforcer). */
    private final PolicySet policies;
    private Enforcer enforcer;
    private int currentStatement = -1;
    /** validate with "lineage": true (sql explain): column lineage of each INSERT, per statement */
    private final boolean lineage;
    private final Map<Integer, ArrayNode> lineages = new HashMap<>();

    JobSession(StandinContext.Mode mode, StandinContext ctx, JsonNode job, long timeoutSeconds) {
        this.mode = mode;
        this.ctx = ctx;
        this.catalogs = job.get("catalogs");
        JsonNode security = job.get("security");
        this.lineage = job.path("lineage").asBoolean(false);
        this.policies = security == null || security.isNull() ? PolicySet.NONE : PolicySet.fromJson(security.toString());
        flatten("", job.get("config"), config);
        for (JsonNode j : job.path("jars")) {
            jars.put(j.path("uri").asText(), j.path("path").asText());
        }
        this.deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(1, timeoutSeconds));
    }

    private static void flatten(String prefix, JsonNode n, Map<String, String> out) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return;
        }
        if (n.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else if (n.isArray()) {
            List<String> items = new ArrayList<>();
            n.forEach(x -> items.add(x.asText()));
            out.put(prefix, String.join(";", items));
        } else {
            out.put(prefix, n.asText());
        }
    }

    // ------------------------------------------------------------------ running statements

    /** Runs all statements; returns the per-statement results. */
    void run(JsonNode statements) {
        List<String> sqls = new ArrayList<>();
        if (statements != null && statements.isArray()) {
            for (JsonNode s : statements) {
                sqls.add(s.isTextual() ? s.asText() : s.path("sql").asText(""));
            }
        }
        submits = ScriptJob.submits(sqls);
        int second = ScriptJob.secondJob(submits);
        for (int i = 0; i < sqls.size(); i++) {
            String sql = sqls.get(i);
            SqlStatements.Kind kind = SqlStatements.kind(sql);
            ObjectNode res = statementResults.addObject();
            res.put("kind", kind.protocolName());
            if (mode == StandinContext.Mode.PREVIEW && System.nanoTime() > deadlineNanos) {
                add(Diagnostics.of(i, INTERNAL, ERROR, "Preview time budget exhausted: statement not run"));
            } else {
                try {
                    currentStatement = i;
                    runStatement(i, sql, kind);
                } catch (Throwable t) {
                    add(diagnosticFor(i, sql, t));
                }
            }
            if (i == second) {
                add(Diagnostics.of(i, VALIDATION, ERROR, ScriptJob.secondJobMessage()));
            }
            res.put("ok", !hasError(i));
            recordApplied(res);
        }
        if (setStart >= 0) {
            add(Diagnostics.of(setStart, VALIDATION, ERROR,
                    "BEGIN STATEMENT SET is never closed by END: its INSERTs would never run"));
            ((ObjectNode) statementResults.get(setStart)).put("ok", false);
        }
        runImplicitSet();
        lineages.forEach((at, l) -> ((ObjectNode) statementResults.get(at)).set("lineage", l));
    }

    /** The script's plain INSERTs, as the runner runs them: one statement set after the last statement. */
    private void runImplicitSet() {
        if (implicitOps.isEmpty() || implicitIndexes.stream().anyMatch(this::hasError)) {
            return;
        }
        int first = implicitIndexes.get(0);
        try {
            modify(first, implicitOps, implicitIndexes.size() > 1, false);
        } catch (Throwable t) {
            add(diagnosticFor(first, "", t));
            ((ObjectNode) statementResults.get(first)).put("ok", false);
        }
    }

    private void runStatement(int i, String sql, SqlStatements.Kind kind) throws Exception {
        if (io.flinkops.flink.runner.SqlScriptSplitter.normalize(sql).isEmpty()) {
            return; // blank or comments only
        }
        switch (kind) {
            case SET: {
                SqlStatements.Setting s = SqlStatements.parseSet(sql);
                if (s == null) {
                    throw new HelperException(Diagnostics.SYNTAX,
                            "Cannot parse SET statement: expected SET 'key' = 'value'");
                }
                if (s.key != null) {
                    applySet(i, s.key, s.value);
                }
                return;
            }
            case RESET: {
                SqlStatements.Setting s = SqlStatements.parseReset(sql);
                if (s == null) {
                    throw new HelperException(Diagnostics.SYNTAX, "Cannot parse RESET statement: expected RESET 'key'");
                }
                applyReset(s.key);
                return;
            }
            case BEGIN_STATEMENT_SET:
                if (setStart >= 0) {
                    throw new HelperException(VALIDATION, "BEGIN STATEMENT SET inside another statement set");
                }
                env();
                setStart = i;
                setOps = new ArrayList<>();
                return;
            case END:
                if (setStart < 0) {
                    throw new HelperException(VALIDATION, "END without BEGIN STATEMENT SET");
                }
                int start = setStart;
                List<ModifyOperation> ops = setOps;
                setStart = -1;
                setOps = null;
                if (!ops.isEmpty() && !hasError(start, i)) {
                    try {
                        modify(start, ops, false);
                    } catch (Throwable t) {
                        add(diagnosticFor(start, "", t));
                        ((ObjectNode) statementResults.get(start)).put("ok", false);
                    }
                }
                return;
            default:
                break;
        }
        List<Operation> ops = env().getParser().parse(sql);
        for (Operation op : ops) {
            if (setStart >= 0) {
                if (!(op instanceof ModifyOperation)) {
                    throw new HelperException(VALIDATION,
                            "Only INSERT statements are allowed between BEGIN STATEMENT SET and END");
                }
                List<ModifyOperation> normalized = enforcer.enforce(normalize(List.of((ModifyOperation) op)));
                if (mode == StandinContext.Mode.VALIDATE) {
                    tEnv.explainInternal(new ArrayList<Operation>(normalized));
                }
                setOps.addAll(normalized);
            } else if (submits[i] == ScriptJob.Submits.IMPLICIT_SET && op instanceof ModifyOperation) {
                // Enforced like every other INSERT: the policies go on the scans before the set is formed.
                List<ModifyOperation> normalized = enforcer.enforce(normalize(List.of((ModifyOperation) op)));
                if (mode == StandinContext.Mode.VALIDATE) {
                    if (lineage) {
                        ArrayNode l = lineages.computeIfAbsent(i, k -> Values.MAPPER.createArrayNode());
                        for (ModifyOperation m : normalized) {
                            ColumnLineage.add(l, m, policies.catalogs);
                        }
                    }
                    tEnv.explainInternal(new ArrayList<Operation>(normalized));
                }
                implicitOps.addAll(normalized);
                implicitIndexes.add(i);
            } else {
                dispatch(i, sql, op);
            }
        }
    }

    private void dispatch(int i, String sql, Operation op) throws Exception {
        if (op instanceof StatementSetOperation) {
            modify(i, enforcer.enforce(normalize(((StatementSetOperation) op).getOperations())), true);
        } else if (op instanceof ModifyOperation) {
            modify(i, enforcer.enforce(normalize(List.of((ModifyOperation) op))), true);
        } else if (op instanceof QueryOperation) {
            query(i, sql, enforcer.enforce((QueryOperation) op));
        } else if (op instanceof CreateCatalogOperation) {
            createCatalog(i, (CreateCatalogOperation) op);
        } else if (op instanceof CreateCatalogFunctionOperation || op instanceof CreateTempSystemFunctionOperation) {
            createFunction(i, op);
        } else {
            String name = op.getClass().getSimpleName();
            String unpoliced = io.flinkops.flink.security.Unpoliced.reason(op);
            if (unpoliced != null && enforcer.active() && !policies.unpolicedAllowed) {
                throw new SecurityException(unpoliced);
            }
            if (name.equals("AddJarOperation") || name.equals("RemoveJarOperation")) {
                add(Diagnostics.of(i, UNSUPPORTED, WARNING, "ADD JAR / REMOVE JAR is not executed by the helper:"
                        + " code from JARs is not available, statements using it are not checked"));
            } else if (name.contains("CallProcedure")) {
                add(Diagnostics.of(i, UNSUPPORTED, WARNING, "CALL is not executed by the helper"));
            } else if (name.startsWith("CompilePlan") || name.startsWith("ExecutePlan")) {
                add(Diagnostics.of(i, UNSUPPORTED, WARNING,
                        "COMPILE PLAN / EXECUTE PLAN statements are not executed by the helper"));
            } else if (name.equals("LoadModuleOperation")) {
                try {
                    tEnv.executeInternal(op);
                } catch (RuntimeException e) {
                    add(Diagnostics.of(i, UNSUPPORTED, WARNING, "Module not available to the helper: "
                            + Diagnostics.bestMessage(Diagnostics.chain(e))));
                }
                keepStandinModule();
            } else {
                tEnv.executeInternal(op);
                if (name.contains("Module")) {
                    keepStandinModule();
                }
            }
        }
    }

    /**
     * CREATE TABLE ... AS SELECT / REPLACE TABLE ... AS SELECT: creates the table now (so that
     * later statements see it) and continues with a plain INSERT into it.
     */
    private List<ModifyOperation> normalize(List<ModifyOperation> ops) {
        List<ModifyOperation> out = new ArrayList<>();
        for (ModifyOperation op : ops) {
            if (op instanceof CreateTableASOperation) {
                CreateTableASOperation ctas = (CreateTableASOperation) op;
                tEnv.executeInternal(ctas.getCreateTableOperation());
                out.add(ctas.toSinkModifyOperation(tEnv.getCatalogManager()));
            } else if (op instanceof ReplaceTableAsOperation) {
                ReplaceTableAsOperation rtas = (ReplaceTableAsOperation) op;
                CreateTableOperation create = rtas.getCreateTableOperation();
                boolean exists = tEnv.getCatalogManager().getTable(create.getTableIdentifier()).isPresent();
                if (exists) {
                    tEnv.getCatalogManager().dropTable(create.getTableIdentifier(), true);
                } else if (!rtas.isCreateOrReplace()) {
                    throw new HelperException(VALIDATION, "The table " + create.getTableIdentifier().asSummaryString()
                            + " to be replaced doesn't exist. You may want to use CREATE TABLE AS statement or"
                            + " CREATE OR REPLACE TABLE AS statement.");
                }
                tEnv.executeInternal(create);
                out.add(rtas.toSinkModifyOperation(tEnv.getCatalogManager()));
            } else {
                out.add(op);
            }
        }
        return out;
    }

    /** INSERT(s): validate to the optimized plan, run, or compile, depending on the mode. */
    private void modify(int i, List<ModifyOperation> ops, boolean validated) throws Exception {
        modify(i, ops, validated, lineage);
    }

    /** withLineage false: the lineage was taken per statement already (the script's implicit set). */
    private void modify(int i, List<ModifyOperation> ops, boolean validated, boolean withLineage) throws Exception {
        switch (mode) {
            case VALIDATE:
                if (withLineage) {
                    ArrayNode l = lineages.computeIfAbsent(i, k -> Values.MAPPER.createArrayNode());
                    for (ModifyOperation op : ops) {
                        ColumnLineage.add(l, op, policies.catalogs);
                    }
                }
                if (validated) {
                    tEnv.explainInternal(new ArrayList<Operation>(ops));
                }
                return;
            case PREVIEW: {
                TableResult result = tEnv.executeInternal(ops);
                await(result);
                return;
            }
            case COMPILE: {
                if (!streaming) {
                    add(Diagnostics.of(i, UNSUPPORTED, WARNING, "Compiled plans exist only in streaming mode"));
                    return;
                }
                CompiledPlan plan = tEnv.compilePlan(ops);
                ObjectNode p = plans.addObject();
                p.put("statement", i);
                ArrayNode sinks = p.putArray("sinks");
                for (ModifyOperation op : ops) {
                    sinks.add(sinkName(op));
                }
                p.set("plan", Values.MAPPER.readTree(plan.asJsonString()));
                return;
            }
            default:
        }
    }

    private void query(int i, String sql, QueryOperation op) throws Exception {
        switch (mode) {
            case VALIDATE:
                tEnv.explainInternal(new ArrayList<Operation>(List.of(op)));
                return;
            case PREVIEW:
                collectSelect(i, op);
                return;
            default:
                // compile: a top-level SELECT has no plan to keep
        }
    }

    private void await(TableResult result) throws Exception {
        long remaining = remainingNanos();
        try {
            result.await(remaining, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            cancel(result);
            throw timeout();
        } catch (ExecutionException e) {
            throw new PreviewRunException(e.getCause() != null ? e.getCause() : e);
        }
    }

    /**
     * A top-level SELECT in a preview: written into a stand-in sink named "select#i" (an anonymous
     * table), so that it is collected exactly like an INSERT's sink.
     */
    private void collectSelect(int i, QueryOperation op) throws Exception {
        Table table = ((org.apache.flink.table.api.internal.TableEnvironmentImpl) tEnv).createTable(op);
        TableDescriptor sink = TableDescriptor.forConnector(StandinFactory.IDENTIFIER)
                .option(StandinFactory.PREVIEW_SINK_OPTION, "select#" + i)
                .build();
        TableResult result = table.insertInto(sink).execute();
        await(result);
    }

    private long remainingNanos() {
        return Math.max(1, deadlineNanos - System.nanoTime());
    }

    private HelperException timeout() {
        return new HelperException(INTERNAL, "Preview did not finish within the time limit; the job was cancelled");
    }

    private static void cancel(TableResult result) {
        try {
            result.getJobClient().ifPresent(c -> {
                try {
                    c.cancel().get(10, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // best effort
                }
            });
        } catch (RuntimeException ignored) {
            // best effort
        }
    }

    /** A preview job failed at run time. */
    static final class PreviewRunException extends Exception {
        private static final long serialVersionUID = 1L;

        PreviewRunException(Throwable cause) {
            super("Preview run failed", cause);
        }
    }

    // ------------------------------------------------------------------ special statements

    private void createCatalog(int i, CreateCatalogOperation op) {
        String name = op.getCatalogName();
        Map<String, String> props = op.getProperties();
        String type = props.get("type") == null ? null : props.get("type").toLowerCase(Locale.ROOT);
        enforcer.catalogCreated(name, props);
        if (requestCatalogs.contains(name)) {
            return; // the platform describes this catalog: it is already registered
        }
        if (tEnv.getCatalog(name).isPresent() || type == null || type.equals("generic_in_memory")) {
            tEnv.executeInternal(op);
            ctx.catalogTypes.putIfAbsent(name, "generic_in_memory");
            return;
        }
        tEnv.registerCatalog(name, new GenericInMemoryCatalog(name, props.getOrDefault("default-database", "default")));
        ctx.catalogTypes.put(name, type);
        add(Diagnostics.of(i, UNSUPPORTED, WARNING, "Catalog '" + name + "' (type '" + type
                + "') is not available to the helper; it is an empty in-memory catalog here."
                + " Describe its tables in the platform catalogs to check queries against them."));
    }

    private void createFunction(int i, Operation op) {
        CatalogFunction cf;
        String name;
        if (op instanceof CreateCatalogFunctionOperation) {
            CreateCatalogFunctionOperation c = (CreateCatalogFunctionOperation) op;
            cf = c.getCatalogFunction();
            name = c.getFunctionIdentifier().getObjectName();
        } else {
            CreateTempSystemFunctionOperation c = (CreateTempSystemFunctionOperation) op;
            cf = c.getCatalogFunction();
            name = c.getFunctionName();
        }
        String unpoliced = io.flinkops.flink.security.Unpoliced.reason(op);
        if (unpoliced != null && enforcer.active() && !policies.unpolicedAllowed) {
            throw new SecurityException(unpoliced);
        }
        boolean fromDeclaredJars = cf != null && !jars.isEmpty() && cf.getFunctionLanguage() != FunctionLanguage.PYTHON
                && (cf.getFunctionResources() == null || cf.getFunctionResources().isEmpty());
        String why = cf == null || fromDeclaredJars ? null : unavailableReason(cf);
        if (why == null) {
            // with udfJars, Flink looks the class up in them (registered by ADD JAR): it is the judge
            tEnv.executeInternal(op);
            return;
        }
        unavailable.add(name.toLowerCase(Locale.ROOT));
        add(Diagnostics.of(i, UNSUPPORTED, WARNING, "Function '" + name + "': " + why
                + ", so the statements that use it are not checked"));
    }

    private static String unavailableReason(CatalogFunction cf) {
        if (cf.getFunctionLanguage() == FunctionLanguage.PYTHON) {
            return "Python function code (" + cf.getClassName() + ") is not available to the helper";
        }
        if (cf.getFunctionResources() != null && !cf.getFunctionResources().isEmpty()) {
            return "its code comes from a JAR (USING JAR) that is not available to the helper";
        }
        try {
            Class.forName(cf.getClassName(), false, Thread.currentThread().getContextClassLoader());
            return null;
        } catch (ClassNotFoundException | LinkageError e) {
            return "its code (class " + cf.getClassName() + ") is not available to the helper";
        }
    }

    private void keepStandinModule() {
        List<String> used = new ArrayList<>(Arrays.asList(tEnv.listModules()));
        if (!used.contains(MODULE)) {
            used.add(MODULE);
            tEnv.useModules(used.toArray(new String[0]));
        }
    }

    // ------------------------------------------------------------------ configuration

    private void applySet(int i, String key, String value) {
        if (tEnv == null) {
            config.put(key, value);
            return;
        }
        if (key.equals("execution.runtime-mode")) {
            add(Diagnostics.of(i, VALIDATION, WARNING, "execution.runtime-mode is set after the first statement;"
                    + " the mode of the TableEnvironment does not change any more. Set it before other statements."));
        }
        if (mode == StandinContext.Mode.PREVIEW && previewDropped(key)) {
            return;
        }
        tEnv.getConfig().set(key, value);
    }

    private void applyReset(String key) {
        if (tEnv == null) {
            if (key == null) {
                config.clear();
            } else {
                config.remove(key);
            }
            return;
        }
        Configuration c = tEnv.getConfig().getConfiguration();
        for (String k : key == null ? new ArrayList<>(c.keySet()) : List.of(key)) {
            if (!(mode == StandinContext.Mode.PREVIEW && PREVIEW_FORCED.containsKey(k))) {
                c.removeKey(k);
            }
        }
    }

    private static boolean previewDropped(String key) {
        for (String p : PREVIEW_DROPPED) {
            if (key.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ environment

    private static java.net.URI sharedCluster() {
        try {
            return SharedCluster.restAddress();
        } catch (Exception e) {
            throw new HelperException(INTERNAL, "cannot start the local Flink cluster for previews: " + e);
        }
    }

    TableEnvironmentInternal env() {
        if (tEnv != null) {
            return tEnv;
        }
        Configuration conf = new Configuration();
        for (Map.Entry<String, String> e : config.entrySet()) {
            if (!(mode == StandinContext.Mode.PREVIEW && previewDropped(e.getKey()))) {
                conf.setString(e.getKey(), e.getValue());
            }
        }
        if (mode == StandinContext.Mode.PREVIEW) {
            PREVIEW_FORCED.forEach(conf::setString);
            conf.setString("pipeline.name", "flinkops-preview");
            java.net.URI rest = sharedCluster();
            conf.setString("execution.target", "remote");
            conf.setString("rest.address", rest.getHost());
            conf.setString("rest.port", String.valueOf(rest.getPort()));
        }
        EnvironmentSettings settings = EnvironmentSettings.newInstance().withConfiguration(conf).build();
        streaming = settings.isStreamingMode();
        tEnv = (TableEnvironmentInternal) TableEnvironment.create(settings);
        tEnv.loadModule(MODULE, new StandinModule(ctx));
        enforcer = new Enforcer(tEnv, policies);
        registerJars();
        ctx.defaultCatalog = tEnv.getCurrentCatalog();
        ctx.defaultDatabase = tEnv.getCurrentDatabase();
        registerCatalogs();
        return tEnv;
    }

    /** The declared UDF jars on the job's classpath, the way the runner puts them there (ADD JAR). */
    private void registerJars() {
        if (jars.isEmpty()) {
            return;
        }
        if (enforcer.active() && !policies.unpolicedAllowed) {
            throw new SecurityException("the job declares udfJars: code from JARs can read any source, so"
                    + " data-security policies cannot be enforced on it");
        }
        for (String path : new LinkedHashSet<>(jars.values())) {
            tEnv.executeInternal(new org.apache.flink.table.operations.command.AddJarOperation(path));
        }
    }

    private void registerCatalogs() {
        if (catalogs == null || !catalogs.isArray()) {
            return;
        }
        for (JsonNode c : catalogs) {
            String name = c.path("name").asText("");
            if (name.isEmpty()) {
                add(Diagnostics.of(-1, VALIDATION, WARNING, "A catalog without a name was ignored"));
                continue;
            }
            try {
                registerCatalog(name, c);
            } catch (RuntimeException e) {
                Diagnostic d = Diagnostics.fromThrowable(-1, e);
                d.message = "Catalog '" + name + "': " + d.message;
                add(d);
            }
        }
    }

    /** A platform catalog after its DDL ran once: its tables, reusable by later jobs. */
    private static final class PreparedCatalog {
        final String defaultDatabase;
        final Map<String, Map<String, CatalogBaseTable>> tables = new LinkedHashMap<>();
        final List<String> problems = new ArrayList<>();

        PreparedCatalog(String defaultDatabase) {
            this.defaultDatabase = defaultDatabase;
        }
    }

    /** Catalogs by their JSON text: the DDL of a catalog's tables is parsed once, not per job. */
    private static final Map<String, PreparedCatalog> PREPARED = new LinkedHashMap<String, PreparedCatalog>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedCatalog> eldest) {
            return size() > 16;
        }
    };

    private void registerCatalog(String name, JsonNode c) {
        String type = c.path("type").asText("generic_in_memory").toLowerCase(Locale.ROOT);
        String key = c.toString();
        PreparedCatalog prepared = PREPARED.get(key);
        if (prepared == null) {
            prepared = prepareCatalog(name, type, c);
            PREPARED.put(key, prepared);
        } else {
            GenericInMemoryCatalog catalog = new GenericInMemoryCatalog(name, prepared.defaultDatabase);
            try {
                for (Map.Entry<String, Map<String, CatalogBaseTable>> db : prepared.tables.entrySet()) {
                    if (!catalog.databaseExists(db.getKey())) {
                        catalog.createDatabase(db.getKey(), new CatalogDatabaseImpl(new HashMap<>(), null), true);
                    }
                    for (Map.Entry<String, CatalogBaseTable> t : db.getValue().entrySet()) {
                        catalog.createTable(new ObjectPath(db.getKey(), t.getKey()), t.getValue(), true);
                    }
                }
            } catch (Exception e) {
                throw new HelperException(VALIDATION, "cannot register catalog " + name + ": " + e.getMessage());
            }
            tEnv.registerCatalog(name, catalog);
            ctx.catalogTypes.put(name, type);
            requestCatalogs.add(name);
        }
        for (String problem : prepared.problems) {
            add(Diagnostics.of(-1, VALIDATION, ERROR, problem));
        }
    }

    private PreparedCatalog prepareCatalog(String name, String type, JsonNode c) {
        JsonNode dbs = c.path("databases");
        String defaultDb = c.path("defaultDatabase").asText("");
        if (defaultDb.isEmpty()) {
            Iterator<String> names = dbs.fieldNames();
            defaultDb = names.hasNext() ? names.next() : "default";
        }
        PreparedCatalog prepared = new PreparedCatalog(defaultDb);
        GenericInMemoryCatalog catalog = new GenericInMemoryCatalog(name, defaultDb);
        tEnv.registerCatalog(name, catalog);
        ctx.catalogTypes.put(name, type);
        requestCatalogs.add(name);
        Iterator<Map.Entry<String, JsonNode>> it = dbs.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> db = it.next();
            Map<String, CatalogBaseTable> tables = new LinkedHashMap<>();
            prepared.tables.put(db.getKey(), tables);
            try {
                if (!catalog.databaseExists(db.getKey())) {
                    catalog.createDatabase(db.getKey(), new CatalogDatabaseImpl(new HashMap<>(), null), true);
                }
            } catch (Exception e) {
                throw new HelperException(VALIDATION, "cannot create database " + db.getKey() + ": " + e.getMessage());
            }
            Iterator<Map.Entry<String, JsonNode>> ts = db.getValue().path("tables").fields();
            while (ts.hasNext()) {
                Map.Entry<String, JsonNode> t = ts.next();
                String ddl = CatalogDdl.createTable(name, db.getKey(), t.getKey(), t.getValue(),
                        !type.startsWith("generic"));
                try {
                    tEnv.executeSql(ddl);
                    CatalogBaseTable table = catalog.getTable(new ObjectPath(db.getKey(), t.getKey()));
                    if (table instanceof ResolvedCatalogBaseTable) {
                        table = ((ResolvedCatalogBaseTable<?>) table).getOrigin();
                    }
                    tables.put(t.getKey(), table);
                } catch (Exception e) {
                    Diagnostic d = Diagnostics.fromThrowable(-1, e);
                    prepared.problems.add("Catalog '" + name + "', table " + db.getKey() + "." + t.getKey() + ": " + d.message);
                }
            }
        }
        return prepared;
    }

    // ------------------------------------------------------------------ diagnostics

    private void add(Diagnostic d) {
        diagnostics.add(d);
    }

    private boolean hasError(int statement) {
        return hasError(statement, statement);
    }

    private boolean hasError(int from, int to) {
        for (Diagnostic d : diagnostics) {
            if (d.isError() && d.statement >= from && d.statement <= to) {
                return true;
            }
        }
        return false;
    }

    /**
     * Downgrades an error caused by a function whose code is not available (and by views built on
     * such functions) to an "unsupported" warning; a job failure is marked as such.
     */
    private Diagnostic adjust(int i, String sql, Diagnostic d) {
        if (!d.isError()) {
            return d;
        }
        String created = createdObject(sql);
        for (String name : unavailable) {
            Pattern p = Pattern.compile("(?<![\\w$])" + Pattern.quote(name) + "(?![\\w$])", Pattern.CASE_INSENSITIVE);
            if (p.matcher(d.message).find()) {
                if (created != null) {
                    unavailable.add(created);
                }
                return Diagnostics.of(i, UNSUPPORTED, WARNING, "Not checked: the statement uses '" + name
                        + "', whose code is not available to the helper (" + d.message + ")");
            }
        }
        Matcher m = OBJECT_NOT_FOUND.matcher(d.message);
        while (m.find()) {
            String obj = (m.group(1) != null ? m.group(1) : m.group(2)).toLowerCase(Locale.ROOT);
            Integer at = failedObjects.get(obj);
            if (at != null) {
                if (created != null) {
                    failedObjects.putIfAbsent(created, at);
                }
                return Diagnostics.of(i, VALIDATION, WARNING, "Not checked: '" + obj
                        + "' does not exist because statement " + at + " failed (" + d.message + ")");
            }
        }
        if (created != null) {
            failedObjects.putIfAbsent(created, i);
        }
        return d;
    }

    /** Lower-case name of the table / view a CREATE statement creates, or null. */
    private static String createdObject(String sql) {
        Matcher m = CREATED_OBJECT.matcher(io.flinkops.flink.runner.SqlScriptSplitter.stripComments(sql));
        if (!m.find()) {
            return null;
        }
        String[] parts = m.group(1).replace("`", "").split("\\.");
        return parts[parts.length - 1].toLowerCase(Locale.ROOT);
    }

    /** Marks a diagnostic that comes from a failed preview job. */
    static Diagnostic fromRun(int i, Throwable t) {
        Diagnostic d = Diagnostics.fromThrowable(i, t);
        d.message = "Preview run failed: " + d.message;
        if (INTERNAL.equals(d.kind)) {
            d.kind = VALIDATION;
        }
        d.line = 0;
        return d;
    }

    private String sinkName(ModifyOperation op) {
        if (op instanceof SinkModifyOperation) {
            return ctx.displayName(((SinkModifyOperation) op).getContextResolvedTable().getIdentifier());
        }
        return op.asSummaryString();
    }

    // ------------------------------------------------------------------ results

    ArrayNode diagnosticsJson() {
        ArrayNode a = Values.MAPPER.createArrayNode();
        for (Diagnostic d : diagnostics) {
            a.add(d.toJson());
        }
        return a;
    }

    ArrayNode statementResults() {
        return statementResults;
    }

    /** Where the enforcer applied policies while this statement ran, and the enforced plans. */
    private void recordApplied(ObjectNode res) {
        if (enforcer == null || !enforcer.active()) {
            return;
        }
        List<Enforcer.Applied> applied = enforcer.drainApplied();
        List<String> enforcedPlans = enforcer.drainPlans();
        if (applied.isEmpty()) {
            return;
        }
        ArrayNode a = res.putArray("policies");
        for (Enforcer.Applied x : applied) {
            ObjectNode o = a.addObject();
            o.put("table", x.table);
            o.put("source", x.source);
            x.policies.forEach(o.putArray("policies")::add);
            x.rowFilters.forEach(o.putArray("rowFilters")::add);
            ObjectNode m = o.putObject("masks");
            x.masks.forEach(m::put);
        }
        ArrayNode p = res.putArray("enforcedPlans");
        enforcedPlans.forEach(p::add);
    }

    ArrayNode plans() {
        return plans;
    }

    /** Preview output: sinks by name, rows after the changelog, sorted. */
    ObjectNode sinksJson(Map<String, PreviewRegistry.SinkOutput> fromRegistry, int maxRows) {
        Map<String, PreviewRegistry.SinkOutput> all = new TreeMap<>(fromRegistry);
        ObjectNode sinks = Values.MAPPER.createObjectNode();
        for (PreviewRegistry.SinkOutput s : all.values()) {
            ObjectNode o = sinks.putObject(s.name);
            o.put("identifier", s.identifier);
            ArrayNode cols = o.putArray("columns");
            for (int j = 0; j < s.columns.size(); j++) {
                cols.addObject().put("name", s.columns.get(j)).put("type", s.types.get(j));
            }
            ArrayNode pk = o.putArray("primaryKey");
            s.primaryKey.forEach(pk::add);
            o.put("updating", s.updating());
            o.put("changes", s.changes());
            List<String> rows = s.finalRows();
            ArrayNode r = o.putArray("rows");
            for (int k = 0; k < rows.size() && k < maxRows; k++) {
                try {
                    r.add(Values.MAPPER.readTree(rows.get(k)));
                } catch (Exception e) {
                    r.add(rows.get(k));
                }
            }
            o.put("truncated", rows.size() > maxRows);
        }
        return sinks;
    }

    /** An unexpected failure outside any statement. */
    void addInternal(Throwable t) {
        Diagnostic d = Diagnostics.fromThrowable(-1, t);
        d.kind = INTERNAL;
        add(d);
    }

    private Diagnostic diagnosticFor(int i, String sql, Throwable t) {
        for (Throwable c : Diagnostics.chain(t)) {
            if (c instanceof SecurityException) {
                return Diagnostics.of(i, Diagnostics.SECURITY, ERROR, c.getMessage());
            }
        }
        if (t instanceof PreviewRunException) {
            return fromRun(i, t.getCause());
        }
        return adjust(i, sql, Diagnostics.fromThrowable(i, t));
    }
}
