import { resolveJob, type EffectiveJob } from './config.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { CatalogSpec, Job, Repo } from '../repo/model.js';
import { secureSql, withStatements, type AppliedPolicy, type InsertLineage } from '../security/index.js';
import { substitute } from '../vars/substitute.js';
import { runVarPlaceholder } from '../vars/runVars.js';
import { JobSql, type Statement } from '../sql/script.js';

/**
 * The SQL a job really runs in one environment: variables substituted and (with the security
 * stage) policies enforced, plus the platform catalogs it uses. `preview`, `render` and
 * `validate --deep` all start from this.
 */
export interface EffectiveSql {
  job: EffectiveJob;
  sql: JobSql;
  statements: Statement[];
  /** Platform catalogs the SQL refers to, with `${var}` in their options substituted. */
  catalogs: CatalogSpec[];
  diagnostics: Diagnostic[];
  /** Where the data-security policies were enforced (see lib/security). */
  policies?: AppliedPolicy[];
  /** Per INSERT: sink, sources, column lineage (only with `{ lineage: true }`). */
  lineage?: InsertLineage[];
  /** False when a policy could not be enforced: then `statements` is empty and `diagnostics` says why. */
  secured?: boolean;
  /** The statements as written (variables substituted), before the security rewrite. */
  sourceStatements?: Statement[];
}

export function effectiveSql(
  repo: Repo,
  job: Job,
  env: string,
  options: { lineage?: boolean; runVars?: 'defaults' | 'placeholders' } = {},
): EffectiveSql | undefined {
  const { effective, diagnostics } = resolveJob(repo, job, env);
  if (effective?.type !== 'sql') return undefined;
  // The script a cluster runs keeps `${run:NAME}` for the runner; validation and preview use the defaults.
  const runVars = Object.keys(job.job?.spec.runVars ?? {});
  const vars =
    options.runVars === 'placeholders' && runVars.length
      ? { ...effective.vars, ...Object.fromEntries(runVars.map((n) => [n, runVarPlaceholder(n)])) }
      : effective.vars;
  const source = new JobSql(job.sql, vars);
  const catalogs = catalogsUsed(repo, source, env, effective.vars);
  // Fail closed: when a policy cannot be enforced, no statement leaves this function.
  const secured = secureSql(repo, job, env, source, options);
  const sql = secured.statements === source.statements ? source : withStatements(source, secured.statements);
  return {
    job: effective,
    sql,
    statements: sql.statements,
    catalogs,
    diagnostics: [...diagnostics, ...secured.diagnostics],
    policies: secured.applied,
    ...(options.lineage ? { lineage: secured.lineage } : {}),
    secured: secured.ok,
    sourceStatements: source.statements,
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
