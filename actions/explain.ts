import { createHash } from 'node:crypto';
import { hasErrors } from '../lib/diagnostics/diagnostic.js';
import { formatDiagnostics } from '../lib/diagnostics/format/index.js';
import { explainInFlink } from '../lib/flink/explain.js';
import { toRunEvent } from '../lib/lineage/openlineage.js';
import { blockingDiagnostics } from '../lib/repo/blocking.js';
import { loadRepo } from '../lib/repo/load.js';
import { requireEnv, selectJob, UsageError } from '../lib/repo/select.js';
import { catalogDdl, effectiveSql } from '../lib/resolve/sql.js';
import type { ActionResult } from './result.js';

export interface ExplainOptions {
  repo: string;
  job: string;
  env: string | undefined;
  json: boolean;
  log?: (line: string) => void;
}

/**
 * `sql explain`: the effective SQL, and — from the job's own Flink release, which enforces the
 * policies on its plan — where each policy was applied, the enforced plans and the column lineage.
 */
export async function explain(options: ExplainOptions): Promise<ActionResult> {
  const { repo, diagnostics: loadDiagnostics } = loadRepo(options.repo);
  const env = requireEnv(repo, options.env);
  const job = selectJob(repo, options.job);
  const blocked = blockingDiagnostics('explain', loadDiagnostics, [job.id]);
  if (blocked.length) return { stdout: '', stderr: formatDiagnostics(blocked, 'text'), exitCode: 1 };
  const eff = effectiveSql(repo, job, env);
  if (!eff) throw new UsageError(`${job.id} is not a SQL job: sql explain explains SQL jobs`);
  const flink = eff.secured ? await explainInFlink(eff, options.log) : undefined;
  const diagnostics = [...eff.diagnostics, ...(flink?.diagnostics ?? [])];
  const secured = eff.secured && !diagnostics.some((d) => d.rule === 'security/unenforceable');
  const effective = catalogDdl(eff.catalogs) + eff.sql.script();
  const problems = diagnostics.length ? formatDiagnostics(diagnostics, 'text') : '';
  const exitCode = hasErrors(diagnostics) ? 1 : 0;
  const applied = flink?.applied ?? [];
  const masked = (table: string, column: string) =>
    applied.some((a) => a.table === table && Object.keys(a.masks).some((m) => m === column));
  const runId = uuidOf(`${job.id}\0${env}\0${effective}`);
  const lineage = toRunEvent(`flinkops://${eff.job.namespace}`, job.id, flink?.lineage ?? [], runId, masked);
  if (options.json) {
    const out = {
      job: job.id,
      env,
      secured,
      policies: applied,
      effectiveSql: secured ? effective : null,
      enforcedPlans: secured ? (flink?.plans ?? []) : null,
      lineage,
      diagnostics: hasErrors(diagnostics) ? diagnostics : undefined,
    };
    return { stdout: `${JSON.stringify(out, null, 2)}\n`, ...(problems ? { stderr: problems } : {}), exitCode };
  }
  const lines: string[] = [`# ${job.id} in ${env}`, ''];
  lines.push('## Policies applied (by the enforcer in Flink\u2019s planner)', '');
  if (!applied.length) lines.push('(none: no policy applies to what this job reads)');
  for (const p of applied) {
    lines.push(`${p.at.file}:${p.at.line}:${p.at.column}  ${p.table} = ${p.source}  ${p.policies.join(', ')}`);
    if (p.rowFilters.length) lines.push(`    row filter: ${p.rowFilters.map((f) => `(${f})`).join(' AND ')}`);
    const masks = Object.entries(p.masks);
    if (masks.length) lines.push(`    masks: ${masks.map(([c, m]) => `${c} ${m}`).join(', ')}`);
  }
  lines.push('');
  if (!secured) {
    lines.push('## Effective SQL', '', '(none: a policy cannot be enforced, see the errors)', '');
  } else {
    lines.push('## Effective SQL', '', effective);
    lines.push('## Enforced plans', '');
    if (!flink?.plans.length) lines.push('(no query reads a protected source)', '');
    for (const p of flink?.plans ?? []) lines.push(`${p.at.file}:${p.at.line}`, p.plan.trimEnd(), '');
  }
  lines.push('## Lineage', '');
  for (const l of flink?.lineage ?? []) {
    lines.push(`${l.at.file}:${l.at.line}  ${l.sink} = ${l.sinkSource}`);
    for (const i of l.inputs) lines.push(`  <- ${i.table} = ${i.source}`);
    for (const c of l.columns) {
      const from = c.sources
        .map((s) => `${s.table.split('.').pop()}.${s.column}${masked(s.table, s.column) ? ' (masked)' : ''}`)
        .join(', ');
      lines.push(`     ${c.name.padEnd(14)} <- ${from || '(computed)'}`);
    }
  }
  if (!flink?.lineage.length) lines.push('(no INSERT)');
  return { stdout: `${lines.join('\n')}\n`, ...(problems ? { stderr: problems } : {}), exitCode };
}

/** A deterministic UUID (same job, environment and SQL → same run id), as OpenLineage wants one. */
function uuidOf(s: string): string {
  const h = createHash('sha256').update(s).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
