package io.flinkops.flink.security;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.internal.TableEnvironmentInternal;
import org.apache.flink.table.operations.CreateTableASOperation;
import org.apache.flink.table.operations.ModifyOperation;
import org.apache.flink.table.operations.Operation;
import org.apache.flink.table.operations.QueryOperation;
import org.apache.flink.table.operations.StatementSetOperation;
import org.apache.flink.table.operations.ddl.CreateCatalogOperation;

/**
 * The production SQL runner's side of data security: with the job's policies (policies.json, shipped
 * beside its SQL by render), every statement is parsed by Flink's parser and run as operations, each
 * query enforced by the same {@link Enforcer} as validate --deep and preview. Whatever cannot be
 * enforced stops the job before it starts. Needs the planner's classes (flink-table-planner_2.12 in
 * lib/ instead of flink-table-planner-loader): without them the job refuses to start.
 */
public final class PolicyEnforcement {

    private static final String PLANNER_CLASS = "org.apache.flink.table.planner.operations.PlannerQueryOperation";

    private final PolicySet set;
    private Enforcer enforcer;

    private PolicyEnforcement(PolicySet set) {
        this.set = set;
    }

    /** The policies of {@code file}; refuses (throws) when they apply and the planner is hidden. */
    public static PolicyEnforcement load(Path file) throws IOException {
        PolicySet set = PolicySet.read(file);
        if (!set.isEmpty()) {
            try {
                Class.forName(PLANNER_CLASS, false, Thread.currentThread().getContextClassLoader());
            } catch (ClassNotFoundException e) {
                throw new SecurityException(set.policies.size() + " data-security policies apply to this job, and the"
                        + " policy enforcer needs Flink's planner classes: put flink-table-planner_2.12 in lib/ instead"
                        + " of flink-table-planner-loader (the flinkops image does). The job does not start.");
            }
        }
        return new PolicyEnforcement(set);
    }

    public boolean active() {
        return !set.isEmpty();
    }

    /** The security team allows this job code SQL cannot police (policies' unpolicedCode). */
    public boolean unpolicedAllowed() {
        return set.unpolicedAllowed;
    }

    public int size() {
        return set.policies.size();
    }

    private Enforcer enforcer(TableEnvironment env) {
        if (enforcer == null) {
            enforcer = new Enforcer(env, set);
        }
        return enforcer;
    }

    /** Parses one statement and runs it with every query enforced; the dry-run gets the enforced plan. */
    public TableResult execute(TableEnvironment env, String sql, boolean dryRun, List<String> log) {
        TableEnvironmentInternal t = (TableEnvironmentInternal) env;
        Enforcer e = enforcer(env);
        TableResult last = null;
        for (Operation op : t.getParser().parse(sql)) {
            String unpoliced = Unpoliced.reason(op);
            if (unpoliced != null && !set.unpolicedAllowed) {
                throw new SecurityException(unpoliced);
            }
            if (op instanceof CreateCatalogOperation) {
                CreateCatalogOperation c = (CreateCatalogOperation) op;
                e.catalogCreated(c.getCatalogName(), c.getProperties());
                last = t.executeInternal(op);
            } else if (op instanceof StatementSetOperation || op instanceof ModifyOperation) {
                List<ModifyOperation> ops = modifications(t, op);
                last = run(t, e.enforce(ops), dryRun, log);
            } else if (op instanceof QueryOperation) {
                QueryOperation q = e.enforce((QueryOperation) op);
                if (dryRun) {
                    log.add(t.explainInternal(List.of(q)));
                } else {
                    last = t.executeInternal(q);
                }
            } else if (op.getClass().getSimpleName().equals("ReplaceTableAsOperation")) {
                throw new SecurityException("REPLACE TABLE … AS SELECT is not run under data-security policies");
            } else {
                last = t.executeInternal(op);
            }
            for (Enforcer.Applied a : e.drainApplied()) {
                log.add("policies " + String.join(", ", a.policies) + " enforced on " + a.table + " (" + a.source + ")");
            }
        }
        return last;
    }

    /** INSERTs of a statement set, enforced, collected for one submission. */
    public List<ModifyOperation> insert(TableEnvironment env, String sql, List<String> log) {
        TableEnvironmentInternal t = (TableEnvironmentInternal) env;
        List<ModifyOperation> out = new ArrayList<>();
        Enforcer e = enforcer(env);
        for (Operation op : t.getParser().parse(sql)) {
            out.addAll(e.enforce(modifications(t, op)));
        }
        for (Enforcer.Applied a : e.drainApplied()) {
            log.add("policies " + String.join(", ", a.policies) + " enforced on " + a.table + " (" + a.source + ")");
        }
        return out;
    }

    public TableResult executeSet(TableEnvironment env, List<ModifyOperation> ops, boolean dryRun, List<String> log) {
        return run((TableEnvironmentInternal) env, ops, dryRun, log);
    }

    private static TableResult run(TableEnvironmentInternal t, List<ModifyOperation> ops, boolean dryRun,
            List<String> log) {
        if (dryRun) {
            log.add(t.explainInternal(new ArrayList<Operation>(ops)));
            return null;
        }
        return t.executeInternal(ops);
    }

    private static List<ModifyOperation> modifications(TableEnvironmentInternal t, Operation op) {
        List<ModifyOperation> in = new ArrayList<>();
        if (op instanceof StatementSetOperation) {
            in.addAll(((StatementSetOperation) op).getOperations());
        } else if (op instanceof ModifyOperation) {
            in.add((ModifyOperation) op);
        } else {
            throw new SecurityException("only INSERT statements belong in a statement set");
        }
        List<ModifyOperation> out = new ArrayList<>();
        for (ModifyOperation m : in) {
            if (m instanceof CreateTableASOperation) {
                CreateTableASOperation ctas = (CreateTableASOperation) m;
                t.executeInternal(ctas.getCreateTableOperation());
                out.add(ctas.toSinkModifyOperation(t.getCatalogManager()));
            } else if (m.getClass().getSimpleName().equals("ReplaceTableAsOperation")) {
                throw new SecurityException("REPLACE TABLE … AS SELECT is not run under data-security policies");
            } else {
                out.add(m);
            }
        }
        return out;
    }
}
