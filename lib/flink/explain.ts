import { createHash } from 'node:crypto';
import { ResultStore } from '../cache/store.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { StatementLineage } from '../lineage/openlineage.js';
import type { Origin } from '../repo/model.js';
import type { JobPolicies } from '../security/index.js';
import type { EffectiveSql } from '../resolve/sql.js';
import { helperConfig, toHelperCatalogs } from './deep.js';
import { FlinkHelper, helperOrigin, helperSql, type HelperDiagnostic } from './helper.js';
import { FlinkUnavailable, launchFor } from './launch.js';
import { helperSources } from './sources.js';

/** Where the enforcer applied policies, as Flink's helper reports it for one statement. */
export interface AppliedPolicy {
  at: Origin;
  table: string;
  /** The source's physical identity (e.g. kafka://crm.customers). */
  source: string;
  policies: string[];
  rowFilters: string[];
  masks: Record<string, string>;
}

export interface FlinkExplain {
  applied: AppliedPolicy[];
  /** Calcite's text of each query after enforcement. */
  plans: { at: Origin; plan: string }[];
  lineage: StatementLineage[];
  diagnostics: Diagnostic[];
}

interface ExplainResponse {
  jobs?: {
    job?: string;
    diagnostics: HelperDiagnostic[];
    statements?: {
      policies?: Omit<AppliedPolicy, 'at'>[];
      enforcedPlans?: string[];
      lineage?: Omit<StatementLineage, 'at'>[];
    }[];
  }[];
  error?: string;
}

/**
 * `sql explain`: the job validated by its own Flink release with its policies — where each policy
 * was applied (the enforcer's report), the enforced plans and the column lineage of its INSERTs.
 */
export async function explainInFlink(eff: EffectiveSql, log?: (line: string) => void): Promise<FlinkExplain> {
  const out = await explainJobsInFlink([{ key: eff.job.id, eff }], log);
  return out.get(eff.job.id)!;
}

/** One job to explain: `policies` replaces the job's own (the site's probe of what every policy binds). */
export interface ExplainUnit {
  key: string;
  eff: EffectiveSql;
  policies?: JobPolicies;
}

/**
 * The same for many jobs (the site's catalog): one JVM per Flink release, one request for all of
 * its jobs. Throws FlinkUnavailable when Java or the helper is missing.
 */
export async function explainJobsInFlink(
  units: readonly ExplainUnit[],
  log?: (line: string) => void,
): Promise<Map<string, FlinkExplain>> {
  const byRelease = new Map<string, ExplainUnit[]>();
  for (const u of units) {
    const release = u.eff.job.version?.flink;
    if (!release) throw new Error(`job ${u.eff.job.id} has no known Flink version`);
    byRelease.set(release, [...(byRelease.get(release) ?? []), u]);
  }
  const out = new Map<string, FlinkExplain>();
  const cache = answerCache();
  for (const [release, group] of [...byRelease].sort(([a], [b]) => a.localeCompare(b))) {
    const requests = group.map(({ key, eff, policies = eff.policies ?? catalogsOnly(eff) }) => ({
      job: key,
      statements: eff.statements.map((s) => ({ sql: helperSql(s.text) })),
      catalogs: toHelperCatalogs(eff.catalogs),
      config: helperConfig(eff),
      lineage: true,
      ...(policies ? { security: policies } : {}),
    }));
    const keys = requests.map((r) => cache && answerKey(cache.helper, release, r));
    const answers = new Map<string, JobAnswer>();
    requests.forEach((r, i) => {
      const hit = keys[i] && cache?.store.get(keys[i]);
      if (hit) answers.set(r.job, { ...hit, job: r.job });
    });
    const missing = requests.flatMap((r, i) => (answers.has(r.job) ? [] : [i]));
    let error: string | undefined;
    if (missing.length) {
      const helper = new FlinkHelper(launchFor(release, log));
      try {
        const r = await helper.request<ExplainResponse>({ op: 'validate', jobs: missing.map((i) => requests[i]) });
        error = r.error;
        for (const j of r.jobs ?? []) if (j.job) answers.set(j.job, j);
      } finally {
        await helper.close();
      }
      if (!error && cache)
        for (const i of missing) {
          const a = answers.get(requests[i]!.job);
          if (a && keys[i] && !a.diagnostics.some((d) => d.kind === 'internal'))
            cache.store.set(keys[i], { ...a, job: undefined });
        }
    }
    for (const u of group) out.set(u.key, readAnswer(u.eff, release, error, answers.get(u.key)));
  }
  cache?.store.save();
  return out;
}

type JobAnswer = NonNullable<ExplainResponse['jobs']>[number];

/**
 * The helper's answers by the bytes of the question: the same statements, catalogs, configuration
 * and policies asked of the same release, built from the same helper sources, get the same answer
 * (the site's second build asks Flink only about what changed). No cache outside an installation.
 */
function answerCache(): { store: ResultStore<JobAnswer>; helper: string } | undefined {
  try {
    return { store: ResultStore.open<JobAnswer>('explain').store, helper: helperSources() };
  } catch (e) {
    if (e instanceof FlinkUnavailable) return undefined;
    throw e;
  }
}

function answerKey(helper: string, release: string, request: { job: string }): string {
  const { job: _name, ...question } = request;
  return createHash('sha256')
    .update(helper)
    .update('\0')
    .update(release)
    .update('\0')
    .update(JSON.stringify(question))
    .digest('hex');
}

/**
 * No policy applies: the enforcer has nothing to do, but lineage still names catalog tables by their
 * storage (`paimon://<warehouse>/db.table`), so the catalogs' options go along.
 */
function catalogsOnly(eff: EffectiveSql): JobPolicies {
  return {
    job: eff.job.id,
    policies: [],
    catalogs: eff.catalogs.map((c) => ({
      name: c.name,
      type: c.type,
      options: Object.fromEntries(Object.entries(c.options ?? {}).map(([k, v]) => [k, String(v)])),
    })),
    unpoliced: true,
  };
}

function readAnswer(
  eff: EffectiveSql,
  release: string,
  error: string | undefined,
  job: NonNullable<ExplainResponse['jobs']>[number] | undefined,
): FlinkExplain {
  const out: FlinkExplain = { applied: [], plans: [], lineage: [], diagnostics: [] };
  const fallback = { file: eff.sql.files[0]?.source.file ?? '', line: 1, column: 1 };
  if (error || !job) {
    out.diagnostics.push({
      severity: 'error',
      rule: 'sql/flink-internal',
      message: error ?? 'no answer',
      ...fallback,
    });
    return out;
  }
  job.statements?.forEach((s, i) => {
    const st = eff.statements[i]!;
    const at = eff.sql.fileOf(st).origin(st.start);
    for (const p of s.policies ?? []) out.applied.push({ at, ...p });
    for (const plan of s.enforcedPlans ?? []) out.plans.push({ at, plan });
    for (const l of s.lineage ?? []) out.lineage.push({ at, ...l });
  });
  for (const d of job.diagnostics) {
    const st = d.statement !== undefined ? eff.statements[d.statement] : undefined;
    const where = st
      ? d.line !== undefined
        ? helperOrigin(eff.sql, st, d.line, d.column)
        : eff.sql.fileOf(st).origin(st.start)
      : fallback;
    out.diagnostics.push({
      severity: d.severity === 'warning' ? 'warning' : 'error',
      rule: d.kind === 'security' ? 'security/unenforceable' : `sql/flink-${d.kind ?? 'validation'}`,
      message: `Flink ${release}: ${d.message}`,
      ...where,
      job: eff.job.id,
    });
  }
  return out;
}
