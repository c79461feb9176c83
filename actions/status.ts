import { healthOf, savepointOf } from '../lib/apply/health.js';
import { lastCheckpoint, savepointHistory, StateSnapshots } from '../lib/jobctl/savepoints.js';
import { resolveJob } from '../lib/resolve/config.js';
import { getObject } from '../lib/k8s/requests.js';
import { ApiError, type KubeClient } from '../lib/k8s/client.js';
import { getPath, MANAGER, ownedFields } from '../lib/k8s/objects.js';
import { Git, ownHeadCommit } from '../lib/git/git.js';
import { ANNOTATION } from '../lib/render/labels.js';
import { Resources } from '../lib/k8s/resources.js';
import { blockingDiagnostics } from '../lib/repo/blocking.js';
import { formatDiagnostics } from '../lib/diagnostics/format/index.js';
import { loadRepo } from '../lib/repo/load.js';
import type { Job, Repo } from '../lib/repo/model.js';
import { requireEnv, selectJobs } from '../lib/repo/select.js';
import { connect, kubeFailure, type KubeTarget } from './kube.js';
import type { ActionResult } from './result.js';
import type { JobStatus, StatusReport } from '../lib/live/status.js';

export type { JobStatus, StatusReport };

const LINK_PREFIX = ANNOTATION.link('');

export interface StatusOptions extends KubeTarget {
  repo: string;
  env: string | undefined;
  jobs: string[];
  json?: boolean;
  /** The time ages are measured from (ms since the epoch); default now. */
  now?: number;
}

/** The Flink object of a job in an environment: FlinkDeployment, or FlinkSessionJob on a session cluster. */
export function flinkRef(
  repo: Repo,
  job: Job,
  env: string,
): { apiVersion: string; kind: string; namespace: string; name: string } | undefined {
  const e = resolveJob(repo, job, env).effective;
  if (!e?.enabled) return undefined;
  // A session job lives beside its session cluster, in the session's namespace.
  const namespace =
    e.mode === 'session'
      ? (repo.platform.sessions?.spec.sessions[e.session ?? '']?.namespace ?? e.namespace)
      : e.namespace;
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: e.mode === 'session' ? 'FlinkSessionJob' : 'FlinkDeployment',
    namespace,
    name: e.name,
  };
}

export async function status(o: StatusOptions): Promise<ActionResult> {
  const { repo, diagnostics: loadDiagnostics } = loadRepo(o.repo);
  const env = requireEnv(repo, o.env);
  const jobs = selectJobs(repo, o.jobs) ?? repo.jobs;
  // A job whose files do not load has no trustworthy object name to look up (lib/repo/blocking.ts decides).
  const blocked = blockingDiagnostics(
    'status',
    loadDiagnostics,
    jobs.map((j) => j.id),
  );
  if (blocked.length) return { stdout: '', stderr: formatDiagnostics(blocked, 'text'), exitCode: 1 };
  let client: KubeClient | undefined;
  const head = process.env.FLINKOPS_COMMIT ?? process.env.CI_COMMIT_SHA ?? ownHeadCommit(o.repo);
  const now = o.now ?? Date.now();
  try {
    client = await connect(repo, env, o);
    const resources = new Resources(client);
    const snapshots = new StateSnapshots(client, resources);
    const sinceCommit = changesSince(o.repo, head);
    const rows = await Promise.all(
      jobs.map(async (job): Promise<JobStatus | undefined> => {
        const ref = flinkRef(repo, job, env);
        if (!ref) return undefined;
        const live = await getObject(client!, resources, ref);
        if (!live)
          return {
            job: job.id,
            kind: ref.kind,
            namespace: ref.namespace,
            name: ref.name,
            exists: false,
            health: 'missing',
            message: 'not in the cluster (not applied yet?)',
          };
        const h = healthOf(live);
        const sp = savepointOf(live);
        const s = live.status ?? {};
        const commit = live.metadata.annotations?.[ANNOTATION.commit];
        const links = Object.fromEntries(
          Object.entries(live.metadata.annotations ?? {})
            .filter(([k]) => k.startsWith(LINK_PREFIX))
            .map(([k, v]) => [k.slice(LINK_PREFIX.length), v])
            .sort(([a], [b]) => a!.localeCompare(b!)),
        );
        const age = (iso: string | undefined) =>
          iso ? Math.max(0, Math.round((now - Date.parse(iso)) / 1000)) : undefined;
        const checkpoint = await lastCheckpoint(live, snapshots);
        const savepoint = (await savepointHistory(client!, resources, live, snapshots)).find((e) => e.time);
        const checkpointAge = age(checkpoint?.time);
        const savepointAge = age(savepoint?.time);
        const stateSince = Number(s.jobStatus?.updateTime);
        const since = commit && head && commit !== head ? sinceCommit(commit, job) : undefined;
        const restarts = await restartsOf(
          client!,
          ref.namespace,
          ref.kind === 'FlinkDeployment' ? ref.name : undefined,
        );
        const notFromGit = Object.fromEntries(
          ownedFields(live, MANAGER.action).map((p) => [p.join('.'), getPath(live, p)]),
        );
        return {
          job: job.id,
          kind: ref.kind,
          namespace: ref.namespace,
          name: ref.name,
          exists: true,
          health: h.health,
          ...(s.lifecycleState ? { lifecycleState: s.lifecycleState } : {}),
          ...(s.jobStatus?.state ? { jobState: s.jobStatus.state } : {}),
          ...(live.metadata.generation !== undefined ? { generation: live.metadata.generation } : {}),
          ...(typeof s.observedGeneration === 'number' ? { observedGeneration: s.observedGeneration } : {}),
          ...(sp ? { savepoint: sp } : {}),
          ...(commit ? { commit, ...(head ? { atHead: commit === head } : {}) } : {}),
          ...(since === 'unknown' ? { commitUnknown: true } : since ? { changedSince: since } : {}),
          ...(Object.keys(links).length ? { links } : {}),
          ...(restarts !== undefined ? { restarts } : {}),
          ...(stateSince > 0 ? { jobStateSince: new Date(stateSince).toISOString() } : {}),
          ...(checkpoint ? { lastCheckpoint: checkpoint } : {}),
          ...(savepoint
            ? {
                lastSavepoint: {
                  time: savepoint.time,
                  path: savepoint.path,
                  trigger: savepoint.trigger,
                  source: savepoint.source,
                },
              }
            : {}),
          ...(checkpointAge !== undefined ? { checkpointAgeSeconds: checkpointAge } : {}),
          ...(savepointAge !== undefined ? { savepointAgeSeconds: savepointAge } : {}),
          ...(Object.keys(notFromGit).length ? { notFromGit } : {}),
          message: h.message,
        };
      }),
    );
    const list = rows.filter((r): r is JobStatus => !!r);
    if (o.json)
      return {
        stdout: `${JSON.stringify({ env, ...(head ? { head } : {}), takenAt: new Date(now).toISOString(), jobs: list } satisfies StatusReport, null, 2)}\n`,
        exitCode: 0,
      };
    const columns = ['JOB', 'HEALTH', 'LIFECYCLE', 'JOB STATE', 'GEN', 'COMMIT', 'RESTARTS', 'CHECKPOINT', 'SAVEPOINT'];
    const table = [
      columns,
      ...list.map((r) => [
        r.job,
        r.health,
        r.lifecycleState ?? '-',
        r.jobState ?? '-',
        r.exists ? `${r.observedGeneration ?? '-'}/${r.generation ?? '-'}` : '-',
        r.commit ? `${r.commit.slice(0, 12)}${r.atHead === false ? ` (${behind(r)})` : ''}` : '-',
        r.restarts === undefined ? '-' : String(r.restarts),
        r.checkpointAgeSeconds === undefined ? '-' : `${ago(r.checkpointAgeSeconds)} ago`,
        r.savepoint
          ? `${r.savepoint}${r.savepointAgeSeconds === undefined ? '' : ` (${ago(r.savepointAgeSeconds)} ago)`}`
          : '-',
      ]),
    ];
    const widths = columns.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    const lines = table.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
    // Never silent: what a scheduler decides (not Git) and where to look.
    for (const r of list) {
      if (r.notFromGit)
        lines.push(
          `  ${r.job}: not from Git (flinkops action): ${Object.entries(r.notFromGit)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(', ')}`,
        );
      for (const [name, url] of Object.entries(r.links ?? {})) lines.push(`  ${r.job}: ${name} ${url}`);
    }
    return { stdout: `${lines.join('\n')}\n`, exitCode: 0 };
  } catch (e) {
    return kubeFailure('status', e);
  } finally {
    client?.close();
  }
}

/** Why a deployed commit that is not HEAD matters, or does not. */
function behind(r: JobStatus): string {
  if (r.commitUnknown) return 'not in this history';
  if (r.changedSince?.length)
    return `not HEAD, ${r.changedSince.length} file${r.changedSince.length === 1 ? '' : 's'} changed since`;
  return 'not HEAD';
}

/**
 * For a deployed commit that is not HEAD, the files of a job Git changed since: its folder and its
 * team.yaml (one `git diff` per distinct commit). 'unknown' when the commit is not in this history.
 */
function changesSince(root: string, head: string | undefined): (commit: string, job: Job) => string[] | 'unknown' {
  const git = new Git(root);
  const byCommit = new Map<string, string[] | 'unknown'>();
  return (commit, job) => {
    let paths = byCommit.get(commit);
    if (!paths) {
      try {
        paths = git.changedPaths(commit, head!, ['jobs']);
      } catch {
        paths = 'unknown';
      }
      byCommit.set(commit, paths);
    }
    if (paths === 'unknown') return paths;
    const folder = `jobs/${job.id}/`;
    return paths.filter((p) => p.startsWith(folder) || p === `jobs/${job.team}/team.yaml`);
  };
}

/** `90 s`, `12 min`, `5 h`, `3 d`. */
function ago(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

/** Container restarts of a deployment's pods (the operator labels them `app=<name>`); none for a session job. */
async function restartsOf(
  client: KubeClient,
  namespace: string,
  name: string | undefined,
): Promise<number | undefined> {
  if (!name) return undefined;
  try {
    const r = await client.request<{ items: { status?: { containerStatuses?: { restartCount?: number }[] } }[] }>(
      'GET',
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
      { query: { labelSelector: `app=${name}` } },
    );
    return (r.body.items ?? []).reduce(
      (n, p) => n + (p.status?.containerStatuses ?? []).reduce((m, c) => m + (c.restartCount ?? 0), 0),
      0,
    );
  } catch (e) {
    if (e instanceof ApiError && (e.status === 403 || e.status === 404)) return undefined;
    throw e;
  }
}
