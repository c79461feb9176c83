import { resolveJob, type EffectiveJob } from './config.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { CatalogSpec, Job, Repo } from '../repo/model.js';
import { jobSecurity, type JobPolicies } from '../security/index.js';
import { substitute } from '../vars/substitute.js';
import { runVarPlaceholder } from '../vars/runVars.js';
import { JobSql, type Statement } from '../sql/script.js';

/**
 * The SQL a job really runs in one environment: variables substituted, the platform catalogs it
 * uses and the data-security policies that apply to it. The policies are enforced inside Flink's
 * planner (the helper for `validate --deep`, `preview`, `sql explain` and plan; the SQL runner in
 * production), never by editing the SQL.
 */
export interface EffectiveSql {
  job: EffectiveJob;
  sql: JobSql;
  statements: Statement[];
  /** Platform catalogs the SQL refers to, with `${var}` in their options substituted. */
  catalogs: CatalogSpec[];
  diagnostics: Diagnostic[];
  /** The policies the enforcer applies to this job; undefined when none applies. */
  policies?: JobPolicies;
  /** False when the policy files are invalid: then `statements` is empty (fail closed) and `diagnostics` says why. */
  secured: boolean;
}

export function effectiveSql(
  repo: Repo,
  job: Job,
  env: string,
  options: { runVars?: 'defaults' | 'placeholders' } = {},
): EffectiveSql | undefined {
  const { effective, diagnostics } = resolveJob(repo, job, env);
  if (effective?.type !== 'sql') return undefined;
  // The script a cluster runs keeps `${run:NAME}` for the runner; validation and preview use the defaults.
  const runVars = Object.keys(job.job?.spec.runVars ?? {});
  const vars =
    options.runVars === 'placeholders' && runVars.length
      ? { ...effective.vars, ...Object.fromEntries(runVars.map((n) => [n, runVarPlaceholder(n)])) }
      : effective.vars;
  const sql = new JobSql(job.sql, vars);
  const catalogs = catalogsUsed(repo, sql, env, effective.vars);
  const security = jobSecurity(repo, job, env, effective.vars);
  return {
    job: effective,
    sql,
    // Fail closed: with unreadable policy files no statement leaves this function.
    statements: security.ok ? sql.statements : [],
    catalogs,
    diagnostics: [...diagnostics, ...security.diagnostics],
    ...(security.policies ? { policies: security.policies } : {}),
    secured: security.ok,
  };
}

/** Catalogs whose name the SQL uses as an identifier (`cat.db.table`, `USE CATALOG cat`). */
export function catalogsUsed(repo: Repo, sql: JobSql, env: string, vars: Record<string, string>): CatalogSpec[] {
  const text = sql.statements.map((s) => s.text).join('\n');
  const out: CatalogSpec[] = [];
  for (const file of repo.platform.catalogs) {
    for (const c of file.spec.catalogs ?? []) {
      if (c.envs && !c.envs.includes(env)) continue;
      if (!usesCatalog(text, c.name)) continue;
      const options = Object.fromEntries(
        Object.entries(c.options ?? {}).map(([k, v]) => [k, substitute(String(v), vars).text]),
      );
      out.push({ ...c, options });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Does SQL text name the catalog as an identifier (`cat.db.table`, `USE CATALOG cat`)? */
export function usesCatalog(text: string, name: string): boolean {
  return new RegExp(`(^|[^A-Za-z0-9_\`])\`?${name}\`?\\s*\\.|CATALOG\\s+\`?${name}\\b`, 'i').test(text);
}

/** `CREATE CATALOG` statements for the runner: the platform's catalogs, then the job's own SQL. */
export function catalogDdl(catalogs: CatalogSpec[]): string {
  return catalogs
    .map((c) => {
      const options: Record<string, string> = {
        type: c.type === 'generic_in_memory' ? 'generic_in_memory' : c.type,
        ...Object.fromEntries(Object.entries(c.options ?? {}).map(([k, v]) => [k, String(v)])),
      };
      if (c.defaultDatabase && !('default-database' in options)) options['default-database'] = c.defaultDatabase;
      const body = Object.keys(options)
        .sort()
        .map((k) => `  '${k.replaceAll("'", "''")}' = '${options[k]!.replaceAll("'", "''")}'`)
        .join(',\n');
      return `CREATE CATALOG \`${c.name}\` WITH (\n${body}\n);\n`;
    })
    .join('');
}
