import { createHash } from 'node:crypto';
import { createTwoFilesPatch } from 'diff';
import { hasErrors } from '../lib/diagnostics/diagnostic.js';
import { formatDiagnostics } from '../lib/diagnostics/format/index.js';
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
}

/** `sql explain`: the effective SQL, its diff against the source, the policies applied and the lineage. */
export function explain(options: ExplainOptions): ActionResult {
  const { repo, diagnostics: loadDiagnostics } = loadRepo(options.repo);
  const env = requireEnv(repo, options.env);
  const job = selectJob(repo, options.job);
  const blocked = blockingDiagnostics('explain', loadDiagnostics, [job.id]);
  if (blocked.length) return { stdout: '', stderr: formatDiagnostics(blocked, 'text'), exitCode: 1 };
  const eff = effectiveSql(repo, job, env, { lineage: true });
  if (!eff) throw new UsageError(`${job.id} is not a SQL job: sql explain explains SQL jobs`);
  const source = (eff.sourceStatements ?? eff.statements).map((s) => `${s.text};\n`).join('');
  const effective = eff.sql.script();
  const diff =
    eff.secured === false
      ? ''
      : createTwoFilesPatch(
          `${job.id} (as written, variables substituted)`,
          `${job.id} (effective, ${env})`,
          source,
          effective,
          undefined,
          undefined,
          { context: 1 },
        )
          .split('\n')
          .slice(1)
          .join('\n');
  const errors = eff.diagnostics.filter((d) => d.severity === 'error');
  const problems = eff.diagnostics.length ? formatDiagnostics(eff.diagnostics, 'text') : '';
  const exitCode = hasErrors(eff.diagnostics) ? 1 : 0;
  const runId = uuidOf(`${job.id}\0${env}\0${effective}`);
  const lineage = toRunEvent(`flinkops://${eff.job.namespace}`, job.id, eff.lineage ?? [], runId);
  if (options.json) {
    const out = {
      job: job.id,
      env,
      secured: eff.secured !== false,
      policies: eff.policies ?? [],
      effectiveSql: eff.secured === false ? null : catalogDdl(eff.catalogs) + effective,
      diff: eff.secured === false ? null : diff,
      lineage,
      diagnostics: errors.length ? eff.diagnostics : undefined,
    };
    return { stdout: `${JSON.stringify(out, null, 2)}\n`, ...(problems ? { stderr: problems } : {}), exitCode };
  }
  const lines: string[] = [`# ${job.id} in ${env}`, ''];
  lines.push('## Policies applied', '');
  if (!eff.policies?.length) lines.push('(none: no policy applies to what this job reads)');
  for (const p of eff.policies ?? []) {
    lines.push(
      `${p.at.file}:${p.at.line}:${p.at.column}  ${p.table} = ${p.source.namespace}/${p.source.name}  [${p.how}]  ${p.policies.join(', ')}`,
    );
    if (p.rowFilter) lines.push(`    row filter: ${p.rowFilter}`);
    const masks = Object.entries(p.masks);
    if (masks.length) lines.push(`    masks: ${masks.map(([c, m]) => `${c} ${m}`).join(', ')}`);
  }
  lines.push('');
  if (eff.secured === false) {
    lines.push('## Effective SQL', '', '(none: a policy cannot be enforced, see the errors)', '');
  } else {
    lines.push(
      '## Effective SQL',
      '',
      catalogDdl(eff.catalogs) + effective,
      '## Diff against the source',
      '',
      // The patch ends with a newline of its own: one blank line before the next heading.
      diff.trim() ? diff.replace(/\n$/, '') : '(no change)',
      '',
    );
  }
  lines.push('## Lineage', '');
  for (const l of eff.lineage ?? []) {
    lines.push(`${l.at.file}:${l.at.line}  ${l.sink.table} = ${l.sink.source.namespace}/${l.sink.source.name}`);
    for (const i of l.inputs) lines.push(`  <- ${i.table} = ${i.source.namespace}/${i.source.name}`);
    for (const c of l.columns) {
      const from = c.sources
        .map((s) => `${s.table.split('.').pop()}.${s.column}${s.masked ? ' (masked)' : ''}`)
        .join(', ');
      lines.push(`     ${c.name.padEnd(14)} <- ${from || '(computed)'}`);
    }
  }
  if (!eff.lineage?.length) lines.push('(no INSERT)');
  return { stdout: `${lines.join('\n')}\n`, ...(problems ? { stderr: problems } : {}), exitCode };
}

/** A deterministic UUID (same job, environment and SQL → same run id), as OpenLineage wants one. */
function uuidOf(s: string): string {
  const h = createHash('sha256').update(s).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
