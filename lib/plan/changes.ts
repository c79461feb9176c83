import type { Change } from '../git/git.js';
import type { Job, PolicySpec, Repo } from '../repo/model.js';
import { usesCatalog } from '../resolve/sql.js';
import { analyzeSql } from '../sql/script.js';

/** Why a job is in the plan: each reason names the changed file. */
export type AffectedJobs = Map<string, string[]>;

/**
 * Which jobs a set of changed paths can affect — directly (their folder), or indirectly through
 * their team, the central configuration, a version, an environment, a session cluster, a catalog
 * or a policy. Jobs of both revisions are considered, so deletions and renames show up.
 */
export function affectedJobs(base: Repo, head: Repo, changes: Change[]): AffectedJobs {
  const out: AffectedJobs = new Map();
  const add = (id: string, reason: string) => {
    const list = out.get(id) ?? [];
    if (!list.includes(reason)) list.push(reason);
    out.set(id, list);
  };
  const allJobs = new Map<string, Job>();
  for (const j of base.jobs) allJobs.set(j.id, j);
  for (const j of head.jobs) allJobs.set(j.id, j);
  const jobsOf = (pred: (j: Job) => boolean) => [...allJobs.values()].filter(pred);

  const paths = changes.flatMap((c) => (c.from ? [c.from, c.path] : [c.path]));
  for (const path of paths) {
    const parts = path.split('/');
    if (parts[0] === 'jobs' && parts.length >= 4) {
      const id = `${parts[1]}/${parts[2]}`;
      add(id, `${path} changed`);
    } else if (parts[0] === 'jobs' && parts.length === 3 && parts[2] === 'team.yaml') {
      for (const j of jobsOf((j) => j.team === parts[1])) add(j.id, `${path} changed`);
    } else if (
      path === 'platform/flink-conf.yaml' ||
      path === 'platform/owners.yaml' ||
      path === 'platform/alerts.yaml' ||
      parts[1] === 'envs'
    ) {
      for (const j of allJobs.values()) add(j.id, `${path} changed`);
    } else if (path === 'platform/versions.yaml') {
      const b = base.platform.versions?.spec.versions ?? {};
      const h = head.platform.versions?.spec.versions ?? {};
      const changed = new Set(
        [...Object.keys(b), ...Object.keys(h)].filter((v) => JSON.stringify(b[v]) !== JSON.stringify(h[v])),
      );
      for (const j of allJobs.values()) {
        const v = flinkVersionOf(head, j) ?? flinkVersionOf(base, j);
        if (v && changed.has(v)) add(j.id, `${path}: version ${v} changed`);
      }
    } else if (path === 'platform/sessions.yaml') {
      const b = base.platform.sessions?.spec.sessions ?? {};
      const h = head.platform.sessions?.spec.sessions ?? {};
      for (const j of allJobs.values()) {
        const s = j.job?.spec.session;
        if (j.job?.spec.mode === 'session' && s && JSON.stringify(b[s]) !== JSON.stringify(h[s]))
          add(j.id, `${path}: session cluster ${s} changed`);
      }
    } else if (parts[1] === 'catalogs') {
      const changedCatalogs = changedByName(
        base.platform.catalogs.flatMap((f) => f.spec.catalogs ?? []),
        head.platform.catalogs.flatMap((f) => f.spec.catalogs ?? []),
      );
      for (const j of allJobs.values()) {
        const sql = j.sql.map((s) => s.text).join('\n');
        for (const c of changedCatalogs) if (usesCatalog(sql, c)) add(j.id, `${path}: catalog ${c} changed`);
      }
    } else if (parts[1] === 'policies') {
      const b = base.platform.policies.flatMap((f) => f.spec.policies ?? []);
      const h = head.platform.policies.flatMap((f) => f.spec.policies ?? []);
      const changed = new Set(changedByName(b, h));
      const policies = [...b, ...h].filter((p) => changed.has(p.name));
      for (const j of allJobs.values())
        for (const p of policies) if (reads(j, p)) add(j.id, `${path}: policy ${p.name} changed`);
    }
  }
  return out;
}

function flinkVersionOf(repo: Repo, job: Job): string | undefined {
  const j = repo.jobs.find((x) => x.id === job.id);
  return j?.job?.spec.flinkVersion ?? repo.teams.get(job.team)?.team?.spec.defaults?.flinkVersion;
}

function changedByName<T extends { name: string }>(base: T[], head: T[]): string[] {
  const b = new Map(base.map((x) => [x.name, JSON.stringify(x)]));
  const h = new Map(head.map((x) => [x.name, JSON.stringify(x)]));
  return [...new Set([...b.keys(), ...h.keys()])].filter((n) => b.get(n) !== h.get(n)).sort();
}

/** Does a job's SQL declare the policy's resource? (by table name, or by every identifying WITH option) */
function reads(job: Job, policy: PolicySpec): boolean {
  const { table, ...physical } = policy.resource;
  for (const source of job.sql) {
    if (table) {
      const last = table.split('.').pop()!;
      if (new RegExp(`\\b${last.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i').test(source.text)) return true;
    }
    const wanted = Object.entries(physical);
    if (wanted.length) {
      const options = analyzeSql(source.text).options;
      // Placeholders are not substituted here: a `${var}` value matches any wanted value (conservative).
      if (wanted.every(([k, v]) => options.some((o) => o.key === k && (o.value === v || o.value.includes('${')))))
        return true;
    }
  }
  return false;
}
