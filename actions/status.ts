import { healthOf, savepointOf } from '../lib/apply/health.js';
import { resolveJob } from '../lib/resolve/config.js';
import { getObject } from '../lib/k8s/requests.js';
import { ApiError, type KubeClient } from '../lib/k8s/client.js';
import { getPath, MANAGER, ownedFields } from '../lib/k8s/objects.js';
import { ownHeadCommit } from '../lib/git/git.js';
import { ANNOTATION } from '../lib/render/labels.js';
import { Resources } from '../lib/k8s/resources.js';
import { blockingDiagnostics } from '../lib/repo/blocking.js';
import { formatDiagnostics } from '../lib/diagnostics/format/index.js';
import { loadRepo } from '../lib/repo/load.js';
import type { Job, Repo } from '../lib/repo/model.js';
import { requireEnv, selectJobs } from '../lib/repo/select.js';
import { connect, kubeFailure, type KubeTarget } from './kube.js';
import type { ActionResult } from './result.js';

const LINK_PREFIX = ANNOTATION.link('');

export interface StatusOptions extends KubeTarget {
  repo: string;
  env: string | undefined;
  jobs: string[];
  json?: boolean;
  /** The time ages are measured from (ms since the epoch); default now. */
  now?: number;
}

export interface JobStatus {
  job: string;
  kind: string;
  namespace: string;
  name: string;
  exists: boolean;
  health: string;
  lifecycleState?: string;
  jobState?: string;
  generation?: number;
  observedGeneration?: number;
  savepoint?: string;
  /** The flinkops.io/commit the cluster runs, and whether it is the repository's HEAD. */
  commit?: string;
  atHead?: boolean;
  /** Links rendered from platform/envs/<env>.yaml `links` (Flink UI, Grafana, logs…), as deployed. */
  links?: Record<string, string>;
  /** Container restarts of the job's pods (JobManager and TaskManagers). */
  restarts?: number;
  /** Age in seconds of the last completed checkpoint and savepoint the operator recorded. */
  checkpointAgeSeconds?: number;
  savepointAgeSeconds?: number;
  /** Status fields a run-time action decides, not Git (field manager flinkops-action), with their values. */
  notFromGit?: Record<string, unknown>;
  message: string;
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
        const age = (ms: unknown) =>
          typeof ms === 'number' && ms > 0 ? Math.max(0, Math.round((now - ms) / 1000)) : undefined;
        const checkpointAge = age(s.jobStatus?.checkpointInfo?.lastCheckpoint?.timeStamp);
        const savepointAge = age(s.jobStatus?.savepointInfo?.lastSavepoint?.timeStamp);
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
          ...(Object.keys(links).length ? { links } : {}),
          ...(restarts !== undefined ? { restarts } : {}),
          ...(checkpointAge !== undefined ? { checkpointAgeSeconds: checkpointAge } : {}),
          ...(savepointAge !== undefined ? { savepointAgeSeconds: savepointAge } : {}),
          ...(Object.keys(notFromGit).length ? { notFromGit } : {}),
          message: h.message,
        };
      }),
    );
    const list = rows.filter((r): r is JobStatus => !!r);
    if (o.json)
      return { stdout: `${JSON.stringify({ env, ...(head ? { head } : {}), jobs: list }, null, 2)}\n`, exitCode: 0 };
    const columns = ['JOB', 'HEALTH', 'LIFECYCLE', 'JOB STATE', 'GEN', 'COMMIT', 'RESTARTS', 'CHECKPOINT', 'SAVEPOINT'];
    const table = [
      columns,
      ...list.map((r) => [
        r.job,
        r.health,
        r.lifecycleState ?? '-',
        r.jobState ?? '-',
        r.exists ? `${r.observedGeneration ?? '-'}/${r.generation ?? '-'}` : '-',
        r.commit ? `${r.commit.slice(0, 12)}${r.atHead === false ? ' (not HEAD)' : ''}` : '-',
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
