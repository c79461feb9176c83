import { resolveJob, type EffectiveJob } from '../resolve/config.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { footprint } from '../plan/plan.js';
import { Links } from '../render/labels.js';
import { datasetOf } from '../lineage/openlineage.js';
import type { Job, Origin, Repo } from '../repo/model.js';
import type { StatusReport } from '../live/status.js';
import { type SiteFlink, siteSql } from './flink.js';
import type { LiveView } from './live.js';

/** A dataset as OpenLineage names it (namespace `kafka://broker`, name `topic`). */
export interface DatasetName {
  namespace: string;
  name: string;
}

/** Where Flink's enforcer applied policies to a source the job reads. */
export interface SitePolicy {
  at: Origin;
  table: string;
  source: DatasetName;
  policies: string[];
  rowFilter?: string;
  masks: Record<string, string>;
}

/** Column lineage of one INSERT, from Flink's plan. */
export interface SiteLineage {
  at: Origin;
  sink: { table: string; source: DatasetName };
  inputs: { table: string; source: DatasetName }[];
  columns: { name: string; sources: { table: string; source: DatasetName; column: string; masked: boolean }[] }[];
}

/** One commit that touched a job's folder. */
export interface HistoryEntry {
  sha: string;
  author: string;
  date: string;
  subject: string;
}

/** A test file kept in the job's folder (jobs/<team>/<job>/tests/*.yaml). */
export interface JobTestFile {
  file: string;
  text: string;
}

/** What the action reads for the site besides the repository model (the I/O end of the stage). */
export interface SiteInputs {
  history: Map<string, HistoryEntry[]>;
  tests: Map<string, JobTestFile[]>;
  /** Web URL of the repository (GitLab CI_PROJECT_URL), for links to commits. */
  repoUrl?: string;
  /** Lineage and policy bindings from the jobs' Flink releases (lib/site/flink.ts); none: no lineage shown. */
  flink?: SiteFlink;
  /** Status snapshots (`flinkops status --env ENV --json`), one per environment; none: no live view. */
  live?: StatusReport[];
}

export interface CatalogJob {
  job: Job;
  /** The job in every environment (undefined where it does not resolve). */
  envs: Map<string, EffectiveJob>;
  /** The environment the SQL, policies, links and lineage are shown for. */
  e?: EffectiveJob;
  sql?: string;
  policies: SitePolicy[];
  lineage: SiteLineage[];
  links: Record<string, string>;
  history: HistoryEntry[];
  tests: JobTestFile[];
}

export interface DatasetUse {
  job: string;
  table: string;
  at: Origin;
  /** Writers: per sink column, its sources. */
  columns?: SiteLineage['columns'];
}

/** A physical table or topic, named as the lineage names it (OpenLineage namespace + name). */
export interface Dataset {
  key: string;
  namespace: string;
  name: string;
  writers: DatasetUse[];
  readers: DatasetUse[];
  /** Columns some policy masks (the policy's name per column). */
  protectedColumns: Map<string, string[]>;
  /** Protected columns of other datasets that reach this one unmasked. */
  leaks: Leak[];
}

export interface Leak {
  job: string;
  column: string;
  from: { dataset: string; column: string; policies: string[] };
}

export interface Catalog {
  env: string;
  envs: string[];
  jobs: CatalogJob[];
  datasets: Map<string, Dataset>;
  /** team → env → totals. */
  teamTotals: Map<string, Map<string, { cpu: number; memoryMi: number; jobs: number }>>;
  diagnostics: Diagnostic[];
  repoUrl?: string;
  /** Per environment, its status snapshot; empty when the site was built without one. */
  live: LiveView;
}

export const datasetKey = (s: { namespace: string; name: string }) => `${s.namespace}/${s.name}`;

/**
 * The catalog the site shows: every job resolved in every environment, its SQL, policies and
 * lineage in the site's environment, and every dataset with its writers and readers.
 */
export function buildCatalog(repo: Repo, env: string, inputs: SiteInputs): Catalog {
  const envs = [...repo.platform.envs.keys()].sort();
  const links = new Links(repo.platform.envs.get(env), []);
  const diagnostics: Diagnostic[] = [...(inputs.flink?.diagnostics ?? [])];
  const jobs: CatalogJob[] = [];
  const datasets = new Map<string, Dataset>();
  const dataset = (s: { namespace: string; name: string }) => {
    const key = datasetKey(s);
    let d = datasets.get(key);
    if (!d) {
      d = { key, ...s, writers: [], readers: [], protectedColumns: new Map(), leaks: [] };
      datasets.set(key, d);
    }
    return d;
  };
  const teamTotals: Catalog['teamTotals'] = new Map();
  // The SQL Flink explained for the lineage, when it was asked; computed here only without it.
  const sqlOf = inputs.flink?.sql ?? siteSql(repo, env);

  for (const job of repo.jobs) {
    const byEnv = new Map<string, EffectiveJob>();
    for (const name of envs) {
      const { effective } = resolveJob(repo, job, name);
      if (!effective?.enabled) continue;
      byEnv.set(name, effective);
      const totals = teamTotals.get(job.team) ?? new Map();
      const t = totals.get(name) ?? { cpu: 0, memoryMi: 0, jobs: 0 };
      const f = footprint(effective);
      totals.set(name, { cpu: round(t.cpu + f.cpu), memoryMi: t.memoryMi + f.memoryMi, jobs: t.jobs + 1 });
      teamTotals.set(job.team, totals);
    }
    const e = byEnv.get(env);
    const entry: CatalogJob = {
      job,
      envs: byEnv,
      ...(e ? { e } : {}),
      policies: [],
      lineage: [],
      links: e ? linksOf(links, e) : {},
      history: inputs.history.get(job.id) ?? [],
      tests: inputs.tests.get(job.id) ?? [],
    };
    if (e?.type === 'sql') {
      const eff = sqlOf.get(job.id);
      if (eff) {
        diagnostics.push(...eff.diagnostics.filter((d) => d.severity === 'error'));
        if (eff.secured !== false) entry.sql = eff.sql.script();
      }
      const flink = inputs.flink?.jobs.get(job.id);
      if (flink) {
        entry.policies = flink.own.applied.map((a) => ({
          at: a.at,
          table: a.table,
          source: datasetOf(a.source),
          policies: a.policies,
          ...(a.rowFilters.length ? { rowFilter: a.rowFilters.map((f) => `(${f})`).join(' AND ') } : {}),
          masks: a.masks,
        }));
        const masked = (table: string, column: string) =>
          flink.own.applied.some((a) => a.table === table && column in a.masks);
        entry.lineage = flink.own.lineage.map((l) => ({
          at: l.at,
          sink: { table: l.sink, source: datasetOf(l.sinkSource) },
          inputs: l.inputs.map((i) => ({ table: i.table, source: datasetOf(i.source) })),
          columns: l.columns.map((c) => ({
            name: c.name,
            sources: c.sources.map((x) => ({
              table: x.table,
              source: datasetOf(x.source),
              column: x.column,
              masked: masked(x.table, x.column),
            })),
          })),
        }));
        // What every policy binds among the sources this job reads: the columns they protect.
        for (const b of flink.bindings)
          for (const column of Object.keys(b.masks)) {
            const d = dataset(datasetOf(b.source));
            const by = d.protectedColumns.get(column) ?? [];
            for (const p of b.policies) if (!by.includes(p)) by.push(p);
            d.protectedColumns.set(column, by.sort());
          }
      }
    }
    for (const l of entry.lineage) {
      dataset(l.sink.source).writers.push({ job: job.id, table: l.sink.table, at: l.at, columns: l.columns });
      for (const i of l.inputs) dataset(i.source).readers.push({ job: job.id, table: i.table, at: l.at });
    }
    jobs.push(entry);
  }

  markLeaks(datasets);
  const live: LiveView = new Map(
    (inputs.live ?? []).filter((r) => envs.includes(r.env)).map((r) => [r.env, r] as const),
  );
  return {
    env,
    envs,
    jobs,
    datasets,
    teamTotals,
    diagnostics,
    live,
    ...(inputs.repoUrl ? { repoUrl: inputs.repoUrl } : {}),
  };
}

function linksOf(links: Links, e: EffectiveJob): Record<string, string> {
  const rendered = links.render({ namespace: e.namespace, team: e.team, job: e.name, env: e.env });
  return Object.fromEntries(Object.entries(rendered).map(([k, v]) => [k.replace(/^flinkops\.io\/link-/, ''), v]));
}

/**
 * Follows every writer's column lineage: a protected column (one some policy masks where Flink
 * binds it) that reaches another dataset unmasked, where no policy masks it, is a leak.
 */
function markLeaks(datasets: Map<string, Dataset>): void {
  for (const d of datasets.values()) {
    for (const w of d.writers) {
      for (const c of w.columns ?? []) {
        for (const s of c.sources) {
          if (s.masked) continue;
          const from = datasets.get(datasetKey(s.source));
          const by = from?.protectedColumns.get(s.column);
          if (!by || d.protectedColumns.has(c.name)) continue;
          d.leaks.push({ job: w.job, column: c.name, from: { dataset: from!.key, column: s.column, policies: by } });
        }
      }
    }
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
