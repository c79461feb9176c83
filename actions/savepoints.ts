import { savepointHistory } from '../lib/jobctl/savepoints.js';
import type { KubeClient } from '../lib/k8s/client.js';
import { getObject } from '../lib/k8s/requests.js';
import { Resources } from '../lib/k8s/resources.js';
import { loadRepo } from '../lib/repo/load.js';
import { requireEnv, selectJob } from '../lib/repo/select.js';
import { connect, kubeFailure, type KubeTarget } from './kube.js';
import type { ActionResult } from './result.js';
import { flinkRef } from './status.js';

export interface SavepointsOptions extends KubeTarget {
  repo: string;
  env: string | undefined;
  job: string;
  json?: boolean;
}

/** A job's savepoint history, newest first, from the operator's status and its FlinkStateSnapshot resources. */
export async function savepoints(o: SavepointsOptions): Promise<ActionResult> {
  const { repo } = loadRepo(o.repo);
  const env = requireEnv(repo, o.env);
  const job = selectJob(repo, o.job);
  const ref = flinkRef(repo, job, env);
  if (!ref) return { stdout: '', stderr: `flinkops savepoints: ${job.id} is not deployed in ${env}\n`, exitCode: 1 };
  let client: KubeClient | undefined;
  try {
    client = await connect(repo, env, o);
    const resources = new Resources(client);
    const live = await getObject(client, resources, ref);
    if (!live)
      return {
        stdout: '',
        stderr: `flinkops savepoints: ${ref.kind} ${ref.namespace}/${ref.name} does not exist in ${env}\n`,
        exitCode: 1,
      };
    const list = await savepointHistory(client, resources, live);
    if (o.json) return { stdout: `${JSON.stringify({ job: job.id, env, savepoints: list }, null, 2)}\n`, exitCode: 0 };
    if (!list.length)
      return {
        stdout: `${job.id} in ${env}: no savepoint recorded\n  hint: \`flinkops action savepoint ${job.id} --env ${env}\` takes one\n`,
        exitCode: 0,
      };
    const rows = [
      ['TIME', 'TRIGGER', 'FORMAT', 'COMMIT', 'PATH'],
      ...list.map((s) => [s.time || '-', s.trigger, s.format, s.commit?.slice(0, 12) ?? '-', s.path]),
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    const text = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
    text.push('', `restore one: flinkops action restore ${job.id} --env ${env} --from PATH|latest|none`);
    return { stdout: `${text.join('\n')}\n`, exitCode: 0 };
  } catch (e) {
    return kubeFailure('savepoints', e);
  } finally {
    client?.close();
  }
}
