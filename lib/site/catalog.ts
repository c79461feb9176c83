import { resolveJob, type EffectiveJob } from '../resolve/config.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { footprint } from '../plan/plan.js';
import { Links } from '../render/labels.js';
import type { Job, Origin, PolicySpec, Repo } from '../repo/model.js';
import type { AppliedPolicy, InsertLineage } from '../security/index.js';
import { effectiveSql } from '../resolve/sql.js';

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
}

export interface CatalogJob {
  job: Job;
  /** The job in every environment (undefined where it does not resolve). */
  envs: Map<string, EffectiveJob>;
  /** The environment the SQL, policies, links and lineage are shown for. */
  e?: EffectiveJob;
  sql?: string;
  policies: AppliedPolicy[];
  lineage: InsertLineage[];
  links: Record<string, string>;
  history: HistoryEntry[];
  tests: JobTestFile[];
}

export interface DatasetUse {
  job: string;
  table: string;
  at: Origin;
  /** Writers: per sink column, its sources. */
  columns?: InsertLineage['columns'];
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
}

export const datasetKey = (s: { namespace: string; name: string }) => `${s.namespace}/${s.name}`;

/**
 * The catalog the site shows: every job resolved in every environment, its SQL, policies and
 * lineage in the site's environment, and every dataset with its writers and readers.
 */
export function buildCatalog(repo: Repo, env: string, inputs: SiteInputs): Catalog {
  const envs = [...repo.platform.envs.keys()].sort();
  const links = new Links(repo.platform.envs.get(env), []);
  const diagnostics: Diagnostic[] = [];
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
      const eff = effectiveSql(repo, job, env, { lineage: true });
      if (eff) {
        diagnostics.push(...eff.diagnostics.filter((d) => d.severity === 'error'));
        if (eff.secured !== false) entry.sql = eff.sql.script();
        entry.policies = eff.policies ?? [];
        entry.lineage = eff.lineage ?? [];
      }
    }
    for (const l of entry.lineage) {
      dataset(l.sink.source).writers.push({ job: job.id, table: l.sink.table, at: l.at, columns: l.columns });
      for (const i of l.inputs) dataset(i.source).readers.push({ job: job.id, table: i.table, at: l.at });
    }
    jobs.push(entry);
  }

  markProtection(repo, datasets);
  return { env, envs, jobs, datasets, teamTotals, diagnostics, ...(inputs.repoUrl ? { repoUrl: inputs.repoUrl } : {}) };
}

function linksOf(links: Links, e: EffectiveJob): Record<string, string> {
  const rendered = links.render({ namespace: e.namespace, team: e.team, job: e.name, env: e.env });
  return Object.fromEntries(Object.entries(rendered).map(([k, v]) => [k.replace(/^flinkops\.io\/link-/, ''), v]));
}

/**
 * Marks the columns policies mask on each dataset, then follows every writer's column lineage: a
 * protected column that reaches another dataset unmasked, where no policy masks it, is a leak.
 * Policies bind to physical sources when flinkops enforces them (lib/security); here the binding is
 * read back from the lineage's physical names, for display only.
 */
function markProtection(repo: Repo, datasets: Map<string, Dataset>): void {
  const policies = repo.platform.policies.flatMap((f) => f.spec.policies ?? []).filter((p) => p.masks);
  const tables = new Map<string, string[]>();
  for (const d of datasets.values())
    for (const u of [...d.writers, ...d.readers]) tables.set(d.key, [...(tables.get(d.key) ?? []), u.table]);
  for (const d of datasets.values()) {
    for (const p of policies) {
      if (!bindsTo(p, d, tables.get(d.key) ?? [])) continue;
      for (const column of Object.keys(p.masks ?? {}))
        d.protectedColumns.set(column, [...(d.protectedColumns.get(column) ?? []), p.name]);
    }
  }
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

/** Connector families as the lineage's dataset namespaces name them (`mysql-cdc` → `mysql://…`). */
function scheme(connector: string): string {
  const c = connector.toLowerCase();
  if (c === 'upsert-kafka') return 'kafka';
  return c.replace(/-cdc$/, '');
}

function bindsTo(p: PolicySpec, d: Dataset, tables: string[]): boolean {
  const r = p.resource;
  if (r.table && Object.keys(r).length === 1) {
    const want = r.table.toLowerCase();
    return tables.some((t) => t.toLowerCase() === want || t.toLowerCase().endsWith(`.${want}`));
  }
  if (r.connector && !d.namespace.startsWith(`${scheme(r.connector)}://`)) return false;
  if (r.hostname && !d.namespace.includes(r.hostname)) return false;
  if (r.topic && d.name !== r.topic) return false;
  const db = r['database-name'] ?? r.database;
  const table = r['table-name'] ?? r.collection;
  if (db && table) return d.name === `${db}.${table}`;
  if (table) return d.name.endsWith(`.${table}`) || d.name === table;
  return Boolean(r.topic || r.hostname);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
