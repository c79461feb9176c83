import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { resolveJob, type EffectiveJob } from '../resolve/config.js';
import type { PlatformKeyChange } from './types.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { compilePlans, type CompileRequest } from '../flink/compile.js';
import { FlinkUnavailable } from '../flink/launch.js';
import { Git } from '../git/git.js';
import type { RenderedObject } from '../render/context.js';
import { renderEnv } from '../render/render.js';
import { toYaml } from '../render/serialize.js';
import type { Job, Repo } from '../repo/model.js';
import { blockingDiagnostics } from '../repo/blocking.js';
import { loadRepo } from '../repo/load.js';
import { effectiveSql, type EffectiveSql } from '../resolve/sql.js';
import { affectedJobs } from './changes.js';
import { classifyPlans } from './classify.js';
import type { JobPlan, ObjectChange, Plan, PlanAction } from './types.js';

export interface PlanOptions {
  root: string;
  env: string;
  /** The branch or commit the change is compared against (the merge request's target). */
  base: string;
  /** Compare compiled plans with the JVM helper to classify SQL changes (default: true). */
  classify?: boolean;
  log?: (line: string) => void;
}

export interface PlanResult {
  plan: Plan;
  diagnostics: Diagnostic[];
  /** The head revision's objects of every job in the plan (what apply would send), for `--live`. */
  headObjects: RenderedObject[];
}

/** Either revision did not load: there is no plan, only what to fix. */
export interface PlanRefusal {
  refused: Diagnostic[];
}

const PLATFORM = '(platform)';
const FLINK_KINDS = new Set(['FlinkDeployment', 'FlinkSessionJob']);

/**
 * What merging the working tree into `base` would change in one environment: both revisions are
 * loaded and rendered, object by object; SQL changes are classified by Flink's compiled plans.
 * Only the jobs a change can reach are rendered, so a one-job merge request plans in about a second.
 */
export async function computePlan(o: PlanOptions): Promise<PlanResult | PlanRefusal> {
  const git = new Git(o.root);
  const mergeBase = git.mergeBase(git.revParse(o.base), 'HEAD');
  const headCommit = git.headCommit() ?? 'HEAD';
  const dir = mkdtempSync(path.join(tmpdir(), 'flinkops-plan-'));
  try {
    const changes = git.changes(mergeBase);
    // A change confined to job folders needs only those jobs (and the teams and platform they use):
    // a one-job merge request in a 500-job repository loads one job, not 500.
    const jobPaths = changes.flatMap((c) => (c.from ? [c.from, c.path] : [c.path]));
    const onlyJobs = jobPaths.every((p) => p.startsWith('jobs/') && p.split('/').length >= 4)
      ? new Set(jobPaths.map((p) => p.split('/').slice(1, 3).join('/')))
      : undefined;
    const exportPaths = onlyJobs
      ? [
          'platform',
          'templates',
          ...[...onlyJobs].flatMap((id) => [`jobs/${id}`, `jobs/${id.split('/')[0]}/team.yaml`]),
        ]
      : ['jobs', 'platform', 'templates'];
    git.exportTree(mergeBase, dir, [...new Set(exportPaths)]);
    const baseLoad = loadRepo(dir, onlyJobs ? { onlyJobs } : {});
    const headLoad = loadRepo(o.root, onlyJobs ? { onlyJobs } : {});
    // A job that does not load would look deleted, unchanged or changed: a broken revision has no plan.
    // A partial export (only the changed job folders, maybe none) has no complete jobs/ layout to check.
    const partial = (ds: Diagnostic[]) => (onlyJobs ? ds.filter((d) => d.rule !== 'repo/layout') : ds);
    const refused = [
      ...blockingDiagnostics('plan', partial(baseLoad.diagnostics)).map((d) => ({
        ...d,
        message: `in the base revision ${mergeBase.slice(0, 12)}: ${d.message}`,
      })),
      ...blockingDiagnostics('plan', partial(headLoad.diagnostics)),
    ];
    if (refused.length) return { refused };
    const base = baseLoad.repo;
    const head = headLoad.repo;
    const affected = affectedJobs(base, head, changes);
    const platformChanged = changes.some(
      (c) =>
        c.path.startsWith('platform/') || c.path.startsWith('templates/') || (c.from ?? '').startsWith('platform/'),
    );
    const diagnostics: Diagnostic[] = [];

    const ids = [...affected.keys()].sort();
    const render = (repo: Repo) => {
      const jobs = repo.jobs.filter((j) => affected.has(j.id));
      // Platform changes can touch shared objects (session clusters, dnsmasq, Hadoop): render everything then.
      const r = renderEnv(repo, { env: o.env, ...(platformChanged ? {} : { jobs }) });
      return r;
    };
    const before = ids.length || platformChanged ? render(base) : { objects: [], diagnostics: [] };
    const after = ids.length || platformChanged ? render(head) : { objects: [], diagnostics: [] };
    diagnostics.push(...after.diagnostics.filter((d) => d.severity === 'error'));

    const group = (objects: RenderedObject[]) => {
      const m = new Map<string, Map<string, RenderedObject>>();
      for (const obj of objects) {
        const owner = obj.job ?? PLATFORM;
        if (!m.has(owner)) m.set(owner, new Map());
        m.get(owner)!.set(`${obj.kind}/${obj.namespace}/${obj.name}`, obj);
      }
      return m;
    };
    const b = group(before.objects);
    const a = group(after.objects);
    const owners = [...new Set([...ids, ...b.keys(), ...a.keys()])].sort();

    const jobs: JobPlan[] = [];
    const classifyQueue: { jp: JobPlan; base: EffectiveSql; head: EffectiveSql }[] = [];
    for (const id of owners) {
      const bo = b.get(id) ?? new Map<string, RenderedObject>();
      const ao = a.get(id) ?? new Map<string, RenderedObject>();
      const objects: ObjectChange[] = [];
      let manifest = '';
      for (const key of [...new Set([...bo.keys(), ...ao.keys()])].sort()) {
        const x = bo.get(key);
        const y = ao.get(key);
        // Compare as JSON first (cheap); YAML only for the diffs people read.
        const same = x && y && JSON.stringify(x.object) === JSON.stringify(y.object);
        const xt = x && !same ? toYaml(x) : '';
        const yt = y && !same ? toYaml(y) : '';
        let action: PlanAction = !x ? 'create' : !y ? 'delete' : same || xt === yt ? 'noop' : 'update';
        // With a partial render, a shared object (per namespace) seen on one side only still exists
        // on the other if that namespace has jobs there: the platform files did not change, so neither did it.
        if (id === PLATFORM && !platformChanged && action !== 'update' && action !== 'noop') {
          const ns = (y ?? x)!.namespace;
          if (
            (action === 'create' && namespacesWithJobs(base).has(ns)) ||
            (action === 'delete' && namespacesWithJobs(head).has(ns))
          )
            action = 'noop';
        }
        const o2 = (y ?? x)!;
        objects.push({ kind: o2.kind, namespace: o2.namespace, name: o2.name, action });
        if (action !== 'noop') manifest += patch(`${key}`, xt, yt);
      }
      const baseJob = base.jobs.find((j) => j.id === id);
      const headJob = head.jobs.find((j) => j.id === id);
      const hasBefore = bo.size > 0;
      const hasAfter = ao.size > 0;
      const anyChange = objects.some((x) => x.action !== 'noop');
      const action: PlanAction =
        id === PLATFORM
          ? anyChange
            ? 'update'
            : 'noop'
          : hasAfter && !hasBefore
            ? 'create'
            : hasBefore && !hasAfter
              ? 'delete'
              : anyChange
                ? 'update'
                : 'noop';
      const be = baseJob ? resolveJob(base, baseJob, o.env).effective : undefined;
      const he = headJob ? resolveJob(head, headJob, o.env).effective : undefined;
      const jp: JobPlan = {
        job: id,
        team: id === PLATFORM ? PLATFORM : id.split('/')[0]!,
        action,
        reasons: affected.get(id) ?? (id === PLATFORM ? ['platform/ changed'] : []),
        objects,
        warnings: [],
        ownersBefore: be?.owners ?? [],
        ownersAfter: he?.owners ?? [],
        resources: { before: footprint(be), after: footprint(he) },
        ...(manifest ? { manifestDiff: manifest } : {}),
      };
      if (baseJob || headJob) {
        const sqlDiff = patch(`${id} SQL`, sourceSql(baseJob), sourceSql(headJob));
        if (sqlDiff) jp.sqlDiff = sqlDiff;
        const bs = baseJob ? effectiveSql(base, baseJob, o.env) : undefined;
        const hs = headJob ? effectiveSql(head, headJob, o.env) : undefined;
        const effDiff = patch(`${id} effective SQL (${o.env})`, bs?.sql.script() ?? '', hs?.sql.script() ?? '');
        if (effDiff) jp.effectiveSqlDiff = effDiff;
        const moved = objects.filter((x) => FLINK_KINDS.has(x.kind) && x.action === 'delete');
        if (action === 'update' && moved.length) {
          // The job is deployed as a new object (another namespace or kind); the old one is not updated but deleted.
          const now = objects.filter((x) => FLINK_KINDS.has(x.kind) && x.action === 'create');
          jp.classification = 'state-breaking';
          jp.classificationDetail = `the job moves: ${moved.map((x) => `${x.kind} ${x.namespace}/${x.name}`).join(', ')} is replaced by ${now.map((x) => `${x.kind} ${x.namespace}/${x.name}`).join(', ') || 'nothing'}.`;
          jp.warnings.push(
            `replaced: apply --prune suspends ${moved.map((x) => `${x.namespace}/${x.name}`).join(', ')} with a savepoint and deletes it; the new deployment starts without that state unless started from the savepoint (flinkops action start --savepoint)`,
          );
        } else if (action === 'update' && bs && hs) {
          if (bs.sql.script() === hs.sql.script() && JSON.stringify(bs.catalogs) === JSON.stringify(hs.catalogs)) {
            jp.classification = 'config-only';
            jp.classificationDetail =
              'the effective SQL is unchanged: only configuration, resources or Kubernetes settings differ.';
          } else classifyQueue.push({ jp, base: bs, head: hs });
        }
        warn(jp, be, he, o.env);
      }
      // Shared objects appear in the plan only when they change.
      if (id !== PLATFORM || action !== 'noop') jobs.push(jp);
    }

    sessionRestarts(jobs, head, o.env);
    const platformKeys = platformKeyChanges(jobs, base, head, o.env);

    if (classifyQueue.length && o.classify !== false) await classify(classifyQueue, o.log);
    for (const q of classifyQueue)
      if (q.jp.classification === 'state-breaking' && q.head.job.upgradeMode !== 'stateless')
        q.jp.warnings.push(
          `state at risk: this SQL change is state-breaking — the job cannot restore from its ${q.head.job.upgradeMode === 'last-state' ? 'last checkpoint' : 'savepoint'}. After the merge, start it from empty state: \`flinkops action restore ${q.jp.job} --env ${o.env} --from none\` (or keep the state operators still match: \`--from latest --allow-non-restored-state\`)`,
        );

    const summary = {
      add: jobs.filter((j) => j.action === 'create').length,
      change: jobs.filter((j) => j.action === 'update').length,
      destroy: jobs.filter((j) => j.action === 'delete').length,
    };
    const teams = new Map<string, { cpu: number; memoryMi: number }>();
    for (const j of jobs) {
      const t = teams.get(j.team) ?? { cpu: 0, memoryMi: 0 };
      t.cpu += j.resources.after.cpu - j.resources.before.cpu;
      t.memoryMi += j.resources.after.memoryMi - j.resources.before.memoryMi;
      teams.set(j.team, t);
    }
    const policies = policyChanges(base, head, jobs);
    const plan: Plan = {
      env: o.env,
      base: mergeBase,
      head: headCommit,
      summary,
      jobs,
      teams: [...teams.entries()]
        .map(([team, v]) => ({ team, cpu: round(v.cpu), memoryMi: v.memoryMi }))
        .sort((x, y) => (x.team < y.team ? -1 : 1)),
      policies,
      ...(platformKeys.length ? { platformKeys } : {}),
      planHash: planHash(after.objects, jobs),
    };
    const planned = new Set(jobs.map((j) => j.job));
    return { plan, diagnostics, headObjects: after.objects.filter((x) => planned.has(x.job ?? PLATFORM)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The hash apply recomputes: every object the plan creates, changes or deletes, canonically serialised. */
export function planHash(afterObjects: RenderedObject[], jobs: JobPlan[]): string {
  const changed = new Set(
    jobs.flatMap((j) =>
      j.objects.filter((x) => x.action !== 'noop').map((x) => `${x.kind}/${x.namespace}/${x.name}:${x.action}`),
    ),
  );
  const h = createHash('sha256');
  for (const key of [...changed].sort()) {
    h.update(`${key}\n`);
    const [ident] = key.split(':');
    const obj = afterObjects.find((o) => `${o.kind}/${o.namespace}/${o.name}` === ident);
    if (obj) h.update(toYaml(obj));
  }
  return h.digest('hex');
}

async function classify(
  queue: { jp: JobPlan; base: EffectiveSql; head: EffectiveSql }[],
  log?: (line: string) => void,
): Promise<void> {
  const requests: CompileRequest[] = queue.flatMap((q) => [
    { key: `${q.jp.job}#base`, eff: q.base },
    { key: `${q.jp.job}#head`, eff: q.head },
  ]);
  let compiled: Map<string, { plans?: unknown[]; error?: string }>;
  try {
    compiled = await compilePlans(requests, log);
  } catch (e) {
    if (!(e instanceof FlinkUnavailable)) throw e;
    for (const q of queue) q.jp.classificationDetail = `not classified: ${e.message}`;
    return;
  }
  for (const q of queue) {
    const b = compiled.get(`${q.jp.job}#base`);
    const h = compiled.get(`${q.jp.job}#head`);
    if (!b?.plans || !h?.plans) {
      q.jp.classification = 'state-breaking';
      q.jp.classificationDetail = `Flink could not compile the ${!b?.plans ? 'base' : 'new'} SQL (${(!b?.plans ? b?.error : h?.error) ?? 'unknown error'}); treated as state-breaking.`;
      continue;
    }
    const c = classifyPlans(b.plans, h.plans);
    q.jp.classification = c.class;
    q.jp.classificationDetail = c.detail;
  }
}

function warn(jp: JobPlan, be: EffectiveJob | undefined, he: EffectiveJob | undefined, env: string): void {
  if (be && !he && jp.action === 'delete' && be.upgradeMode !== 'stateless') {
    const dir = be.flinkConf['execution.checkpointing.savepoint-dir'] ?? be.flinkConf['state.savepoints.dir'];
    jp.warnings.push(
      `stateful job destroyed: \`apply --prune\` suspends it with a final savepoint first${dir ? `, into ${dir}` : ''} (its path is in the apply result); to bring the state back, restore that path into a job with the same operators`,
    );
  }
  if (!he || !be) return;
  if (be.upgradeMode !== 'stateless' && he.upgradeMode === 'stateless')
    jp.warnings.push(
      `state at risk: upgradeMode changes from ${be.upgradeMode} to stateless — the job will restart without its state in ${env}`,
    );
  if (he.allowNonRestoredState && !be.allowNonRestoredState)
    jp.warnings.push(
      'allowNonRestoredState is switched on: state of removed operators is dropped silently on the next restore',
    );
  if (be.flinkVersion !== he.flinkVersion)
    jp.warnings.push(
      `Flink version changes ${be.flinkVersion} → ${he.flinkVersion}: check savepoint compatibility between the two releases`,
    );
  if (be.state !== he.state) jp.warnings.push(`desired state changes ${be.state} → ${he.state}`);
  const flinkUpdate =
    jp.action === 'update' &&
    jp.objects.some((o) => (o.kind === 'FlinkDeployment' || o.kind === 'FlinkSessionJob') && o.action === 'update');
  if (flinkUpdate && he.state === 'suspended' && be.state === 'suspended')
    jp.warnings.push('no restart: the job is suspended in Git; the change takes effect at its next start or run');
  else if (flinkUpdate)
    jp.warnings.push(
      'restart needed: the operator upgrades the job (takes a savepoint or uses the last checkpoint per upgradeMode, then restarts it)',
    );
  if (be.owners.join() !== he.owners.join())
    jp.warnings.push(`owners change: ${be.owners.join(' ')} → ${he.owners.join(' ')}`);
}

const namespaceCache = new WeakMap<Repo, Set<string>>();
function namespacesWithJobs(repo: Repo): Set<string> {
  let s = namespaceCache.get(repo);
  if (!s) {
    // Every team folder holds jobs (and with a partial load not all jobs are loaded): count its namespace.
    s = new Set([...repo.teams.values()].map((t) => t.team?.spec.namespace ?? t.name));
    for (const sess of Object.values(repo.platform.sessions?.spec.sessions ?? {})) s.add(sess.namespace);
    namespaceCache.set(repo, s);
  }
  return s;
}

/** CPU cores and MiB a job needs at full size (nothing when suspended or disabled); plan and the site use it. */
export function footprint(e: EffectiveJob | undefined): { cpu: number; memoryMi: number } {
  if (!e?.enabled || e.state === 'suspended') return { cpu: 0, memoryMi: 0 };
  const tm = e.resources.taskManager;
  const tms = tm.replicas ?? Math.ceil(e.parallelism / Math.max(1, tm.slots));
  const jm = e.resources.jobManager;
  return {
    cpu: round(jm.cpu * jm.replicas + tm.cpu * tms),
    memoryMi: mebibytes(jm.memory) * jm.replicas + mebibytes(tm.memory) * tms,
  };
}

function mebibytes(m: string): number {
  const x = /^([0-9.]+)\s*([a-zA-Z]*)$/.exec(m);
  if (!x) return 0;
  const n = Number(x[1]);
  const unit = x[2]!.toLowerCase();
  return Math.round(unit.startsWith('g') ? n * 1024 : unit.startsWith('k') ? n / 1024 : n);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function sourceSql(job: Job | undefined): string {
  return (job?.sql ?? [])
    .map((s) => `-- ${path.basename(s.file)}\n${s.text.endsWith('\n') ? s.text : `${s.text}\n`}`)
    .join('');
}

function patch(name: string, a: string, b: string): string {
  if (a === b) return '';
  return createTwoFilesPatch(`a/${name}`, `b/${name}`, a, b, '', '', { context: 3 })
    .split('\n')
    .filter((l) => !/^(={10,}|Index: )/.test(l))
    .join('\n');
}

function policyChanges(base: Repo, head: Repo, jobs: JobPlan[]): Plan['policies'] {
  const b = new Map(
    base.platform.policies.flatMap((f) => f.spec.policies ?? []).map((p) => [p.name, JSON.stringify(p)]),
  );
  const h = new Map(
    head.platform.policies.flatMap((f) => f.spec.policies ?? []).map((p) => [p.name, JSON.stringify(p)]),
  );
  const names = [...new Set([...b.keys(), ...h.keys()])].filter((n) => b.get(n) !== h.get(n)).sort();
  return names.map((policy) => ({
    policy,
    jobs: jobs.filter((j) => j.reasons.some((r) => r.includes(`policy ${policy} changed`))).map((j) => j.job),
  }));
}

/** A session cluster's FlinkDeployment that changes restarts the cluster, and with it every job on it. */
function sessionRestarts(jobs: JobPlan[], head: Repo, env: string): void {
  const sessions = head.platform.sessions?.spec.sessions ?? {};
  for (const jp of jobs) {
    for (const o of jp.objects) {
      if (o.kind !== 'FlinkDeployment' || o.action !== 'update' || !(o.name in sessions)) continue;
      const on = head.jobs
        .filter((j) => {
          const e = resolveJob(head, j, env).effective;
          return e?.enabled && e.mode === 'session' && e.session === o.name;
        })
        .map((j) => j.id)
        .sort();
      jp.warnings.push(
        `session cluster ${o.name} restarts: ${on.length ? `every job on it restarts with it — ${on.join(', ')}` : 'no job runs on it'}`,
      );
    }
  }
}

/**
 * A platform change (platform/flink-conf.yaml, an environment's flinkConf) reaches many jobs with the
 * same change: one line per key and value change, with the jobs it reaches.
 */
function platformKeyChanges(jobs: JobPlan[], base: Repo, head: Repo, env: string): PlatformKeyChange[] {
  const byChange = new Map<string, PlatformKeyChange>();
  for (const jp of jobs) {
    if (jp.action !== 'update') continue;
    const bj = base.jobs.find((j) => j.id === jp.job);
    const hj = head.jobs.find((j) => j.id === jp.job);
    if (!bj || !hj) continue;
    const be = resolveJob(base, bj, env).effective;
    const he = resolveJob(head, hj, env).effective;
    if (!be || !he) continue;
    for (const key of new Set([...Object.keys(be.flinkConf), ...Object.keys(he.flinkConf)])) {
      const before = be.flinkConf[key];
      const after = he.flinkConf[key];
      if (String(before) === String(after)) continue;
      // Only keys the job itself does not set: those come from platform/ or its team.
      if (hj.job?.spec.flinkConf?.[key] !== undefined || bj.job?.spec.flinkConf?.[key] !== undefined) continue;
      const id = `${key}\0${before}\0${after}`;
      const c = byChange.get(id) ?? {
        key,
        ...(before !== undefined ? { before: String(before) } : {}),
        ...(after !== undefined ? { after: String(after) } : {}),
        jobs: [],
      };
      c.jobs.push(jp.job);
      byChange.set(id, c);
    }
  }
  return [...byChange.values()].filter((c) => c.jobs.length > 1).sort((a, b) => (a.key < b.key ? -1 : 1));
}
