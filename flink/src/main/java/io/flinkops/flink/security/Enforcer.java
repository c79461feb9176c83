package io.flinkops.flink.security;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.flinkops.flink.security.identity.Sources;
import io.flinkops.flink.security.identity.Undecidable;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rel.core.Snapshot;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rel.logical.LogicalFilter;
import org.apache.calcite.rel.logical.LogicalProject;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexCorrelVariable;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexShuttle;
import org.apache.calcite.rex.RexSubQuery;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.sql.SqlOperator;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.internal.TableEnvironmentInternal;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ContextResolvedTable;
import org.apache.flink.table.catalog.ObjectIdentifier;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.catalog.WatermarkSpec;
import org.apache.flink.table.expressions.ResolvedExpression;
import org.apache.flink.table.functions.BuiltInFunctionDefinition;
import org.apache.flink.table.operations.ModifyOperation;
import org.apache.flink.table.operations.QueryOperation;
import org.apache.flink.table.operations.SinkModifyOperation;
import org.apache.flink.table.planner.expressions.RexNodeExpression;
import org.apache.flink.table.planner.functions.bridging.BridgingSqlFunction;
import org.apache.flink.table.planner.functions.sql.FlinkSqlOperatorTable;
import org.apache.flink.table.planner.operations.PlannerQueryOperation;
import org.apache.flink.table.planner.plan.schema.TableSourceTable;
import org.apache.flink.table.types.logical.RowType;

/**
 * Enforces a job's data-security policies on Flink's own validated plan. Every query operation the
 * parser produced (after Flink resolved names, views, CTEs, hints, LIKE and ALTER against its
 * catalog) is walked; each scan of a source a policy binds — by the scan's resolved identifier and
 * resolved options, see {@link Sources} — gets the row filters (on the raw physical columns) and then
 * the masks, as a Filter and a Project directly on the scan, below computed columns, watermarks and
 * everything the job wrote. What cannot be enforced fails the statement ({@link SecurityException}).
 */
public final class Enforcer {

    /** Where policies were applied: one entry per protected scan. */
    public static final class Applied {
        public final String table;
        public final String source;
        public final List<String> policies;
        public final List<String> rowFilters;
        public final Map<String, String> masks;

        Applied(String table, String source, List<String> policies, List<String> rowFilters, Map<String, String> masks) {
            this.table = table;
            this.source = source;
            this.policies = policies;
            this.rowFilters = rowFilters;
            this.masks = masks;
        }
    }

    private final TableEnvironmentInternal tEnv;
    private final PolicySet set;
    /** Catalogs the job's own CREATE CATALOG statements declared (name → type and options). */
    private final Map<String, CatalogInfo> declaredCatalogs = new HashMap<>();
    private final List<Applied> applied = new ArrayList<>();
    private final List<String> plans = new ArrayList<>();

    public Enforcer(TableEnvironment tEnv, PolicySet set) {
        this.tEnv = (TableEnvironmentInternal) tEnv;
        this.set = set;
    }

    public boolean active() {
        return !set.isEmpty();
    }

    public PolicySet policies() {
        return set;
    }

    /** A CREATE CATALOG the job ran: its tables are identified by the catalog's type and storage. */
    public void catalogCreated(String name, Map<String, String> properties) {
        declaredCatalogs.put(name, new CatalogInfo(name, properties.getOrDefault("type", "generic_in_memory"), properties));
    }

    /** Applied policies since the last call (the caller attributes them to its statement). */
    public List<Applied> drainApplied() {
        List<Applied> out = new ArrayList<>(applied);
        applied.clear();
        return out;
    }

    /** The enforced plans (Calcite's text of each rewritten query) since the last call. */
    public List<String> drainPlans() {
        List<String> out = new ArrayList<>(plans);
        plans.clear();
        return out;
    }

    public List<ModifyOperation> enforce(List<ModifyOperation> ops) {
        if (!active()) {
            return ops;
        }
        List<ModifyOperation> out = new ArrayList<>();
        for (ModifyOperation op : ops) {
            out.add(enforce(op));
        }
        return out;
    }

    public ModifyOperation enforce(ModifyOperation op) {
        if (!active()) {
            return op;
        }
        QueryOperation child = op.getChild();
        QueryOperation enforced = enforce(child);
        if (enforced == child) {
            return op;
        }
        if (!(op instanceof SinkModifyOperation) || ((SinkModifyOperation) op).isUpdate()
                || ((SinkModifyOperation) op).isDelete()) {
            throw new SecurityException("the statement (" + op.getClass().getSimpleName()
                    + ") reads a protected table in a shape the enforcer does not rebuild; it is refused");
        }
        SinkModifyOperation s = (SinkModifyOperation) op;
        return new SinkModifyOperation(s.getContextResolvedTable(), enforced, s.getStaticPartitions(),
                s.getTargetColumns(), s.isOverwrite(), s.getDynamicOptions());
    }

    public QueryOperation enforce(QueryOperation q) {
        if (!active()) {
            return q;
        }
        if (!(q instanceof PlannerQueryOperation)) {
            throw new SecurityException("a query of shape " + q.getClass().getSimpleName()
                    + " is not handled by the policy enforcer; it is refused while policies apply to this job");
        }
        RelNode rel = ((PlannerQueryOperation) q).getCalciteTree();
        RelNode out = rewrite(rel, new IdentityHashMap<>());
        if (out == rel) {
            return q;
        }
        plans.add(RelOptUtil.toString(out));
        return new PlannerQueryOperation(out, q::asSummaryString);
    }

    // ------------------------------------------------------------------ the plan walk

    private RelNode rewrite(RelNode node, Map<RelNode, RelNode> done) {
        RelNode hit = done.get(node);
        if (hit != null) {
            return hit;
        }
        RelNode out;
        if (node instanceof TableScan) {
            out = onScan((TableScan) node, null);
        } else if (node instanceof Filter && ((Filter) node).getInput() instanceof Snapshot) {
            // a lookup / temporal join's ON condition sits on the snapshot: the row filter joins it there
            Filter f = (Filter) node;
            Lookup l = onSnapshot((Snapshot) f.getInput(), done);
            RexNode cond = l.condition == null ? f.getCondition()
                    : RexUtil.composeConjunction(f.getCluster().getRexBuilder(), List.of(f.getCondition(), l.condition));
            out = l.snapshot == f.getInput() && l.condition == null ? f : f.copy(f.getTraitSet(), l.snapshot, cond);
        } else if (node instanceof Snapshot) {
            Lookup l = onSnapshot((Snapshot) node, done);
            out = l.condition == null ? l.snapshot : LogicalFilter.create(l.snapshot, l.condition);
        } else {
            List<RelNode> inputs = node.getInputs();
            List<RelNode> rewritten = new ArrayList<>(inputs.size());
            boolean changed = false;
            for (RelNode in : inputs) {
                RelNode r = rewrite(in, done);
                changed |= r != in;
                rewritten.add(r);
            }
            out = changed ? node.copy(node.getTraitSet(), rewritten) : node;
            // sub-queries (IN / EXISTS / scalar) still live inside expressions at this stage
            out = out.accept(new RexShuttle() {
                @Override
                public RexNode visitSubQuery(RexSubQuery sq) {
                    RexSubQuery visited = (RexSubQuery) super.visitSubQuery(sq);
                    RelNode r = rewrite(visited.rel, done);
                    return r == visited.rel ? visited : visited.clone(r);
                }
            });
        }
        done.put(node, out);
        return out;
    }

    /** A snapshot (lookup / temporal join) rewritten: masks below it, the row filter as a condition above it. */
    private static final class Lookup {
        final RelNode snapshot;
        final RexNode condition;

        Lookup(RelNode snapshot, RexNode condition) {
            this.snapshot = snapshot;
            this.condition = condition;
        }
    }

    /**
     * Flink turns {@code JOIN t FOR SYSTEM_TIME AS OF …} into a lookup or temporal join only when
     * the snapshot reads the scan through projections (computed columns): the masks go into a
     * projection on the scan, and the row filter becomes part of the join condition on the
     * dimension (a filtered-out row finds no match: an inner join drops the row, a left join gets
     * NULLs — as if the row did not exist). The filter then reads the columns after masking, so a
     * filter on a masked column of a lookup table cannot be enforced. Flink's rule
     * (LogicalCorrelateToJoinFromTemporalTableRule#getTableScan) accepts only projections there, so
     * a Filter on the scan would turn the lookup into a versioned-table join. The filter's columns
     * are traced to the snapshot's fields by position through the projections (a view may rename a
     * column or put another value under its name); a column no projection passes through unchanged
     * fails the statement.
     */
    private Lookup onSnapshot(Snapshot snapshot, Map<RelNode, RelNode> done) {
        List<RelNode> chain = new ArrayList<>();
        RelNode n = snapshot.getInput();
        while (n instanceof Project) {
            chain.add(n);
            n = ((Project) n).getInput();
        }
        if (!(n instanceof TableScan)) {
            RelNode input = rewrite(snapshot.getInput(), done);
            return new Lookup(input == snapshot.getInput() ? snapshot
                    : snapshot.copy(snapshot.getTraitSet(), List.of(input)), null);
        }
        TableScan scan = (TableScan) n;
        RexNode[] condition = new RexNode[1];
        RelNode below = onScan(scan, condition);
        for (int i = chain.size() - 1; i >= 0; i--) {
            below = chain.get(i).copy(chain.get(i).getTraitSet(), List.of(below));
        }
        RelNode newSnapshot = below == snapshot.getInput() ? snapshot
                : snapshot.copy(snapshot.getTraitSet(), List.of(below));
        if (condition[0] == null) {
            return new Lookup(newSnapshot, null);
        }
        // scan column → the snapshot's field that passes it through unchanged, traced by position through
        // every projection (a view may rename a column, or put another value under its name)
        int[] at = new int[scan.getRowType().getFieldCount()];
        for (int c = 0; c < at.length; c++) {
            at[c] = c;
        }
        for (int k = chain.size() - 1; k >= 0; k--) {
            List<RexNode> projects = ((Project) chain.get(k)).getProjects();
            int[] next = new int[at.length];
            java.util.Arrays.fill(next, -1);
            for (int c = 0; c < at.length; c++) {
                for (int j = 0; at[c] >= 0 && j < projects.size(); j++) {
                    if (projects.get(j) instanceof RexInputRef && ((RexInputRef) projects.get(j)).getIndex() == at[c]) {
                        next[c] = j;
                        break;
                    }
                }
            }
            at = next;
        }
        RexBuilder rb = snapshot.getCluster().getRexBuilder();
        List<String> scanNames = scan.getRowType().getFieldNames();
        RelNode target = newSnapshot;
        int[] position = at;
        RexNode mapped = condition[0].accept(new RexShuttle() {
            @Override
            public RexNode visitInputRef(RexInputRef ref) {
                int to = position[ref.getIndex()];
                if (to < 0) {
                    throw new SecurityException("the row filter on " + String.join(".", scan.getTable().getQualifiedName())
                            + " cannot be enforced in this lookup join: column " + scanNames.get(ref.getIndex())
                            + " is not passed through unchanged to the joined table (a view computes or drops it)");
                }
                return rb.makeInputRef(target, to);
            }
        });
        return new Lookup(newSnapshot, mapped);
    }

    /**
     * A scan a policy binds: Filter (row filters on raw physical columns) and Project (masks) on it.
     * With {@code lookupCondition} (a scan under a snapshot) the row filter is returned there instead
     * of becoming a Filter.
     */
    private RelNode onScan(TableScan scan, RexNode[] lookupCondition) {
        TableSourceTable source = scan.getTable().unwrap(TableSourceTable.class);
        if (source == null) {
            throw new SecurityException("the source " + String.join(".", scan.getTable().getQualifiedName())
                    + " (" + scan.getClass().getSimpleName() + ") is of a kind the policy enforcer does not handle;"
                    + " the statement is refused while policies apply to this job");
        }
        ContextResolvedTable table = source.contextResolvedTable();
        ObjectIdentifier id = table.getIdentifier();
        Map<String, String> options = table.getResolvedTable().getOptions();
        CatalogInfo catalog = declaredCatalogs.get(id.getCatalogName());
        List<Policy> bound = new ArrayList<>();
        for (Policy p : set.policies) {
            boolean binds;
            try {
                binds = Sources.binds(p, set.catalogs, catalog, id.getCatalogName(), id.getDatabaseName(),
                        id.getObjectName(), options);
            } catch (Undecidable u) {
                throw new SecurityException(p + " may bind " + id.asSummaryString() + ", and what that source reads"
                        + " cannot be decided: " + u.getMessage() + ". The statement is refused (spell the source the"
                        + " way its connector documents it)");
            }
            if (binds) {
                bound.add(p);
            }
        }
        if (bound.isEmpty()) {
            return scan;
        }
        String tableName = id.asSummaryString();
        CatalogInfo described = catalog != null ? catalog : set.catalogs.get(id.getCatalogName());
        String identity = Sources.describe(described, id.getDatabaseName(), id.getObjectName(), options);
        ResolvedSchema schema = table.getResolvedSchema();
        List<Column> physical = new ArrayList<>();
        for (Column c : schema.getColumns()) {
            if (c.isPhysical()) {
                physical.add(c);
            }
        }
        RelDataType rowType = scan.getRowType();
        List<RelDataTypeField> fields = rowType.getFieldList();
        for (int i = 0; i < physical.size(); i++) {
            if (i >= fields.size() || !fields.get(i).getName().equals(physical.get(i).getName())) {
                throw new SecurityException(names(bound) + " cannot be enforced on " + tableName
                        + ": its scan does not read the physical columns first, in order (an unknown source shape)");
            }
        }
        RexBuilder rb = scan.getCluster().getRexBuilder();
        RowType physicalType = (RowType) schema.toPhysicalRowDataType().getLogicalType();

        // 1. row filters, on the raw physical columns
        List<RexNode> conditions = new ArrayList<>();
        List<String> filterTexts = new ArrayList<>();
        for (Policy p : bound) {
            if (p.rowFilter == null) {
                continue;
            }
            RexNode f = parse(p, "row filter", p.rowFilter, physicalType, scan, tableName, null);
            if (f.getType().getSqlTypeName() != SqlTypeName.BOOLEAN) {
                throw new SecurityException(p + ": the row filter of " + tableName + " is not a condition (it is "
                        + f.getType().getFullTypeString() + ")");
            }
            conditions.add(f);
            filterTexts.add(p.rowFilter.trim());
        }

        // 2. masks, the most restrictive of the policies per column
        Map<Integer, String> maskOf = new LinkedHashMap<>();
        Map<Integer, List<Policy>> maskBy = new HashMap<>();
        for (Policy p : bound) {
            for (Map.Entry<String, String> m : p.masks.entrySet()) {
                String kind = Masks.kind(m.getValue());
                if (kind == null) {
                    throw new SecurityException(p + ": unknown mask \"" + m.getValue() + "\" for column \""
                            + m.getKey() + "\"");
                }
                List<Integer> cols = new ArrayList<>();
                for (int i = 0; i < physical.size(); i++) {
                    if (physical.get(i).getName().equalsIgnoreCase(m.getKey())) {
                        cols.add(i);
                    }
                }
                if (cols.isEmpty()) {
                    throw new SecurityException(p + " masks \"" + m.getKey() + "\", which is not a physical column of "
                            + tableName + " as declared (physical columns: " + physicalNames(physical) + ")");
                }
                for (int i : cols) {
                    String prev = maskOf.get(i);
                    maskOf.put(i, prev == null ? m.getValue() : Masks.strictest(prev, m.getValue()));
                    maskBy.computeIfAbsent(i, k -> new ArrayList<>()).add(p);
                }
            }
        }
        Set<String> rowtimes = new java.util.HashSet<>();
        for (WatermarkSpec w : schema.getWatermarkSpecs()) {
            rowtimes.add(w.getRowtimeAttribute());
        }
        List<RexNode> exprs = new ArrayList<>();
        Map<String, String> maskTexts = new LinkedHashMap<>();
        boolean masked = false;
        for (int i = 0; i < fields.size(); i++) {
            RexNode ref = rb.makeInputRef(scan, i);
            String mask = maskOf.get(i);
            String kind = mask == null ? null : Masks.kind(mask);
            if (kind == null || kind.equals("MASK_NONE")) {
                exprs.add(ref);
                continue;
            }
            String col = fields.get(i).getName();
            RelDataType type = fields.get(i).getType();
            String who = names(maskBy.get(i));
            if (rowtimes.contains(col)) {
                throw new SecurityException(who + " masks \"" + col + "\" of " + tableName
                        + ", its event-time attribute (WATERMARK FOR " + col + "): a masked time attribute cannot be"
                        + " enforced");
            }
            RexNode e;
            if (kind.equals("CUSTOM")) {
                String expr = Masks.customExpression(mask).replace("{col}", "`" + col.replace("`", "``") + "`");
                Policy p = maskBy.get(i).get(0);
                e = parse(p, "CUSTOM mask of \"" + col + "\"", expr, physicalType, scan, tableName, i);
            } else {
                String why = Masks.unfit(kind, type);
                if (why != null) {
                    throw new SecurityException(who + ": " + why + " (column \"" + col + "\" of " + tableName
                            + " is " + type.getFullTypeString() + ")");
                }
                e = Masks.build(rb, kind, ref, type);
            }
            exprs.add(Masks.cast(rb, type, e));
            maskTexts.put(col, mask.trim());
            masked = true;
        }

        RelNode out = scan;
        if (!conditions.isEmpty() && lookupCondition != null) {
            Set<Integer> read = new java.util.HashSet<>();
            for (RexNode c : conditions) {
                read.addAll(org.apache.calcite.plan.RelOptUtil.InputFinder.bits(c).asList());
            }
            for (int i : read) {
                if (maskOf.containsKey(i) && !"MASK_NONE".equals(Masks.kind(maskOf.get(i)))) {
                    throw new SecurityException(names(bound) + ": the row filter of " + tableName + " reads \""
                            + fields.get(i).getName() + "\", which a policy masks; in a lookup join the filter can only"
                            + " read unmasked columns, so it cannot be enforced");
                }
            }
            lookupCondition[0] = RexUtil.composeConjunction(rb, conditions);
        } else if (!conditions.isEmpty()) {
            out = LogicalFilter.create(out, RexUtil.composeConjunction(rb, conditions));
        }
        if (masked) {
            out = LogicalProject.create(out, Collections.emptyList(), exprs, rowType);
        }
        List<String> policyNames = new ArrayList<>();
        for (Policy p : bound) {
            policyNames.add(p.name);
        }
        applied.add(new Applied(tableName, identity, policyNames, filterTexts, maskTexts));
        return out;
    }

    /**
     * A policy's SQL expression, parsed by Flink's own expression parser against the table's
     * physical row type. Functions may resolve to the job's own (a temporary system function can
     * shadow a built-in name), so every call is checked to be one of Flink's built-ins.
     */
    private RexNode parse(Policy p, String what, String expr, RowType physicalType, TableScan scan, String table,
            Integer onlyColumn) {
        RexNode rex;
        try {
            ResolvedExpression e = tEnv.getParser().parseSqlExpression(expr, physicalType, null);
            if (!(e instanceof RexNodeExpression)) {
                throw new SecurityException(p + ": the " + what + " did not become a planner expression");
            }
            rex = ((RexNodeExpression) e).getRexNode();
        } catch (SecurityException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SecurityException(p + ": the " + what + " cannot be applied to " + table + ": "
                    + firstLine(e) + " (physical columns: " + physicalNames(physicalType) + ")", e);
        }
        RexBuilder rb = scan.getCluster().getRexBuilder();
        RelDataType scanType = scan.getRowType();
        return rex.accept(new RexShuttle() {
            @Override
            public RexNode visitInputRef(RexInputRef ref) {
                if (onlyColumn != null && ref.getIndex() != onlyColumn) {
                    throw new SecurityException(p + ": the " + what + " of " + table + " reads another column ("
                            + scanType.getFieldList().get(ref.getIndex()).getName() + "); a mask reads only {col}");
                }
                return rb.makeInputRef(scan, ref.getIndex());
            }

            @Override
            public RexNode visitCall(RexCall call) {
                if (!builtIn(call.getOperator())) {
                    throw new SecurityException(p + ": the " + what + " of " + table + " calls "
                            + call.getOperator().getName() + ", which is not one of Flink's built-in functions"
                            + " (a function of the job shadows it, or it is user code): refused");
                }
                return super.visitCall(call);
            }

            @Override
            public RexNode visitSubQuery(RexSubQuery subQuery) {
                throw new SecurityException(p + ": the " + what + " of " + table + " contains a sub-query: refused");
            }

            @Override
            public RexNode visitCorrelVariable(RexCorrelVariable v) {
                throw new SecurityException(p + ": the " + what + " of " + table + " is correlated: refused");
            }
        });
    }

    private static final Set<SqlOperator> BUILT_IN = Collections.newSetFromMap(new IdentityHashMap<>());

    static {
        BUILT_IN.addAll(FlinkSqlOperatorTable.instance(false).getOperatorList());
        BUILT_IN.addAll(FlinkSqlOperatorTable.instance(true).getOperatorList());
        BUILT_IN.addAll(SqlStdOperatorTable.instance().getOperatorList());
    }

    static boolean builtIn(SqlOperator op) {
        if (op instanceof BridgingSqlFunction) {
            return ((BridgingSqlFunction) op).getDefinition() instanceof BuiltInFunctionDefinition;
        }
        return BUILT_IN.contains(op);
    }

    private static String names(List<Policy> ps) {
        List<String> n = new ArrayList<>();
        for (Policy p : ps) {
            n.add(p.toString());
        }
        return String.join(", ", n);
    }

    private static String physicalNames(List<Column> cols) {
        List<String> n = new ArrayList<>();
        for (Column c : cols) {
            n.add(c.getName());
        }
        return String.join(", ", n);
    }

    private static String physicalNames(RowType t) {
        return String.join(", ", t.getFieldNames());
    }

    private static String firstLine(Throwable e) {
        Throwable t = e;
        String msg = null;
        while (t != null) {
            if (t.getMessage() != null) {
                msg = t.getMessage();
            }
            t = t.getCause();
        }
        String m = msg == null ? e.toString() : msg;
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
