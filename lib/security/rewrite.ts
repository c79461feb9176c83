import { ParserRuleContext, TerminalNode, TokenStreamRewriter, type ParseTree, type Token } from 'antlr4ng';
import {
  type ColumnNameListContext,
  ColumnProjectItemContext,
  ColumnReferenceContext,
  ComputedColumnDefinitionContext,
  CreateTableAsSelectContext,
  CreateViewContext,
  InsertSimpleStatementContext,
  JoinConditionContext,
  LikeDefinitionContext,
  MetadataColumnDefinitionContext,
  PhysicalColumnDefinitionContext,
  QueryStatementContext,
  SelectClauseContext,
  type SelectStatementContext,
  SimpleCreateTableContext,
  type TableAllColumnsContext,
  TableExpressionContext,
  TablePathContext,
  TablePathCreateContext,
  TablePropertyContext,
  TableReferenceContext,
  TimeAttrColumnContext,
  UseStatementContext,
  ViewPathContext,
  ViewPathCreateContext,
  WindowTVFClauseContext,
  WindowTVFParamContext,
  type WithClauseContext,
  FromClauseContext,
} from 'dt-sql-parser/dist/lib/flink/FlinkSqlParser';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Origin } from '../repo/model.js';
import { FlinkSqlParser, parseFlinkSql, type ParsedSql } from '../sql/grammar.js';
import { unquote } from '../sql/options.js';
import type { JobSql, Statement } from '../sql/script.js';
import { unquoteIdent } from './expr.js';
import { quoteIdent, type LoadedPolicy } from './policy.js';
import { maskedRef, protect, protectedSelect, qualifiedFilter, type Protection } from './protection.js';
import {
  DEFAULT_CATALOG,
  DEFAULT_DATABASE,
  optionMatches,
  resourceMatches,
  pathText,
  physicalIdentity,
  type Column,
  type TableDef,
} from './tables.js';

/** Where a policy was enforced. */

// Parse-tree nodes are told apart by their grammar rule (ruleIndex), never by class name: a bundler may rename classes.
/** Statements that name a table without reading it: a protected table there is no leak. */
const BENIGN_PARENTS = new Set([
  FlinkSqlParser.RULE_insertSimpleStatement,
  FlinkSqlParser.RULE_likeDefinition,
  FlinkSqlParser.RULE_dropTable,
  FlinkSqlParser.RULE_dropView,
  FlinkSqlParser.RULE_alterTable,
  FlinkSqlParser.RULE_alterView,
  FlinkSqlParser.RULE_describeStatement,
  FlinkSqlParser.RULE_showStatement,
]);
const IDENTIFIERS = new Set([
  FlinkSqlParser.RULE_identifier,
  FlinkSqlParser.RULE_unquotedIdentifier,
  FlinkSqlParser.RULE_quotedIdentifier,
  FlinkSqlParser.RULE_errorCapturingIdentifier,
]);

/** `TableReference` for a tableReference node: the grammar's rule name, as people read it in a message. */
function ruleName(n: ParserRuleContext): string {
  const name = FlinkSqlParser.ruleNames[n.ruleIndex] ?? 'statement';
  return name.charAt(0).toUpperCase() + name.slice(1);
}

export interface AppliedPolicy {
  policies: string[];
  table: string;
  source: { namespace: string; name: string };
  /** The reference in the job's SQL. */
  at: Origin;
  /** subquery: `(SELECT … WHERE …) AS t`; view: a temporary view (window TVFs); lookup-join: filter in ON, masked projections. */
  how: 'subquery' | 'view' | 'lookup-join';
  rowFilter?: string;
  masks: Record<string, string>;
}

export interface SourceColumn {
  table: string;
  source: { namespace: string; name: string };
  column: string;
  masked: boolean;
}

/** Lineage of one INSERT (or CREATE TABLE AS): the sink, its sources and, per sink column, the source columns it is computed from. */
export interface InsertLineage {
  statement: number;
  at: Origin;
  sink: { table: string; source: { namespace: string; name: string } };
  inputs: { table: string; source: { namespace: string; name: string } }[];
  columns: { name: string; sources: SourceColumn[] }[];
}

export interface RewriteResult {
  statements: Statement[];
  applied: AppliedPolicy[];
  diagnostics: Diagnostic[];
  lineage: InsertLineage[];
}

interface Src {
  def: TableDef;
  column: string;
  masked: boolean;
}
interface Col {
  name: string;
  sources: Src[];
}
interface Relation {
  columns: Col[];
}
interface FromItem {
  alias?: string;
  columns: Col[];
  /** Lookup/temporal join on a protected table: column refs through this item are replaced by their mask. */
  lookup?: { protection: Protection; alias: string };
}
interface Scope {
  items: FromItem[];
  parent?: Scope;
}

export interface RewriteInput {
  sql: JobSql;
  jobId: string;
  policies: LoadedPolicy[];
  catalogTables: TableDef[];
  defaultDatabaseOf(catalog: string): string;
  /** Only enforce (skip lineage work that validation does not need). */
  lineage: boolean;
}

/**
 * The security rewrite of one job's statements, in order. Each statement is parsed on its own and
 * edited token by token (TokenStreamRewriter), so everything the rewrite does not touch — comments,
 * spacing, line breaks — stays as written and the effective SQL keeps the files' line numbers.
 */
export function rewriteJob(input: RewriteInput): RewriteResult {
  return new JobRewriter(input).run();
}

class JobRewriter {
  private readonly tables = new Map<string, TableDef>();
  private readonly viewRelations = new Map<string, Relation>();
  private catalog = DEFAULT_CATALOG;
  private database = DEFAULT_DATABASE;
  private readonly protections = new Map<string, Protection | undefined>();
  private readonly applied: AppliedPolicy[] = [];
  private readonly diagnostics: Diagnostic[] = [];
  private readonly lineage: InsertLineage[] = [];
  private viewCount = 0;
  // per statement
  private statement!: Statement;
  private parsed!: ParsedSql;
  private rw!: TokenStreamRewriter;
  private injected: string[] = [];
  private handled = new Set<ParserRuleContext>();

  /** Last name parts of the tables known to be protected, and of `{table: …}` resources. */
  private readonly protectedNames = new Set<string>();
  /** Parse every statement: lineage wanted, or the job can change a table's options (hints, CREATE TABLE … LIKE). */
  private readonly full: boolean;

  constructor(private readonly input: RewriteInput) {
    for (const t of input.catalogTables) {
      this.tables.set(key(t.path), t);
      if (input.policies.some((p) => resourceMatches(p.spec.resource, t)))
        this.protectedNames.add(t.path[2].toLowerCase());
    }
    this.full =
      input.lineage ||
      input.sql.statements.some((s) => s.text.includes('/*+') || (s.kind === 'ddl' && /\blike\b/i.test(s.text)));
    for (const p of input.policies)
      if ('table' in p.spec.resource)
        this.protectedNames.add(p.spec.resource.table!.split('.').pop()!.replace(/`/g, '').toLowerCase());
  }

  /**
   * Validation only enforces: a statement that neither defines a table a policy could bind (by its
   * WITH options) nor names a protected table cannot need a rewrite, and is not parsed again.
   */
  private mayTouchProtected(s: Statement): boolean {
    if (s.kind === 'use' || s.kind === 'other') return true;
    const lower = s.text.toLowerCase();
    for (const n of this.protectedNames) if (wordIn(lower, n)) return true;
    if (s.kind !== 'ddl') return false;
    const file = this.input.sql.fileOf(s);
    const options = file.analysis.options.filter((o) => o.keyOffset >= s.start && o.keyOffset < s.end);
    const values = Object.fromEntries(options.map((o) => [o.key, o.value]));
    return this.input.policies.some((p) =>
      Object.entries(p.spec.resource).some(
        ([k, v]) =>
          k !== 'connector' &&
          k !== 'table' &&
          (optionMatches(k, values[k], v, values) || (k === 'topic' && 'topic-pattern' in values)),
      ),
    );
  }

  run(): RewriteResult {
    const out: Statement[] = [];
    for (const s of this.input.sql.statements) {
      this.statement = s;
      this.injected = [];
      this.handled = new Set();
      const text = this.rewriteStatement(s);
      for (const v of this.injected) out.push({ ...s, kind: 'ddl', text: v, end: s.start });
      out.push({ ...s, text });
    }
    return {
      statements: out.map((s, index) => ({ ...s, index })),
      applied: this.applied,
      diagnostics: this.diagnostics,
      lineage: this.lineage,
    };
  }

  // ---------------------------------------------------------------- statements

  private rewriteStatement(s: Statement): string {
    if (s.kind === 'set' || s.kind === 'reset') return s.text;
    if (!this.full && !this.mayTouchProtected(s)) return s.text;
    this.parsed = parsedStatement(s.text);
    this.rw = new TokenStreamRewriter(this.parsed.tokens);
    if (this.parsed.errors.length) {
      // The grammar could not read this statement: if it might read a protected source, fail closed.
      const reads = this.protectedMentioned(s.text);
      if (reads) {
        const e = this.parsed.errors[0]!;
        this.error(
          'security/unenforceable',
          `the SQL grammar cannot parse this statement (parser gap: ${e.message}, line ${this.originAt(e.offset).line}), and it may read ${reads}: flinkops cannot enforce its policies here`,
          this.statementStart(),
          'rewrite the statement in a form the grammar reads (for example move the part it cannot parse into a view), or ask the platform team',
        );
      }
      this.walkStatements(this.parsed.tree);
      return s.text;
    }
    this.walkStatements(this.parsed.tree);
    this.safetyNet(this.parsed.tree);
    return this.rw.getText();
  }

  private walkStatements(n: ParseTree): void {
    if (n instanceof SimpleCreateTableContext) return this.createTable(n);
    if (n instanceof CreateTableAsSelectContext) return this.createTableAs(n);
    if (n instanceof CreateViewContext) return this.createView(n);
    if (n instanceof InsertSimpleStatementContext) return this.insert(n);
    if (n instanceof UseStatementContext) return this.use(n);
    if (n instanceof QueryStatementContext) {
      this.query(n, new Map(), undefined);
      return;
    }
    if (n instanceof ParserRuleContext) for (const c of n.children ?? []) this.walkStatements(c);
  }

  private use(n: UseStatementContext): void {
    const cat = n.catalogPath();
    const db = n.databasePath();
    if (cat) {
      this.catalog = parts(cat)[0]!;
      this.database = this.input.defaultDatabaseOf(this.catalog);
    } else if (db) {
      const p = parts(db);
      if (p.length === 2) [this.catalog, this.database] = p as [string, string];
      else this.database = p[0]!;
    }
  }

  private qualify(p: string[]): [string, string, string] {
    if (p.length >= 3) return [p[p.length - 3]!, p[p.length - 2]!, p[p.length - 1]!];
    if (p.length === 2) return [this.catalog, p[0]!, p[1]!];
    return [this.catalog, this.database, p[0]!];
  }

  private resolve(p: string[]): TableDef | undefined {
    return this.tables.get(key(this.qualify(p)));
  }

  private createTable(n: SimpleCreateTableContext): void {
    const name = parts(n.tablePathCreate());
    const columns: Column[] = [];
    const options: Record<string, string> = {};
    let like: LikeDefinitionContext | undefined;
    const visit = (c: ParseTree) => {
      if (c instanceof PhysicalColumnDefinitionContext)
        columns.push({
          name: unquoteIdent(c.columnNameCreate().getText()),
          type: text(this.parsed, c.columnType()),
          kind: 'physical',
        });
      else if (c instanceof MetadataColumnDefinitionContext)
        columns.push({
          name: unquoteIdent(c.columnNameCreate().getText()),
          type: text(this.parsed, c.columnType()),
          kind: 'metadata',
        });
      else if (c instanceof ComputedColumnDefinitionContext)
        columns.push({ name: unquoteIdent(c.columnNameCreate().getText()), kind: 'computed' });
      else if (c instanceof TablePropertyContext) {
        const k = c.tablePropertyKey();
        const v = c.tablePropertyValue();
        if (k && v) options[unquote(k.getText())] = unquote(v.getText());
      } else if (c instanceof LikeDefinitionContext) like = c;
      else if (c instanceof ParserRuleContext) for (const x of c.children ?? []) visit(x);
    };
    for (const c of n.children ?? []) visit(c);
    const def: TableDef = {
      kind: 'table',
      path: this.qualify(name),
      columns,
      options,
      origin: this.originOf(n.tablePathCreate()),
    };
    if (like) {
      // CREATE TABLE … LIKE base: the new table inherits the base's columns and (unless excluded) its options.
      const base = this.resolve(parts(like.tablePath()));
      const excl = like.getText().toUpperCase();
      if (!base?.columns) def.columns = undefined;
      else def.columns = [...base.columns, ...columns];
      if (base && !/EXCLUDINGALL|EXCLUDINGOPTIONS/.test(excl)) def.options = { ...base.options, ...options };
      if (!base) def.options = { ...options, 'flinkops.like': parts(like.tablePath()).join('.') };
    }
    this.tables.set(key(def.path), def);
    if (this.protection(def)) this.protectedNames.add(def.path[2].toLowerCase());
  }

  private createTableAs(n: CreateTableAsSelectContext): void {
    const q = n.queryStatement();
    const rel = q ? this.query(q, new Map(), undefined) : { columns: [] };
    const options: Record<string, string> = {};
    for (const p of collect(n, TablePropertyContext)) {
      const k = p.tablePropertyKey();
      const v = p.tablePropertyValue();
      if (k && v) options[unquote(k.getText())] = unquote(v.getText());
    }
    const def: TableDef = {
      kind: 'table',
      path: this.qualify(parts(n.tablePathCreate())),
      columns: rel.columns.map((c) => ({ name: c.name, kind: 'physical' })),
      options,
      origin: this.originOf(n.tablePathCreate()),
    };
    this.tables.set(key(def.path), def);
    this.recordLineage(
      n,
      def,
      def.columns!.map((c) => c.name),
      rel,
    );
  }

  private createView(n: CreateViewContext): void {
    const rel = this.query(n.queryStatement(), new Map(), undefined);
    const names = n.columnNameList() ? columnList(n.columnNameList()!) : undefined;
    const columns = rel.columns.map((c, i) => ({ name: names?.[i] ?? c.name, sources: c.sources }));
    const path = this.qualify(parts(n.viewPathCreate()));
    const def: TableDef = {
      kind: 'view',
      path,
      columns: columns.map((c) => ({ name: c.name, kind: 'computed' })),
      options: {},
      origin: this.originOf(n.viewPathCreate()),
    };
    this.tables.set(key(path), def);
    this.viewRelations.set(key(path), { columns });
  }

  private insert(n: InsertSimpleStatementContext): void {
    const path = parts(n.tablePath());
    this.handled.add(n.tablePath());
    const q = n.queryStatement();
    const rel = q ? this.query(q, new Map(), undefined) : { columns: [] };
    if (!q) this.walkExpressions(n, new Map(), { items: [] }, []);
    const sink = this.resolve(path) ?? { kind: 'table', path: this.qualify(path), options: {} };
    const names = n.columnNameList()
      ? columnList(n.columnNameList()!)
      : (sink.columns?.filter((c) => c.kind === 'physical').map((c) => c.name) ?? rel.columns.map((c) => c.name));
    this.recordLineage(n, sink, names, rel);
  }

  private recordLineage(n: ParserRuleContext, sink: TableDef, names: string[], rel: Relation): void {
    if (!this.input.lineage) return;
    const columns = names.map((name, i) => ({ name, sources: dedupeSources(rel.columns[i]?.sources ?? []) }));
    const inputs = new Map<string, { table: string; source: { namespace: string; name: string } }>();
    for (const c of columns) for (const s of c.sources) inputs.set(s.table, { table: s.table, source: s.source });
    for (const s of this.inputsOf(rel))
      inputs.set(pathText(s.path), { table: pathText(s.path), source: physicalIdentity(s) });
    this.lineage.push({
      statement: this.statement.index,
      at: this.originOf(n),
      sink: { table: pathText(sink.path), source: physicalIdentity(sink) },
      inputs: [...inputs.values()].sort((a, b) => (a.table < b.table ? -1 : 1)),
      columns,
    });
  }

  private readonly relInputs = new WeakMap<Relation, Set<TableDef>>();
  private inputsOf(rel: Relation): Set<TableDef> {
    return this.relInputs.get(rel) ?? new Set();
  }

  // ---------------------------------------------------------------- queries

  private query(q: QueryStatementContext, ctes: Map<string, Relation>, outer: Scope | undefined): Relation {
    const reads = new Set<TableDef>();
    const rel = this.queryInner(q, ctes, outer, reads);
    this.relInputs.set(rel, reads);
    return rel;
  }

  private currentReads: Set<TableDef> = new Set();

  private queryInner(
    q: QueryStatementContext,
    ctes: Map<string, Relation>,
    outer: Scope | undefined,
    reads: Set<TableDef>,
  ): Relation {
    const saved = this.currentReads;
    this.currentReads = reads;
    try {
      const w = q.withClause();
      if (w) return this.withQuery(w, q, ctes, outer);
      const sel = q.selectStatement();
      if (sel) {
        const r = this.select(sel, ctes, outer);
        this.walkRest(q, sel, ctes, outer);
        return r;
      }
      if (q.selectClause()) {
        const r = this.select(q, ctes, outer);
        return r;
      }
      const subs = q.queryStatement();
      if (subs.length === 1) {
        const r = this.queryInner(subs[0]!, ctes, outer, reads);
        this.walkRest(q, subs[0]!, ctes, outer);
        return r;
      }
      if (subs.length === 2) {
        const l = this.queryInner(subs[0]!, ctes, outer, reads);
        const r = this.queryInner(subs[1]!, ctes, outer, reads);
        return {
          columns: l.columns.map((c, i) => ({
            name: c.name,
            sources: [...c.sources, ...(r.columns[i]?.sources ?? [])],
          })),
        };
      }
      // VALUES and anything else: walk for nested queries
      for (const c of q.children ?? []) this.walkExpressions(c, ctes, { items: [], parent: outer }, []);
      return { columns: [] };
    } finally {
      this.currentReads = saved;
    }
  }

  /** ORDER BY / LIMIT next to a query body. */
  private walkRest(
    q: QueryStatementContext,
    body: ParseTree,
    ctes: Map<string, Relation>,
    outer: Scope | undefined,
  ): void {
    for (const c of q.children ?? [])
      if (c !== body && c instanceof ParserRuleContext) this.walkExpressions(c, ctes, { items: [], parent: outer }, []);
  }

  private withQuery(
    w: WithClauseContext,
    q: QueryStatementContext,
    ctes: Map<string, Relation>,
    outer: Scope | undefined,
  ): Relation {
    const inner = new Map(ctes);
    for (const item of w.withItem()) {
      // A CTE sees the CTEs before it; its name shadows tables of the same name (it is not a protected source).
      const rel = this.query(item.queryStatement(), inner, outer);
      for (const t of this.inputsOf(rel)) this.currentReads.add(t);
      const names = item.columnName().map((c) => unquoteIdent(c.getText()));
      inner.set(unquoteIdent(item.withItemName().getText()).toLowerCase(), {
        columns: rel.columns.map((c, i) => ({ name: names[i] ?? c.name, sources: c.sources })),
      });
    }
    const body = q.queryStatement()[0];
    return body ? this.queryInner(body, inner, outer, this.currentReads) : { columns: [] };
  }

  private select(
    sel: SelectStatementContext | QueryStatementContext,
    ctes: Map<string, Relation>,
    outer: Scope | undefined,
  ): Relation {
    const scope: Scope = { items: [], parent: outer };
    const from = sel.children?.find((c) => c instanceof FromClauseContext) as FromClauseContext | undefined;
    if (from) {
      const te = from.children?.find((c) => c instanceof TableExpressionContext) as TableExpressionContext | undefined;
      if (te) this.tableExpression(te, ctes, scope);
    }
    const clause = sel.children?.find((c) => c instanceof SelectClauseContext) as SelectClauseContext | undefined;
    const columns: Col[] = clause ? this.selectList(clause, ctes, scope) : [];
    for (const c of sel.children ?? []) {
      if (c === from || c === clause || !(c instanceof ParserRuleContext)) continue;
      this.walkExpressions(c, ctes, scope, []);
    }
    return { columns };
  }

  private selectList(clause: SelectClauseContext, ctes: Map<string, Relation>, scope: Scope): Col[] {
    const out: Col[] = [];
    const items = collectShallow(clause, ColumnProjectItemContext);
    let n = 0;
    for (const item of items) {
      n++;
      const all = item.tableAllColumns();
      if (all) {
        out.push(...this.star(all, scope));
        continue;
      }
      const alias = item.columnAlias();
      const aliasId = alias?.children?.filter((c) => c instanceof ParserRuleContext).pop();
      const aliasName = aliasId ? unquoteIdent(aliasId.getText()) : undefined;
      const lit = item.selectLiteralColumnName();
      if (lit) {
        const p = parts(lit);
        const r = this.resolveColumn(p, scope);
        const name = aliasName ?? p[p.length - 1]!;
        if (r?.item.lookup) {
          const m = maskedRef(r.item.lookup.protection, r.item.lookup.alias, r.col.name);
          if (m)
            this.rw.replace(lit.start!.tokenIndex, lit.stop!.tokenIndex, alias ? m : `${m} AS ${quoteIdent(name)}`);
        }
        out.push({
          name,
          sources: r
            ? r.col.sources.map((s) => ({
                ...s,
                masked:
                  s.masked ||
                  Boolean(r.item.lookup && maskedRef(r.item.lookup.protection, r.item.lookup.alias, r.col.name)),
              }))
            : [],
        });
        continue;
      }
      const refs: Src[] = [];
      for (const c of item.children ?? [])
        if (c !== alias && c instanceof ParserRuleContext) this.walkExpressions(c, ctes, scope, refs);
      out.push({ name: aliasName ?? `EXPR$${n - 1}`, sources: refs });
    }
    return out;
  }

  private star(all: TableAllColumnsContext, scope: Scope): Col[] {
    const q = all.identifier().map((i) => unquoteIdent(i.getText()));
    const items = q.length
      ? scope.items.filter((i) => i.alias?.toLowerCase() === q[q.length - 1]!.toLowerCase())
      : scope.items;
    for (const i of items) {
      if (i.lookup?.protection.masks.size) {
        this.error(
          'security/unenforceable',
          `SELECT ${all.getText()} reads the masked columns of ${pathText(i.lookup.protection.def.path)} through a lookup join, where flinkops masks each column where it is named`,
          this.originOf(all),
          'list the columns instead of *',
        );
      }
    }
    return items.flatMap((i) => i.columns);
  }

  // ---------------------------------------------------------------- FROM

  private tableExpression(te: TableExpressionContext, ctes: Map<string, Relation>, scope: Scope): void {
    for (const c of te.children ?? []) {
      if (c instanceof TableExpressionContext) this.tableExpression(c, ctes, scope);
      else if (c instanceof TableReferenceContext) this.tableReference(c, ctes, scope);
      else if (c instanceof WindowTVFClauseContext) this.windowTvf(c, ctes, scope);
      else if (c instanceof JoinConditionContext) this.walkExpressions(c, ctes, scope, []);
      else if (c instanceof ParserRuleContext) this.walkExpressions(c, ctes, scope, []);
    }
  }

  private tableReference(tr: TableReferenceContext, ctes: Map<string, Relation>, scope: Scope): void {
    const primary = tr.tablePrimary();
    const aliasCtx = tr.tableAlias();
    const alias = aliasCtx ? unquoteIdent(aliasCtx.identifier().getText()) : undefined;
    const renamed = aliasCtx?.identifierList()
      ? aliasCtx
          .identifierList()!
          .getText()
          .replace(/^\(|\)$/g, '')
          .split(',')
          .map(unquoteIdent)
      : undefined;
    const rename = (cols: Col[]) =>
      renamed ? cols.map((c, i) => ({ name: renamed[i] ?? c.name, sources: c.sources })) : cols;
    const pathCtx = primary.tablePath() ?? primary.viewPath();
    if (pathCtx) {
      this.handled.add(pathCtx);
      const p = parts(pathCtx);
      const last = p[p.length - 1]!;
      const cte = p.length === 1 ? ctes.get(last.toLowerCase()) : undefined;
      if (cte) {
        scope.items.push({ alias: alias ?? last, columns: rename(cte.columns) });
        return;
      }
      const def = this.resolve(p);
      const hint = this.hintAfter(primary.stop!.tokenIndex);
      const prot = def ? this.protection(def, hint?.options) : this.unknownTable(p, pathCtx, hint?.options);
      if (def?.kind === 'view') {
        scope.items.push({
          alias: alias ?? last,
          columns: rename(this.viewRelations.get(key(def.path))?.columns ?? []),
        });
        for (const t of this.viewInputs(def)) this.currentReads.add(t);
        return;
      }
      const effective = prot?.def ?? def;
      if (effective) this.currentReads.add(effective);
      const cols = (effective?.columns ?? []).map((c) => ({
        name: c.name,
        sources: [
          {
            def: effective!,
            column: c.name,
            masked: Boolean(
              prot?.masks.get(c.name.toLowerCase()) && prot.masks.get(c.name.toLowerCase())!.mask.type !== 'MASK_NONE',
            ),
          },
        ],
      }));
      const period = primary.systemTimePeriod();
      if (prot && !prot.broken) {
        if (period) {
          this.lookupJoin(tr, prot, alias ?? last);
          scope.items.push({
            alias: alias ?? last,
            columns: rename(cols),
            lookup: { protection: prot, alias: alias ?? last },
          });
          this.walkExpressions(period, ctes, scope, []);
          return;
        }
        const pathSql = text(this.parsed, pathCtx);
        const stop = hint ? hint.tokenIndex : pathCtx.stop!.tokenIndex;
        const replacement = `(${protectedSelect(prot, pathSql, hint?.text)})${alias ? '' : ` AS ${quoteIdent(last)}`}`;
        this.rw.replace(pathCtx.start!.tokenIndex, stop, replacement);
        this.record(prot, pathCtx, 'subquery');
      }
      if (period) this.walkExpressions(period, ctes, scope, []);
      scope.items.push({ alias: alias ?? last, columns: rename(cols) });
      return;
    }
    const sub = primary.atomExpressionTable();
    if (sub) {
      const q = collectShallow(sub, QueryStatementContext)[0];
      const rel = q ? this.query(q, ctes, scope) : { columns: [] };
      if (q) for (const t of this.inputsOf(rel)) this.currentReads.add(t);
      scope.items.push({ alias, columns: rename(rel.columns) });
      return;
    }
    const fn = primary.atomFunctionTable();
    const refs: Src[] = [];
    this.walkExpressions(fn ?? primary, ctes, scope, refs);
    scope.items.push({ alias, columns: (renamed ?? []).map((name) => ({ name, sources: refs })) });
  }

  /** `dim FOR SYSTEM_TIME AS OF t.proc AS d`: Flink needs the table itself there — the filter goes into ON, masks where columns are named. */
  private lookupJoin(tr: TableReferenceContext, prot: Protection, alias: string): void {
    const filter = qualifiedFilter(prot, alias);
    if (filter) {
      let join: ParserRuleContext | null = tr.parent;
      while (join instanceof TableExpressionContext && !join.joinCondition()) join = join.parent;
      const cond = join instanceof TableExpressionContext ? join.joinCondition() : null;
      const expr = cond?.booleanExpression();
      if (!cond || !expr) {
        this.error(
          'security/unenforceable',
          `the row filter of ${pathText(prot.def.path)} (policy ${prot.policies.map((p) => p.spec.name).join(', ')}) cannot be enforced on this temporal join: it has no ON condition to carry it`,
          this.originOf(tr),
          'write the join with ON <condition>',
        );
        return;
      }
      this.rw.insertBefore(expr.start!.tokenIndex, '(');
      this.rw.insertAfter(expr.stop!.tokenIndex, `) AND ${filter}`);
    }
    const pathCtx = tr.tablePrimary().tablePath() ?? tr.tablePrimary().viewPath()!;
    this.record(prot, pathCtx, 'lookup-join');
  }

  /** `TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), …))`: the window TVF needs a table name — read a temporary view that enforces the policies. */
  private windowTvf(w: WindowTVFClauseContext, ctes: Map<string, Relation>, scope: Scope): void {
    const params = collect(w, WindowTVFParamContext);
    let base: Col[] = [];
    let descriptor: string | undefined;
    for (const p of params) {
      const d = p.columnDescriptor();
      if (d)
        descriptor = unquoteIdent(
          collect(d, ParserRuleContext)
            .find((x) => x.ruleIndex === FlinkSqlParser.RULE_columnName)
            ?.getText() ?? '',
        );
    }
    for (const p of params) {
      const t = p.timeAttrColumn();
      if (!t) {
        this.walkExpressions(p, ctes, scope, []);
        continue;
      }
      this.handled.add(t);
      const name = parts(t);
      const last = name[name.length - 1]!;
      const cte = name.length === 1 ? ctes.get(last.toLowerCase()) : undefined;
      if (cte) {
        base = cte.columns;
        continue;
      }
      const def = this.resolve(name);
      if (def?.kind === 'view') {
        base = this.viewRelations.get(key(def.path))?.columns ?? [];
        for (const x of this.viewInputs(def)) this.currentReads.add(x);
        continue;
      }
      const prot = def ? this.protection(def) : this.unknownTable(name, t);
      if (def) this.currentReads.add(def);
      base = (def?.columns ?? []).map((c) => ({
        name: c.name,
        sources: [
          {
            def: def!,
            column: c.name,
            masked: Boolean(
              prot?.masks.get(c.name.toLowerCase()) && prot.masks.get(c.name.toLowerCase())!.mask.type !== 'MASK_NONE',
            ),
          },
        ],
      }));
      if (prot && !prot.broken) {
        const m = descriptor ? prot.masks.get(descriptor.toLowerCase()) : undefined;
        if (m && m.mask.type !== 'MASK_NONE') {
          this.error(
            'security/unenforceable',
            `policy ${m.policies.join(', ')} masks "${m.column.name}", the time attribute of this window: a masked value is no time attribute`,
            this.originOf(t),
            'window on another time column, or ask the security team to drop the mask of the time column',
          );
          continue;
        }
        const view = `__flinkops_${last.replace(/[^A-Za-z0-9_]/g, '_')}_${++this.viewCount}`;
        this.injected.push(
          `CREATE TEMPORARY VIEW ${quoteIdent(view)} AS ${protectedSelect(prot, text(this.parsed, t))}`,
        );
        this.rw.replace(t.start!.tokenIndex, t.stop!.tokenIndex, quoteIdent(view));
        this.record(prot, t, 'view');
      }
    }
    const src = base.find((c) => c.name.toLowerCase() === descriptor?.toLowerCase())?.sources ?? [];
    scope.items.push({
      columns: [...base, ...['window_start', 'window_end', 'window_time'].map((name) => ({ name, sources: src }))],
    });
  }

  // ---------------------------------------------------------------- expressions

  /** Walks an expression: nested queries are analysed (and rewritten), column references resolved (and masked for lookup joins). */
  private walkExpressions(n: ParseTree, ctes: Map<string, Relation>, scope: Scope, refs: Src[]): void {
    if (n instanceof QueryStatementContext) {
      const rel = this.query(n, ctes, scope);
      for (const t of this.inputsOf(rel)) this.currentReads.add(t);
      for (const c of rel.columns) refs.push(...c.sources);
      return;
    }
    if (n instanceof ColumnReferenceContext) {
      const p = parts(n);
      const r = this.resolveColumn(p, scope);
      if (r) {
        const m = r.item.lookup ? maskedRef(r.item.lookup.protection, r.item.lookup.alias, r.col.name) : undefined;
        if (m) this.rw.replace(n.start!.tokenIndex, n.stop!.tokenIndex, `(${m})`);
        refs.push(...r.col.sources.map((s) => (m ? { ...s, masked: true } : s)));
      }
      return;
    }
    if (n instanceof TableExpressionContext) {
      this.tableExpression(n, ctes, scope);
      return;
    }
    if (n instanceof ParserRuleContext) for (const c of n.children ?? []) this.walkExpressions(c, ctes, scope, refs);
  }

  private resolveColumn(p: string[], scope: Scope | undefined): { item: FromItem; col: Col } | undefined {
    for (let s = scope; s; s = s.parent) {
      if (p.length >= 2) {
        const item = s.items.find((i) => i.alias?.toLowerCase() === p[0]!.toLowerCase());
        const col = item?.columns.find((c) => c.name.toLowerCase() === p[1]!.toLowerCase());
        if (item && col) return { item, col };
      }
      for (const item of s.items) {
        const col = item.columns.find((c) => c.name.toLowerCase() === p[0]!.toLowerCase());
        if (col) return { item, col };
      }
    }
    return undefined;
  }

  // ---------------------------------------------------------------- policies

  private protection(def: TableDef, hintOptions?: Record<string, string>): Protection | undefined {
    const effective = hintOptions ? { ...def, options: { ...def.options, ...hintOptions } } : def;
    const k = `${key(def.path)}\0${JSON.stringify(hintOptions ?? {})}\0${def.origin?.file}:${def.origin?.line}`;
    if (!this.protections.has(k)) {
      this.protections.set(
        k,
        protect(effective, this.input.policies, (d) =>
          this.diagnostics.push({ ...d, job: this.input.jobId, message: d.message }),
        ),
      );
    }
    return this.protections.get(k);
  }

  /** A table the job reads but nobody declared (a catalog table platform/catalogs/ does not describe): protected by name only. */
  private unknownTable(
    p: string[],
    at: ParserRuleContext,
    hintOptions?: Record<string, string>,
  ): Protection | undefined {
    const def: TableDef = {
      kind: 'catalog-table',
      path: this.qualify(p),
      options: hintOptions ?? {},
      origin: this.originOf(at),
    };
    return this.protection(def);
  }

  private viewInputs(def: TableDef): Set<TableDef> {
    const rel = this.viewRelations.get(key(def.path));
    const out = new Set<TableDef>();
    for (const c of rel?.columns ?? []) for (const s of c.sources) out.add(s.def);
    return out;
  }

  private record(p: Protection, at: ParserRuleContext, how: AppliedPolicy['how']): void {
    const masks: Record<string, string> = {};
    for (const m of [...p.masks.values()].sort((a, b) => (a.column.name < b.column.name ? -1 : 1)))
      masks[m.column.name] = m.mask.type === 'CUSTOM' ? `CUSTOM: ${m.mask.expression}` : m.mask.type;
    this.applied.push({
      policies: p.policies.map((x) => x.spec.name),
      table: pathText(p.def.path),
      source: physicalIdentity(p.def),
      at: this.originOf(at),
      how,
      ...(p.filters.length ? { rowFilter: p.filters.map((f) => `(${f.expr.text})`).join(' AND ') } : {}),
      masks,
    });
  }

  /** Every table name the rewrite did not handle must not be a protected read. */
  private safetyNet(tree: ParseTree): void {
    const visit = (n: ParseTree) => {
      if (
        (n instanceof TablePathContext ||
          n instanceof ViewPathContext ||
          (n instanceof TimeAttrColumnContext && n.parent instanceof WindowTVFParamContext)) &&
        !this.handled.has(n)
      ) {
        const parent = n.parent;
        const benign = parent instanceof ParserRuleContext && BENIGN_PARENTS.has(parent.ruleIndex);
        if (!benign) {
          const def = this.resolve(parts(n));
          const prot = def ? this.protection(def) : undefined;
          if (prot)
            this.error(
              'security/unenforceable',
              `flinkops cannot enforce ${prot.policies.map((p) => `"${p.spec.name}"`).join(', ')} on this reference to ${pathText(prot.def.path)} (${parent instanceof ParserRuleContext ? ruleName(parent) : 'statement'})`,
              this.originOf(n),
              'read the table in a FROM clause, a join, a view or a window TVF',
            );
        }
      }
      if (n instanceof ParserRuleContext) for (const c of n.children ?? []) visit(c);
    };
    visit(tree);
  }

  /** Does the statement text name a protected table (for statements the grammar cannot read)? */
  private protectedMentioned(stmt: string): string | undefined {
    const lower = stmt.toLowerCase();
    for (const [k, p] of this.protections) {
      if (!p) continue;
      const name = p.def.path[2].toLowerCase();
      if (new RegExp(`(^|[^a-z0-9_])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-z0-9_])`).test(lower))
        return pathText(p.def.path);
      void k;
    }
    for (const pol of this.input.policies) {
      for (const [k, v] of Object.entries(pol.spec.resource)) {
        if (k === 'connector') continue;
        if (
          lower.includes(`'${v.toLowerCase()}'`) ||
          (k === 'table' &&
            new RegExp(
              `(^|[^a-z0-9_])${v
                .split('.')
                .pop()!
                .toLowerCase()
                .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-z0-9_])`,
            ).test(lower))
        )
          return `a source of policy "${pol.spec.name}"`;
      }
    }
    return undefined;
  }

  private hintAfter(
    tokenIndex: number,
  ): { text: string; tokenIndex: number; options: Record<string, string> } | undefined {
    const tokens = this.parsed.tokens.getTokens();
    for (let i = tokenIndex + 1; i < tokens.length; i++) {
      const t: Token = tokens[i]!;
      if (t.channel === 0) return undefined;
      const s = t.text ?? '';
      if (s.startsWith('/*+')) {
        const options: Record<string, string> = {};
        const m = s.match(/OPTIONS\s*\(([\s\S]*)\)/i);
        if (m)
          for (const kv of m[1]!.matchAll(/'((?:[^']|'')*)'\s*=\s*'((?:[^']|'')*)'/g))
            options[kv[1]!.replaceAll("''", "'")] = kv[2]!.replaceAll("''", "'");
        return { text: s, tokenIndex: i, options };
      }
    }
    return undefined;
  }

  // ---------------------------------------------------------------- positions

  private originAt(offsetInStatement: number): Origin {
    return this.input.sql.fileOf(this.statement).origin(this.statement.start + offsetInStatement);
  }

  private originOf(n: ParserRuleContext): Origin {
    return this.originAt(n.start && n.start.start >= 0 ? this.parsed.offsetOf(n.start.start) : 0);
  }

  private statementStart(): Origin {
    return this.originAt(0);
  }

  private error(rule: string, message: string, at: Origin, hint: string): void {
    this.diagnostics.push({ severity: 'error', rule, message, hint, ...at, job: this.input.jobId });
  }
}

/**
 * The same statement text recurs across environments (variables often only change WITH options):
 * keep the last few parses. Trees are read-only here — each rewrite has its own TokenStreamRewriter.
 */
const recentParses = new Map<string, ParsedSql>();
function parsedStatement(text: string): ParsedSql {
  let p = recentParses.get(text);
  if (!p) {
    p = parseFlinkSql(text);
    if (recentParses.size >= 32) recentParses.delete(recentParses.keys().next().value!);
    recentParses.set(text, p);
  }
  return p;
}

function wordIn(text: string, word: string): boolean {
  let i = text.indexOf(word);
  while (i >= 0) {
    const before = text[i - 1];
    const after = text[i + word.length];
    if ((before === undefined || !/[a-z0-9_]/.test(before)) && (after === undefined || !/[a-z0-9_]/.test(after)))
      return true;
    i = text.indexOf(word, i + 1);
  }
  return false;
}

function key(path: readonly string[]): string {
  return path.map((p) => p.toLowerCase()).join('\0');
}

/** The identifiers of a dotted name, unquoted. */
function parts(n: ParserRuleContext): string[] {
  const out: string[] = [];
  const visit = (c: ParseTree) => {
    if (c instanceof TerminalNode) {
      if (c.getText() !== '.') out.push(unquoteIdent(c.getText()));
      return;
    }
    if (c instanceof ParserRuleContext) {
      if (IDENTIFIERS.has(c.ruleIndex) && c.children?.length) {
        out.push(unquoteIdent(c.getText()));
        return;
      }
      for (const x of c.children ?? []) visit(x);
    }
  };
  visit(n);
  return out;
}

function columnList(n: ColumnNameListContext): string[] {
  return collect(n, ParserRuleContext)
    .filter((c) => c.ruleIndex === FlinkSqlParser.RULE_columnName)
    .map((c) => unquoteIdent(c.getText()));
}

/** The node's original text (spacing included). */
function text(parsed: ParsedSql, n: ParserRuleContext): string {
  return parsed.tokens.getText(n.start!, n.stop!);
}

function collect<T extends ParserRuleContext>(n: ParseTree, type: abstract new (...a: never[]) => T): T[] {
  const out: T[] = [];
  const visit = (c: ParseTree) => {
    if (c instanceof type) out.push(c as T);
    if (c instanceof ParserRuleContext) for (const x of c.children ?? []) visit(x);
  };
  for (const c of n instanceof ParserRuleContext ? (n.children ?? []) : []) visit(c);
  return out;
}

/** Descendants of a type, not looking inside nested queries. */
function collectShallow<T extends ParserRuleContext>(n: ParseTree, type: abstract new (...a: never[]) => T): T[] {
  const out: T[] = [];
  const visit = (c: ParseTree) => {
    if (c instanceof type) {
      out.push(c as T);
      return;
    }
    if (c instanceof QueryStatementContext) return;
    if (c instanceof ParserRuleContext) for (const x of c.children ?? []) visit(x);
  };
  for (const c of n instanceof ParserRuleContext ? (n.children ?? []) : []) visit(c);
  return out;
}

function dedupeSources(list: Src[]): SourceColumn[] {
  const seen = new Map<string, SourceColumn>();
  for (const s of list) {
    const k = `${pathText(s.def.path)}\0${s.column}`;
    const prev = seen.get(k);
    if (prev) prev.masked = prev.masked || s.masked;
    else
      seen.set(k, { table: pathText(s.def.path), source: physicalIdentity(s.def), column: s.column, masked: s.masked });
  }
  return [...seen.values()].sort((a, b) => (`${a.table}\0${a.column}` < `${b.table}\0${b.column}` ? -1 : 1));
}

export type { TableDef };
void ViewPathCreateContext;
void TablePathCreateContext;
