package io.flinkops.flink;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkops.flink.data.Values;
import io.flinkops.flink.security.CatalogInfo;
import io.flinkops.flink.security.identity.Sources;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.TableFunctionScan;
import org.apache.calcite.rel.logical.LogicalProject;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rel.metadata.RelColumnOrigin;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.flink.table.catalog.ContextResolvedTable;
import org.apache.flink.table.operations.ModifyOperation;
import org.apache.flink.table.operations.SinkModifyOperation;
import org.apache.flink.table.planner.operations.PlannerQueryOperation;
import org.apache.flink.table.planner.plan.schema.TableSourceTable;

/**
 * Column lineage of INSERTs, read from Flink's (enforced) plan with Calcite's column-origin
 * metadata: per sink column, the source columns it is computed from, with each source's physical
 * identity (the same registry the policies use).
 */
final class ColumnLineage {

    private ColumnLineage() {}

    static void add(ArrayNode out, ModifyOperation op, Map<String, CatalogInfo> catalogs) {
        if (!(op instanceof SinkModifyOperation) || !(op.getChild() instanceof PlannerQueryOperation)) {
            return;
        }
        SinkModifyOperation sink = (SinkModifyOperation) op;
        RelNode rel = withoutWatermarks(((PlannerQueryOperation) op.getChild()).getCalciteTree());
        RelMetadataQuery mq = rel.getCluster().getMetadataQuery();
        ObjectNode o = out.addObject();
        ContextResolvedTable target = sink.getContextResolvedTable();
        o.put("sink", target.getIdentifier().asSummaryString());
        o.put("sinkSource", describe(target, catalogs));
        Set<String> inputs = new TreeSet<>();
        ArrayNode cols = o.putArray("columns");
        List<String> names = new ArrayList<>(target.getResolvedSchema().getColumnNames());
        for (int i = 0; i < rel.getRowType().getFieldCount(); i++) {
            ObjectNode c = cols.addObject();
            c.put("name", i < names.size() ? names.get(i) : rel.getRowType().getFieldNames().get(i));
            ArrayNode sources = c.putArray("sources");
            Set<RelColumnOrigin> origins;
            try {
                origins = mq.getColumnOrigins(rel, i);
            } catch (RuntimeException e) {
                origins = null;
            }
            if (origins == null) {
                continue;
            }
            Set<String> seen = new TreeSet<>();
            for (RelColumnOrigin origin : origins) {
                TableSourceTable t = origin.getOriginTable().unwrap(TableSourceTable.class);
                if (t == null) {
                    continue;
                }
                ContextResolvedTable crt = t.contextResolvedTable();
                String table = crt.getIdentifier().asSummaryString();
                String source = describe(crt, catalogs);
                String column = origin.getOriginTable().getRowType().getFieldNames().get(origin.getOriginColumnOrdinal());
                if (seen.add(table + "\0" + column)) {
                    sources.addObject().put("table", table).put("source", source).put("column", column);
                }
                inputs.add(table + "\0" + source);
            }
        }
        ArrayNode in = o.putArray("inputs");
        for (String s : inputs) {
            String[] p = s.split("\0", 2);
            in.addObject().put("table", p[0]).put("source", p[1]);
        }
    }

    /**
     * Calcite's column origins do not pass Flink's watermark assigner (it changes no value): drop it
     * for lineage. Nor a window table function (TUMBLE, HOP, CUMULATE, SESSION): it has no column
     * mappings, so Calcite answers "unknown" for every column. Flink's window TVFs keep the input's
     * columns and append window_start, window_end and window_time, all computed from the DESCRIPTOR's
     * time column: for lineage they become a projection that says exactly that.
     */
    private static RelNode withoutWatermarks(RelNode node) {
        if (node.getClass().getSimpleName().equals("LogicalWatermarkAssigner")) {
            return withoutWatermarks(node.getInput(0));
        }
        if (node instanceof TableFunctionScan && node.getInputs().size() == 1) {
            RelNode window = windowAsProjection((TableFunctionScan) node, withoutWatermarks(node.getInput(0)));
            if (window != null) {
                return window;
            }
        }
        List<RelNode> inputs = new ArrayList<>();
        boolean changed = false;
        for (RelNode in : node.getInputs()) {
            RelNode r = withoutWatermarks(in);
            changed |= r != in;
            inputs.add(r);
        }
        return changed ? node.copy(node.getTraitSet(), inputs) : node;
    }

    private static RelNode windowAsProjection(TableFunctionScan scan, RelNode input) {
        if (!(scan.getCall() instanceof RexCall)) {
            return null;
        }
        RexCall call = (RexCall) scan.getCall();
        String fn = call.getOperator().getName().toUpperCase(Locale.ROOT);
        if (!List.of("TUMBLE", "HOP", "CUMULATE", "SESSION").contains(fn)) {
            return null;
        }
        int time = -1;
        for (RexNode operand : call.getOperands()) {
            if (operand instanceof RexCall && ((RexCall) operand).getOperator().getName().equalsIgnoreCase("DESCRIPTOR")) {
                for (RexNode d : ((RexCall) operand).getOperands()) {
                    String name = d instanceof RexLiteral ? ((RexLiteral) d).getValueAs(String.class) : null;
                    int at = name == null ? -1 : input.getRowType().getFieldNames().indexOf(name);
                    if (at >= 0) {
                        time = at;
                    }
                }
            }
        }
        int n = input.getRowType().getFieldCount();
        int out = scan.getRowType().getFieldCount();
        if (time < 0 || out < n) {
            return null;
        }
        RexBuilder rex = scan.getCluster().getRexBuilder();
        List<RexNode> exprs = new ArrayList<>();
        for (int i = 0; i < out; i++) {
            exprs.add(rex.makeInputRef(input, i < n ? i : time));
        }
        return LogicalProject.create(input, List.of(), exprs, scan.getRowType().getFieldNames());
    }

    private static String describe(ContextResolvedTable t, Map<String, CatalogInfo> catalogs) {
        return Sources.describe(catalogs.get(t.getIdentifier().getCatalogName()), t.getIdentifier().getDatabaseName(),
                t.getIdentifier().getObjectName(), t.getResolvedTable().getOptions());
    }

    static ObjectNode empty() {
        return Values.MAPPER.createObjectNode();
    }
}
