import type { JobStatus, StatusReport } from '../live/status.js';
import type { Catalog } from './catalog.js';
import { type Html, html } from './html.js';
import { before, liveJob, type LiveJob, utc } from './live.js';
import { jobPath, layout } from './layout.js';

/** Where the live pages live, relative to the site root. */
export const LIVE_PAGE = 'live.html';
export const liveEnvPath = (env: string) => `live/${env}.html`;

const NOT_AVAILABLE = html`The site was built without a status snapshot (<code>flinkops site --live FILE</code>, FILE
the output of <code>flinkops status --env ENV --json</code>); the scheduled <code>pages</code> pipeline passes one per
environment whose cluster it reaches.`;

/** When the snapshot was taken; the reader's browser adds how long ago (assets/live.js, no request). */
function taken(r: StatusReport): Html {
  return html`<p class="snapshot">Snapshot of <strong>${r.env}</strong> taken <time datetime="${r.takenAt}">${utc(r.takenAt)}</time><span class="ago" data-taken="${r.takenAt}"></span>${r.head ? html`, Git HEAD <code>${r.head.slice(0, 12)}</code>` : ''}. Static: it changes when the site is built again.</p>`;
}

const script = (up: string) => html`<script src="${up}assets/live.js" defer></script>`;

function healthCell(l: LiveJob): Html {
  const s = l.s;
  const state = [s.lifecycleState, s.jobState].filter(Boolean).join(' / ');
  return html`<td class="${l.unhealthy ? 'bad' : ''}">${l.unhealthy ? html`<strong>${s.health}</strong>` : s.health}</td><td>${state || '—'}${s.jobStateSince ? html`<div class="muted">since ${utc(s.jobStateSince)}</div>` : ''}</td>`;
}

function commitCell(l: LiveJob, r: StatusReport): Html {
  const s = l.s;
  if (!s.commit) return html`<td class="muted">${s.exists ? 'no commit annotation' : '—'}</td>`;
  const sha = html`<code>${s.commit.slice(0, 12)}</code>`;
  if (s.atHead !== false) return html`<td>${sha} ${s.atHead ? '= HEAD' : ''}</td>`;
  if (s.commitUnknown)
    return html`<td class="bad">${sha} <strong>drift</strong>: not in this repository's history</td>`;
  if (s.changedSince?.length)
    return html`<td class="bad">${sha} <strong>drift</strong>: behind HEAD${r.head ? html` <code>${r.head.slice(0, 12)}</code>` : ''}, Git changed ${s.changedSince.length === 1 ? 'a file' : `${s.changedSince.length} files`} of the job since (${s.changedSince.slice(0, 3).join(', ')}${s.changedSince.length > 3 ? ', …' : ''})</td>`;
  return html`<td>${sha} <span class="muted">older than HEAD; nothing of the job changed since</span></td>`;
}

function snapshotCell(x: { time: string; trigger: string } | undefined, r: StatusReport, path?: string): Html {
  if (!x) return html`<td class="muted">none recorded</td>`;
  return html`<td>${utc(x.time)} <span class="muted">(${before(x.time, r.takenAt)}, ${x.trigger.toLowerCase()})</span>${path ? html`<div><code>${path}</code></div>` : ''}</td>`;
}

const HEAD_ROW = html`<th scope="col">Health</th><th scope="col">Lifecycle / job state</th><th scope="col">Deployed commit</th><th scope="col">Last checkpoint</th><th scope="col">Last savepoint</th><th scope="col">Restarts</th>`;

function cells(l: LiveJob, r: StatusReport, withPath: boolean): Html {
  const s = l.s;
  return html`${healthCell(l)}${commitCell(l, r)}${snapshotCell(s.lastCheckpoint, r)}${snapshotCell(s.lastSavepoint, r, withPath ? s.lastSavepoint?.path : undefined)}<td>${s.restarts ?? '—'}</td>`;
}

function message(s: JobStatus): Html | '' {
  return s.health === 'healthy' ? '' : html`<div class="muted">${s.message}</div>`;
}

const LEGEND = html`<p class="muted">Health and states as the Flink Kubernetes Operator writes them (<code>status.lifecycleState</code>, <code>status.jobStatus.state</code>, since <code>jobStatus.updateTime</code>). Deployed commit: the <code>flinkops.io/commit</code> on the object; <strong>drift</strong> when Git changed the job's folder or team.yaml since (<code>flinkops diff</code> compares every field). Checkpoints and savepoints: the last the operator recorded (<code>jobStatus.checkpointInfo</code>, <code>savepointInfo</code>, or FlinkStateSnapshot resources) — the operator records only the checkpoints it triggers; Flink's own periodic checkpoints show in the Flink UI and the checkpoint-age alert. Restarts: container restarts of the job's pods.</p>`;

/** `live.html`: every environment's snapshot, the jobs that need attention first. */
export function livePage(c: Catalog): string {
  const reports = c.envs.map((env) => ({ env, r: c.live.get(env) }));
  const any = reports.some((x) => x.r);
  const body = html`<h1>Live</h1>
${any ? '' : html`<p class="warn">The live view is not available. ${NOT_AVAILABLE}</p>`}
${reports.map(({ env, r }) => {
  if (!r)
    return html`<h2>${env}</h2><p class="muted">No snapshot of ${env}: the live view is not available for it (no cluster reached when the site was built).</p>`;
  const jobs = [...r.jobs].sort((a, b) => (a.job < b.job ? -1 : 1)).map(liveJob);
  const counts = new Map<string, number>();
  for (const j of jobs) counts.set(j.s.health, (counts.get(j.s.health) ?? 0) + 1);
  const attention = jobs.filter((j) => j.unhealthy || j.behind);
  return html`<h2>${env}</h2>${taken(r)}
<p>${jobs.length} jobs: ${[...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([h, n], i) => `${i ? ', ' : ''}${n} ${h}`)}; ${jobs.filter((j) => j.behind).length} with drift. <a href="${liveEnvPath(env)}">Every job in ${env}</a></p>
${
  attention.length
    ? html`<table><caption>Needs attention in ${env}</caption><thead><tr><th scope="col">Job</th>${HEAD_ROW}</tr></thead><tbody>${attention.map(
        (l) =>
          html`<tr><th scope="row"><a href="${jobPath(l.s.job)}">${l.s.job}</a>${message(l.s)}</th>${cells(l, r, false)}</tr>`,
      )}</tbody></table>`
    : html`<p>Nothing needs attention in ${env}.</p>`
}`;
})}${any ? html`${LEGEND}${script('')}` : ''}`;
  return layout('Live', 0, body);
}

/** `live/<env>.html`: every job of one environment. */
export function liveEnvPage(r: StatusReport): string {
  const body = html`<h1>Live: ${r.env}</h1>${taken(r)}${script('../')}
<table><thead><tr><th scope="col">Job</th>${HEAD_ROW}</tr></thead><tbody>${[...r.jobs]
    .sort((a, b) => (a.job < b.job ? -1 : 1))
    .map(liveJob)
    .map(
      (l) =>
        html`<tr><th scope="row"><a href="../${jobPath(l.s.job)}">${l.s.job}</a>${l.unhealthy || l.behind ? message(l.s) : ''}</th>${cells(l, r, false)}</tr>`,
    )}</tbody></table>${LEGEND}`;
  return layout(`Live: ${r.env}`, 1, body);
}

/** The live section of a job page: the job in every environment with a snapshot. */
export function liveSection(c: Catalog, job: string): Html {
  const rows = c.envs.flatMap((env) => {
    const r = c.live.get(env);
    const s = r?.jobs.find((j) => j.job === job);
    return r && s ? [{ r, l: liveJob(s) }] : [];
  });
  if (!c.live.size) return html`<h2>Live</h2><p class="muted">The live view is not available. ${NOT_AVAILABLE}</p>`;
  return html`<h2>Live</h2>${[...c.live.values()].map((r) => taken(r))}${script('../../')}
${rows.length ? html`<table><thead><tr><th scope="col">Environment</th>${HEAD_ROW}</tr></thead><tbody>${rows.map(({ r, l }) => html`<tr><th scope="row"><a href="../../${liveEnvPath(r.env)}">${r.env}</a>${message(l.s)}</th>${cells(l, r, true)}</tr>`)}</tbody></table>` : html`<p class="muted">Not in any snapshot (not deployed where one was taken).</p>`}
${rows.flatMap(({ r, l }) => (l.s.links ? [html`<p>${r.env} as deployed: ${Object.entries(l.s.links).map(([k, v], i) => html`${i ? ' · ' : ''}<a href="${v}" rel="noopener">${k}</a>`)}</p>`] : []))}`;
}
