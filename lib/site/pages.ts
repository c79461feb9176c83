import { createHash } from 'node:crypto';
import type { EffectiveJob } from '../resolve/config.js';
import type { Catalog, CatalogJob, Dataset } from './catalog.js';
import { highlightSql } from './highlight.js';
import { type Html, html } from './html.js';
import { lineageSvg } from './lineageGraph.js';
import { jobPath, layout } from './layout.js';
import { liveSection } from './livePages.js';

export { jobPath };
export function datasetPath(d: { namespace: string; name: string }): string {
  const slug = `${d.namespace.replace(/^[a-z]+:\/\//, '')}-${d.name}`
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  const hash = createHash('sha256').update(`${d.namespace}/${d.name}`).digest('hex').slice(0, 8);
  return `tables/${slug}-${hash}.html`;
}

const mi = (n: number) => (n >= 1024 && n % 1024 === 0 ? `${n / 1024} GiB` : `${n} MiB`);

/** Parallelism, then JobManager and TaskManager CPU/memory: short, the index has a column per environment. */
function resourcesText(e: EffectiveJob): string {
  const tm = e.resources.taskManager;
  const jm = e.resources.jobManager;
  return `p${e.parallelism}; JM ${jm.cpu}/${jm.memory}; TM ${tm.cpu}/${tm.memory}×${tm.slots}`;
}

/** A table name without the default catalog and database. */
function short(table: string): string {
  return table.replace(/^default_catalog\.default_database\./, '');
}

export function indexPage(c: Catalog): string {
  const teams = [...new Set(c.jobs.map((j) => j.job.team))].sort();
  const body = html`<h1>Flink jobs</h1>
<p class="muted">${c.jobs.length} jobs in ${teams.length} teams. SQL, policies, links and lineage are shown for <strong>${c.env}</strong>; resources for every environment (p: parallelism; JM, TM: CPU/memory of the JobManager and of each TaskManager, × its slots).</p>
<p><label for="search">Search jobs</label><input id="search" type="search" placeholder="team, job, owner, table…" aria-describedby="search-status"> <span id="search-status" role="status" aria-live="polite"></span></p>
${teams.map((team) => {
  const jobs = c.jobs.filter((j) => j.job.team === team);
  return html`<section aria-labelledby="team-${team}"><h2 id="team-${team}">${team} <span class="muted">(${jobs.length})</span></h2>
<table><thead><tr><th scope="col">Job</th><th scope="col">Owners</th><th scope="col">On call</th><th scope="col">Flink</th><th scope="col">Mode</th>${c.envs.map((env) => html`<th scope="col">Resources (${env})</th>`)}</tr></thead><tbody>
${jobs.map((j) => indexRow(c, j))}
</tbody></table></section>`;
})}
<script src="assets/search.js" defer></script>`;
  return layout('Jobs', 0, body);
}

function indexRow(c: Catalog, j: CatalogJob): Html {
  const e = j.e ?? [...j.envs.values()][0];
  // What search matches besides the row's own text: owners, on-call and the tables read and written.
  const tables = new Set(j.lineage.flatMap((l) => [l.sink.table, ...l.inputs.map((i) => i.table)]).map(short));
  const search = [j.job.id, e?.owners.join(' '), e?.onCall.join(' '), e?.type, ...tables].join(' ').toLowerCase();
  return html`<tr data-search="${search}"><th scope="row"><a href="${jobPath(j.job.id)}">${j.job.name}</a><div class="muted">${e?.description ?? ''}</div></th><td>${e?.owners.join(', ') ?? ''}</td><td>${e?.onCall.join(', ') ?? ''}</td><td>${e?.version?.flink ?? e?.flinkVersion ?? ''}</td><td>${e ? `${e.type}, ${e.mode}` : ''}</td>${c.envs.map(
    (env) => {
      const x = j.envs.get(env);
      return html`<td>${x ? resourcesText(x) : html`<span class="muted">not deployed</span>`}${x?.state === 'suspended' ? ' (suspended)' : ''}</td>`;
    },
  )}</tr>`;
}

export function jobPage(c: Catalog, j: CatalogJob): string {
  const e = j.e;
  const id = j.job.id;
  const leaks = [...c.datasets.values()].flatMap((d) => d.leaks.filter((l) => l.job === id).map((l) => ({ d, l })));
  const protectedCols = new Set<string>();
  for (const d of c.datasets.values())
    for (const col of d.protectedColumns.keys()) protectedCols.add(`${d.key}#${col}`);
  const body = html`<h1>${id}</h1>
<p>${e?.description ?? j.job.job?.spec.description ?? ''}</p>
<table><tbody>
<tr><th scope="row">Owners</th><td>${e?.owners.join(', ') ?? ''}</td></tr>
<tr><th scope="row">On call (paged)</th><td>${e?.onCall.join(', ') || '—'}</td></tr>
<tr><th scope="row">Type, mode</th><td>${e ? `${e.type}, ${e.mode}${e.session ? ` on ${e.session}` : ''}` : ''}</td></tr>
<tr><th scope="row">Flink</th><td>${e?.version?.flink ?? e?.flinkVersion ?? ''}</td></tr>
<tr><th scope="row">Namespace</th><td>${e?.namespace ?? ''}</td></tr>
<tr><th scope="row">Folder</th><td><code>${j.job.dir}</code></td></tr>
</tbody></table>
${liveSection(c, id)}
<h2>Links (${c.env})</h2>
${Object.keys(j.links).length ? html`<ul>${Object.entries(j.links).map(([k, v]) => html`<li><a href="${v}" rel="noopener">${k}</a></li>`)}</ul>` : html`<p class="muted">No link templates in platform/envs/${c.env}.yaml.</p>`}
<h2>Resources per environment</h2>
<table><thead><tr><th scope="col">Environment</th><th scope="col">State</th><th scope="col">Parallelism</th><th scope="col">JobManager</th><th scope="col">TaskManager</th></tr></thead><tbody>
${c.envs.map((env) => {
  const x = j.envs.get(env);
  if (!x) return html`<tr><th scope="row">${env}</th><td colspan="4" class="muted">not deployed</td></tr>`;
  const { jobManager: jm, taskManager: tm } = x.resources;
  return html`<tr><th scope="row">${env}</th><td>${x.state}</td><td>${x.parallelism}</td><td>${jm.cpu} CPU, ${jm.memory} × ${jm.replicas}</td><td>${tm.cpu} CPU, ${tm.memory}, ${tm.slots} slots</td></tr>`;
})}
</tbody></table>
${leaks.length ? html`<h2>Protected data</h2>${leaks.map(({ d, l }) => html`<p class="warn">Column <code>${l.from.column}</code> of <code>${l.from.dataset}</code> is protected by ${l.from.policies.join(', ')} but flows unmasked into <a href="../../${datasetPath(d)}"><code>${d.key}</code></a> (column <code>${l.column}</code>), which no policy protects.</p>`)}` : ''}
<h2>Lineage (${c.env})</h2>
${j.lineage.length ? html`${lineageSvg(j.lineage, 'lineage', protectedCols)}<p class="muted">Dashed: masked by a policy. Red: a protected column reaching a table no policy protects.</p>${j.lineage.map((l) => html`<h3>→ <a href="../../${datasetPath(l.sink.source)}">${l.sink.table}</a> <span class="muted">(${l.at.file}:${l.at.line})</span></h3><p>Reads ${l.inputs.map((i, n) => html`${n ? ', ' : ''}<a href="../../${datasetPath(i.source)}">${i.table}</a>`)}</p><table><thead><tr><th scope="col">Column</th><th scope="col">From</th></tr></thead><tbody>${l.columns.map((col) => html`<tr><td>${col.name}</td><td>${col.sources.map((s) => `${s.table.split('.').pop()}.${s.column}${s.masked ? ' (masked)' : ''}`).join(', ') || '(computed)'}</td></tr>`)}</tbody></table>`)}` : html`<p class="muted">${e?.type === 'sql' ? 'No INSERT.' : 'Not a SQL job: flinkops cannot see what it reads and writes.'}</p>`}
<h2>Policies applied (${c.env})</h2>
${
  j.policies.length
    ? html`<table><thead><tr><th scope="col">Table</th><th scope="col">Policies</th><th scope="col">Row filter</th><th scope="col">Masks</th></tr></thead><tbody>${j.policies.map(
        (p) =>
          html`<tr><td>${p.table}</td><td>${p.policies.join(', ')}</td><td><code>${p.rowFilter ?? ''}</code></td><td>${Object.entries(
            p.masks,
          )
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ')}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="muted">None: no policy applies to what this job reads.</p>`
}
${j.sql !== undefined ? html`<h2>Effective SQL (${c.env})</h2><pre><code>${highlightSql(j.sql)}</code></pre>` : ''}
<h2>Effective configuration (${c.env})</h2>
${
  e
    ? html`<table><thead><tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col">From</th></tr></thead><tbody>${Object.entries(
        e.flinkConf,
      ).map(([k, v]) => {
        const o = e.origins[`flinkConf.${k}`];
        return html`<tr><td><code>${k}</code></td><td><code>${v}</code></td><td>${o ? `${o.file}${o.line ? `:${o.line}` : ''}` : ''}</td></tr>`;
      })}</tbody></table>`
    : html`<p class="muted">Not deployed in ${c.env}.</p>`
}
<h2>Tests</h2>
${j.tests.length ? j.tests.map((t) => html`<details><summary><code>${t.file}</code></summary><pre><code>${t.text}</code></pre></details>`) : html`<p class="muted">No tests in ${j.job.dir}/tests/.</p>`}
<h2>Recent history</h2>
${j.history.length ? html`<ul>${j.history.map((h) => html`<li><code>${c.repoUrl ? html`<a href="${c.repoUrl}/-/commit/${h.sha}">${h.sha.slice(0, 8)}</a>` : h.sha.slice(0, 8)}</code> ${h.date.slice(0, 10)} ${h.author}: ${h.subject}</li>`)}</ul>` : html`<p class="muted">No commits found (not a Git repository, or a shallow clone).</p>`}`;
  return layout(id, 2, body);
}

export function datasetPage(c: Catalog, d: Dataset): string {
  const cols = [...d.protectedColumns.entries()];
  const body = html`<h1>${d.name}</h1>
<p><code>${d.namespace}</code></p>
${d.leaks.map((l) => html`<p class="warn"><span class="leak">Unprotected:</span> column <code>${l.column}</code> carries <code>${l.from.column}</code> of <code>${l.from.dataset}</code>, protected by ${l.from.policies.join(', ')}, unmasked (written by <a href="../${jobPath(l.job)}">${l.job}</a>); no policy protects this table, so every team can read it.</p>`)}
${cols.length ? html`<h2>Protected columns</h2><ul>${cols.map(([col, ps]) => html`<li><code>${col}</code>: ${ps.join(', ')}</li>`)}</ul>` : ''}
<h2>Writers in ${c.env} (${d.writers.length})</h2>
${d.writers.length ? html`<table><thead><tr><th scope="col">Job</th><th scope="col">As</th><th scope="col">Columns</th></tr></thead><tbody>${d.writers.map((w) => html`<tr><td><a href="../${jobPath(w.job)}">${w.job}</a></td><td>${w.table}</td><td>${(w.columns ?? []).map((col) => col.name).join(', ')}</td></tr>`)}</tbody></table>` : html`<p class="muted">No job writes it.</p>`}
<h2>Readers in ${c.env} (${dedupe(d.readers.map((r) => r.job)).length})</h2>
${
  d.readers.length
    ? html`<table><thead><tr><th scope="col">Job</th><th scope="col">As</th></tr></thead><tbody>${dedupe(
        d.readers.map((r) => `${r.job}\0${r.table}`),
      ).map((k) => {
        const [job, table] = k.split('\0') as [string, string];
        return html`<tr><td><a href="../${jobPath(job)}">${job}</a></td><td>${table}</td></tr>`;
      })}</tbody></table>`
    : html`<p class="muted">No job reads it.</p>`
}`;
  return layout(d.name, 1, body);
}

export function datasetsPage(c: Catalog): string {
  const all = [...c.datasets.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  const body = html`<h1>Tables and topics</h1><p class="muted">Every table and topic a SQL job reads or writes in ${c.env}, by physical name.</p>
<table><thead><tr><th scope="col">Name</th><th scope="col">Where</th><th scope="col">Writers</th><th scope="col">Readers</th><th scope="col">Protection</th></tr></thead><tbody>
${all.map((d) => html`<tr><td><a href="${datasetPath(d)}">${d.name}</a></td><td><code>${d.namespace}</code></td><td>${d.writers.length}</td><td>${dedupe(d.readers.map((r) => r.job)).length}</td><td>${d.leaks.length ? html`<span class="leak">unprotected copy of protected columns</span>` : d.protectedColumns.size ? 'protected columns' : ''}</td></tr>`)}
</tbody></table>`;
  return layout('Tables and topics', 0, body);
}

export function teamsPage(c: Catalog): string {
  const teams = [...c.teamTotals.keys()].sort();
  const body = html`<h1>Teams</h1><p class="muted">What each team's running jobs need at full size (suspended jobs count nothing).</p>
<table><thead><tr><th scope="col">Team</th>${c.envs.map((env) => html`<th scope="col">${env}</th>`)}</tr></thead><tbody>
${teams.map(
  (t) =>
    html`<tr><th scope="row">${t}</th>${c.envs.map((env) => {
      const x = c.teamTotals.get(t)?.get(env);
      return html`<td>${x ? `${x.jobs} jobs · ${x.cpu} CPU · ${mi(x.memoryMi)}` : '—'}</td>`;
    })}</tr>`,
)}
</tbody></table>`;
  return layout('Teams', 0, body);
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}
