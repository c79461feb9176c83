import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { jobManagerPods } from '../lib/apply/wait.js';
import { ApiError, type KubeClient } from '../lib/k8s/client.js';
import { blockingDiagnostics } from '../lib/repo/blocking.js';
import { formatDiagnostics } from '../lib/diagnostics/format/index.js';
import { loadRepo } from '../lib/repo/load.js';
import { requireEnv, selectJob } from '../lib/repo/select.js';
import { connect, kubeFailure, type KubeTarget } from './kube.js';
import type { ActionResult } from './result.js';
import { flinkRef } from './status.js';

export interface LogsOptions extends KubeTarget {
  repo: string;
  env: string | undefined;
  job: string;
  follow?: boolean;
  /** Lines from the end (default: all). */
  tail?: number;
  /** Where `apply --wait` archived start-up logs (default flinkops-artifacts). */
  artifacts?: string;
  /** Receives streamed chunks with --follow (the CLI writes them to stdout as they come). */
  write?: (chunk: string) => void;
}

/** The JobManager's log; when no JobManager runs, the start-up log `apply --wait` archived. */
export async function logs(o: LogsOptions): Promise<ActionResult> {
  const { repo, diagnostics: loadDiagnostics } = loadRepo(o.repo);
  const env = requireEnv(repo, o.env);
  const job = selectJob(repo, o.job);
  const blocked = blockingDiagnostics('logs', loadDiagnostics, [job.id]);
  if (blocked.length) return { stdout: '', stderr: formatDiagnostics(blocked, 'text'), exitCode: 1 };
  const ref = flinkRef(repo, job, env);
  if (!ref) return { stdout: '', stderr: `flinkops logs: ${job.id} is not deployed in ${env}\n`, exitCode: 1 };
  // A session job's logs are its session cluster's.
  let client: KubeClient | undefined;
  try {
    client = await connect(repo, env, o);
    const pods = ref.kind === 'FlinkDeployment' ? await jobManagerPods(client, ref.namespace, ref.name) : [];
    if (!pods.length) {
      const archived = archivedLogs(o.artifacts ?? 'flinkops-artifacts', ref.namespace, ref.name);
      if (archived)
        return {
          stdout: archived.text,
          stderr: `flinkops logs: no JobManager of ${job.id} runs in ${env}; this is the start-up log archived in ${archived.file}\n`,
          exitCode: 0,
        };
      return {
        stdout: '',
        stderr: `flinkops logs: no JobManager pod of ${job.id} in ${env} (${ref.namespace}, labels app=${ref.name},component=jobmanager)\n  hint: \`flinkops status ${job.id} --env ${env}\` shows why; a failed start's logs are archived by \`apply --wait\`\n`,
        exitCode: 1,
      };
    }
    const pod = pods[pods.length - 1]!;
    const base = `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/pods/${encodeURIComponent(pod)}/log`;
    const query: Record<string, string> = {
      container: 'flink-main-container',
      ...(o.tail ? { tailLines: String(o.tail) } : {}),
    };
    if (o.follow) {
      await client.stream(base, { ...query, follow: 'true' }, o.write ?? ((c) => process.stdout.write(c)));
      return { stdout: '', exitCode: 0 };
    }
    const r = await client.request<string>('GET', base, { query, raw: true });
    return { stdout: String(r.body ?? ''), exitCode: 0 };
  } catch (e) {
    if (e instanceof ApiError && !(e.status === 401 || e.status === 403))
      return {
        stdout: '',
        stderr: `flinkops logs: cannot read the JobManager log of ${job.id}: ${e.message}\n`,
        exitCode: 1,
      };
    return kubeFailure('logs', e);
  } finally {
    client?.close();
  }
}

function archivedLogs(root: string, namespace: string, name: string): { file: string; text: string } | undefined {
  const dir = path.join(root, namespace, `FlinkDeployment-${name}`);
  if (!existsSync(dir)) return undefined;
  const log = readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort()
    .pop();
  return log ? { file: path.join(dir, log), text: readFileSync(path.join(dir, log), 'utf8') } : undefined;
}
