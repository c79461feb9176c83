import { healthOf, savepointOf } from '../lib/apply/health.js';
import { resolveJob } from '../lib/resolve/config.js';
import { getObject } from '../lib/k8s/requests.js';
import type { KubeClient } from '../lib/k8s/client.js';
import { Resources } from '../lib/k8s/resources.js';
import { loadRepo } from '../lib/repo/load.js';
import type { Job, Repo } from '../lib/repo/model.js';
import { requireEnv, selectJobs } from '../lib/repo/select.js';
import { connect, kubeFailure, type KubeTarget } from './kube.js';
import type { ActionResult } from './result.js';

export interface StatusOptions extends KubeTarget {
  repo: string;
  env: string | undefined;
  jobs: string[];
  json?: boolean;
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
  const { repo } = loadRepo(o.repo);
  const env = requireEnv(repo, o.env);
  const jobs = selectJobs(repo, o.jobs) ?? repo.jobs;
  let client: KubeClient | undefined;
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
          message: h.message,
        };
      }),
    );
    const list = rows.filter((r): r is JobStatus => !!r);
    if (o.json) return { stdout: `${JSON.stringify({ env, jobs: list }, null, 2)}\n`, exitCode: 0 };
    const head = ['JOB', 'HEALTH', 'LIFECYCLE', 'JOB STATE', 'GEN', 'SAVEPOINT'];
    const table = [
      head,
      ...list.map((r) => [
        r.job,
        r.health,
        r.lifecycleState ?? '-',
        r.jobState ?? '-',
        r.exists ? `${r.observedGeneration ?? '-'}/${r.generation ?? '-'}` : '-',
        r.savepoint ?? '-',
      ]),
    ];
    const widths = head.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    return {
      stdout:
        table.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') +
        '\n',
      exitCode: 0,
    };
  } catch (e) {
    return kubeFailure('status', e);
  } finally {
    client?.close();
  }
}
