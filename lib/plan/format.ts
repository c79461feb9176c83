import { testsLine } from './tests.js';
import type { JobPlan, Plan } from './types.js';

export type PlanFormat = 'text' | 'markdown' | 'json';

const SYMBOL = { create: '+', update: '~', delete: '-', noop: ' ' } as const;
const VERB = { create: 'create', update: 'update', delete: 'destroy', noop: 'no change' } as const;

export function summaryLine(plan: Plan): string {
  const { add, change, destroy } = plan.summary;
  return add + change + destroy === 0
    ? 'No changes. The cluster matches Git.'
    : `Plan: ${add} to add, ${change} to change, ${destroy} to destroy.`;
}

/** `execution.checkpointing.interval: 60s → 30s reaches 10 jobs` */
export function platformKeyLines(plan: Plan): string[] {
  return (plan.platformKeys ?? []).map(
    (c) =>
      `${c.key}: ${c.before ?? '(unset)'} → ${c.after ?? '(unset)'} reaches ${c.jobs.length} jobs (${c.jobs.slice(0, 5).join(', ')}${c.jobs.length > 5 ? `, and ${c.jobs.length - 5} more` : ''})`,
  );
}

export function formatPlanJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

export function formatPlanText(plan: Plan): string {
  const out: string[] = [`flinkops plan — environment ${plan.env}, ${short(plan.base)} → ${short(plan.head)}`, ''];
  for (const j of plan.jobs.filter((x) => x.action !== 'noop')) {
    out.push(`${SYMBOL[j.action]} ${j.job}  (${VERB[j.action]}${j.classification ? `, ${j.classification}` : ''})`);
    for (const r of j.reasons) out.push(`    because ${r}`);
    if (j.classificationDetail) out.push(`    ${j.classificationDetail}`);
    const tests = testsLine(j);
    if (tests) out.push(`    ${tests}`);
    for (const w of j.warnings) out.push(`    ! ${w}`);
    for (const o of j.objects.filter((x) => x.action !== 'noop' || x.live))
      out.push(
        `    ${SYMBOL[o.action]} ${o.kind} ${o.namespace}/${o.name}${o.live ? `  (live: ${o.live.result}${o.live.message ? ` — ${o.live.message}` : ''})` : ''}`,
      );
    if (j.effectiveSqlDiff) out.push(indent(j.effectiveSqlDiff, '    '));
    out.push('');
  }
  for (const line of platformKeyLines(plan)) out.push(line);
  if (plan.platformKeys?.length) out.push('');
  const unchanged = plan.jobs.filter((x) => x.action === 'noop').length;
  if (unchanged) out.push(`${unchanged} job${unchanged === 1 ? '' : 's'} checked and unchanged.`, '');
  for (const t of plan.teams.filter((x) => x.cpu || x.memoryMi))
    out.push(`team ${t.team}: ${signed(t.cpu)} CPU, ${signed(t.memoryMi)} MiB`);
  out.push(summaryLine(plan));
  return `${out.join('\n')}\n`;
}

/** Terraform/Atlantis style: a <details> section per job; the summary line first and last. */
export function formatPlanMarkdown(plan: Plan, options: { limit?: number; artifactUrl?: string } = {}): string {
  const head = [`### flinkops plan for \`${plan.env}\``, '', `**${summaryLine(plan)}**`, ''];
  const changed = plan.jobs.filter((j) => j.action !== 'noop');
  if (changed.length) {
    const withTests = changed.some((j) => j.tests);
    head.push(
      `| | job | change | warnings |${withTests ? ' tests |' : ''}`,
      `|---|---|---|---|${withTests ? '---|' : ''}`,
    );
    for (const j of changed)
      head.push(
        `| \`${SYMBOL[j.action]}\` | \`${j.job}\` | ${VERB[j.action]}${j.classification ? ` (${j.classification})` : ''} | ${j.warnings.length ? `⚠️ ${j.warnings.length}` : ''} |${withTests ? ` ${testsCell(j)} |` : ''}`,
      );
    head.push('');
  }
  const teams = plan.teams.filter((x) => x.cpu || x.memoryMi);
  if (teams.length)
    head.push(
      `Resources: ${teams.map((t) => `${t.team} ${signed(t.cpu)} CPU / ${signed(t.memoryMi)} MiB`).join('; ')}`,
      '',
    );
  for (const line of platformKeyLines(plan)) head.push(`${line}  `);
  if (plan.platformKeys?.length) head.push('');
  for (const p of plan.policies)
    head.push(
      `Policy \`${p.policy}\` changed; it reaches ${p.jobs.map((j) => `\`${j}\``).join(', ') || 'no job'}.`,
      '',
    );
  const sections = changed.map((j) => section(j));
  const tail = [
    '',
    `<sub>plan hash \`${plan.planHash}\` · ${short(plan.base)} → ${short(plan.head)} · apply refuses any other plan</sub>`,
    '',
    `**${summaryLine(plan)}**`,
    '',
  ];
  let body = [...head, ...sections, ...tail].join('\n');
  const limit = options.limit ?? Infinity;
  if (body.length > limit) {
    // Keep the summary and as many job sections as fit, then point at the full plan.
    const pointer = `\n> The full plan is too long for one comment (${body.length} characters). ${options.artifactUrl ? `Full plan: ${options.artifactUrl}` : 'See the plan artifact of this pipeline.'}\n`;
    const kept: string[] = [];
    let size = head.join('\n').length + tail.join('\n').length + pointer.length + 200;
    for (const s of sections) {
      if (size + s.length + 1 > limit) break;
      kept.push(s);
      size += s.length + 1;
    }
    const omitted = sections.length - kept.length;
    body = [
      ...head,
      ...kept,
      `\n_${omitted} more job section${omitted === 1 ? '' : 's'} omitted._`,
      pointer,
      ...tail,
    ].join('\n');
  }
  return body;
}

function section(j: JobPlan): string {
  const parts = [
    `<details><summary><code>${SYMBOL[j.action]} ${j.job}</code> — ${VERB[j.action]}${j.classification ? `, ${j.classification}` : ''}</summary>`,
    '',
  ];
  for (const w of j.warnings) parts.push(`> ⚠️ ${w}`, '');
  if (j.reasons.length) parts.push(`Because: ${j.reasons.map((r) => `\`${r}\``).join(', ')}`, '');
  const tests = testsLine(j);
  if (tests) parts.push(`${j.tests!.failed.length ? '❌' : '✅'} ${tests}`, '');
  if (j.classificationDetail) parts.push(j.classificationDetail, '');
  if (j.ownersBefore.join() !== j.ownersAfter.join())
    parts.push(`Owners: ${j.ownersBefore.join(' ') || '—'} → ${j.ownersAfter.join(' ') || '—'}`, '');
  const diff = (title: string, text?: string) => {
    if (text) parts.push(`**${title}**`, '', fence(text), '');
  };
  diff('SQL', j.sqlDiff);
  diff('Effective SQL (variables, policies)', j.effectiveSqlDiff);
  diff('Kubernetes objects', j.manifestDiff);
  const live = j.objects.filter((o) => o.live);
  if (live.length)
    parts.push(
      '**Against the cluster (server-side dry run)**',
      '',
      ...live.map(
        (o) =>
          `- \`${o.kind} ${o.namespace}/${o.name}\`: ${o.live!.result}${o.live!.message ? ` — ${o.live!.message}` : ''}`,
      ),
      '',
    );
  parts.push('</details>', '');
  return parts.join('\n');
}

function testsCell(j: JobPlan): string {
  if (!j.tests) return '';
  return j.tests.failed.length ? `❌ ${testsLine(j)!.slice('tests: '.length)}` : `✅ ${j.tests.passed} passed`;
}

function fence(text: string): string {
  const ticks = '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${ticks}diff\n${text.replace(/\n$/, '')}\n${ticks}`;
}

function indent(s: string, by: string): string {
  return s
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}

function signed(n: number): string {
  return `${n > 0 ? '+' : ''}${Math.round(n * 100) / 100}`;
}

function short(ref: string): string {
  return /^[0-9a-f]{40}$/.test(ref) ? ref.slice(0, 8) : ref;
}
