import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Job, Repo } from '../repo/model.js';
import { JobSql, type Statement } from '../sql/script.js';
import { appliesTo, loadPolicies, principalsOf, type LoadedPolicy } from './policy.js';
import { rewriteJob, type AppliedPolicy, type InsertLineage } from './rewrite.js';
import { catalogTables, defaultDatabaseOf, optionMatches, resourceMatches } from './tables.js';

export type { AppliedPolicy, InsertLineage, SourceColumn } from './rewrite.js';
export { loadPolicies, principalsOf, appliesTo } from './policy.js';

/** A job's SQL with its data-security policies enforced. */
export interface SecuredSql {
  /** The effective statements (policies enforced); empty when `ok` is false — nothing unprotected leaves this stage. */
  statements: Statement[];
  /** Where each policy was enforced. */
  applied: AppliedPolicy[];
  /** The policies that apply to this job's principals. */
  policies: string[];
  principals: string[];
  diagnostics: Diagnostic[];
  lineage: InsertLineage[];
  ok: boolean;
}

export interface SecureOptions {
  /** Compute column lineage (sql explain); validation and rendering only enforce. */
  lineage?: boolean;
}

const cache = new Map<string, SecuredSql>();

/**
 * Enforces the policies of platform/policies/ on a job's SQL. A job no policy could touch is
 * returned as it is without parsing (the common case, and what keeps `validate` fast).
 */
export function secureSql(repo: Repo, job: Job, env: string, sql: JobSql, options: SecureOptions = {}): SecuredSql {
  const principals = principalsOf(repo, job.team);
  const all = loadPolicies(repo);
  const policies = all.filter((p) => appliesTo(p.spec, principals));
  const invalid = repo.platform.policies.filter((p) => !p.valid);
  const base = { principals, policies: policies.map((p) => p.spec.name), applied: [], lineage: [] };
  if (invalid.length) {
    const diagnostics: Diagnostic[] = invalid.map((f) => ({
      severity: 'error',
      rule: 'security/unenforceable',
      message: `${f.yaml.file} does not pass its schema, so its policies cannot be enforced: no job's SQL is rendered until it is fixed`,
      hint: 'fix the errors reported for this file',
      file: f.yaml.file,
      line: 1,
      column: 1,
      job: job.id,
    }));
    return { ...base, statements: [], diagnostics, ok: false };
  }
  const tables = catalogTables(repo, env);
  if (!options.lineage && !mayBeAffected(sql, policies, tables)) {
    return { ...base, statements: sql.statements, diagnostics: [], ok: true };
  }
  const key = `${job.id}\0${env}\0${options.lineage ? 1 : 0}\0${JSON.stringify(policies.map((p) => p.spec))}\0${JSON.stringify(tables)}\0${sql.statements.map((s) => s.text).join('\0;')}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const r = rewriteJob({
    sql,
    jobId: job.id,
    policies,
    catalogTables: tables,
    defaultDatabaseOf: (c) => defaultDatabaseOf(repo, c),
    lineage: Boolean(options.lineage),
  });
  const ok = !r.diagnostics.some((d) => d.severity === 'error');
  const result: SecuredSql = {
    ...base,
    statements: ok ? r.statements : [],
    applied: r.applied,
    diagnostics: r.diagnostics,
    lineage: r.lineage,
    ok,
  };
  if (cache.size > 2000) cache.clear();
  cache.set(key, result);
  return result;
}

/**
 * A cheap over-approximation: could any applicable policy bind a table of this job? Looks at the
 * WITH options the syntax check already extracted and at table names; anything that can change a
 * table's options (LIKE, hints, patterns) counts as "maybe".
 */
function mayBeAffected(sql: JobSql, policies: LoadedPolicy[], tables: ReturnType<typeof catalogTables>): boolean {
  if (!policies.length) return false;
  const text = sql.statements
    .map((s) => s.text)
    .join('\n')
    .toLowerCase();
  if (text.includes('/*+') || /\blike\b/.test(text)) return true;
  const options = sql.files.flatMap((f) => f.analysis.options);
  for (const p of policies) {
    const r = p.spec.resource;
    const names = new Set<string>();
    if ('table' in r) names.add(r.table!.split('.').pop()!.toLowerCase());
    for (const t of tables) if (resourceMatches(r, t)) names.add(t.path[2].toLowerCase());
    for (const n of names)
      if (new RegExp(`(^|[^a-z0-9_])\`?${escapeRegExp(n)}\`?($|[^a-z0-9_])`).test(text)) return true;
    for (const [k, v] of Object.entries(r)) {
      if (k === 'connector' || k === 'table') continue;
      for (const o of options) {
        if (o.key === k && optionMatches(k, o.value, v, {})) return true;
        if (k === 'topic' && o.key === 'topic-pattern') return true;
      }
    }
  }
  return false;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The same JobSql (files, positions) with other statements: what `script()` and the callers read. */
export function withStatements(sql: JobSql, statements: Statement[]): JobSql {
  return Object.assign(Object.create(JobSql.prototype) as JobSql, sql, { statements });
}
