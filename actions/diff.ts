import { applyObjects, type ObjectResult } from '../lib/apply/applyObjects.js';
import { projectOf } from '../lib/apply/applyset.js';
import { findPrunable, renderedByJob } from '../lib/apply/prune.js';
import { blockingDiagnostics } from '../lib/repo/blocking.js';
import { hasErrors, sortDiagnostics } from '../lib/diagnostics/diagnostic.js';
import { formatDiagnostics } from '../lib/diagnostics/format/index.js';
import type { KubeClient } from '../lib/k8s/client.js';
import { Resources } from '../lib/k8s/resources.js';
import { ANNOTATION } from '../lib/render/labels.js';
import { renderEnv } from '../lib/render/render.js';
import { resultsDir } from '../lib/cache/store.js';
import { loadRepo } from '../lib/repo/load.js';
import { requireEnv } from '../lib/repo/select.js';
import { connect, kubeFailure, type KubeTarget } from './kube.js';
import type { ActionResult } from './result.js';
import { schedulerDrivenJobs } from './apply.js';

export interface DiffOptions extends KubeTarget {
  repo: string;
  env: string | undefined;
  exitCode?: boolean;
  json?: boolean;
}

export interface Drift {
  kind: string;
  namespace: string;
  name: string;
  /** missing: in Git, not in the cluster; changed: differs; extra: in the cluster, its job folder gone from Git. */
  drift: 'missing' | 'changed' | 'extra' | 'error';
  message: string;
}

/**
 * Drift between Git and the cluster: every object is server-side applied in dry run (with force,
 * so a field someone changed by hand shows as the change apply would undo), and the result is
 * compared with the live object. Fields a run-time action owns are not drift.
 */
export async function diff(o: DiffOptions): Promise<ActionResult> {
  const { repo, diagnostics } = loadRepo(o.repo);
  const env = requireEnv(repo, o.env);
  // A job that does not load would look deleted: diff answers for the whole repository or not at all.
  const blocking = blockingDiagnostics('diff', diagnostics);
  const project = projectOf(repo);
  if (blocking.length || 'rule' in project)
    return { stdout: '', stderr: formatDiagnostics('rule' in project ? [project] : blocking, 'text'), exitCode: 1 };
  let client: KubeClient | undefined;
  try {
    client = await connect(repo, env, o);
    const resources = new Resources(client);
    const version = await client.request<{ minor?: string }>('GET', '/version');
    const rendered = renderEnv(repo, {
      env,
      kubernetesVersion: `1.${String(version.body.minor ?? '').replace(/\D+$/, '')}`,
      cache: resultsDir(),
    });
    if (hasErrors(rendered.diagnostics))
      return { stdout: '', stderr: formatDiagnostics(sortDiagnostics(rendered.diagnostics), 'text'), exitCode: 1 };
    // The commit annotation records which commit was applied last, not what Git says: the dry run
    // sends its live value back, so it is never drift (and a Git change elsewhere still is).
    const outcome = await applyObjects(
      client,
      {
        env,
        project: project.project,
        objects: rendered.objects,
        dryRun: true,
        force: true,
        keepLiveAnnotations: [ANNOTATION.commit],
        schedulerDriven: schedulerDrivenJobs(repo),
      },
      resources,
    );
    const prunable = await findPrunable(client, resources, {
      ref: { env, project: project.project },
      jobsInGit: new Set(repo.jobIds),
      rendered: renderedByJob(rendered.objects),
      timeoutMs: 0,
    });
    const extra = prunable.targets.flatMap((t) =>
      t.objects.map((m) => ({ kind: m.kind, namespace: m.metadata.namespace ?? '', name: m.metadata.name, t })),
    );
    const drift = [
      ...outcome.results.map(toDrift),
      ...extra.map((r) => ({
        kind: r.kind,
        namespace: r.namespace,
        name: r.name,
        drift: 'extra' as const,
        message:
          r.t.reason === 'removed'
            ? `its job folder jobs/${r.t.job} is gone from Git (apply --prune deletes it)`
            : `jobs/${r.t.job} no longer deploys it here — its team moved namespace or the job its kind (apply --prune deletes it, with a savepoint first)`,
      })),
    ].filter((d): d is Drift => !!d);
    const code = o.exitCode && drift.length ? 1 : 0;
    if (o.json) return { stdout: `${JSON.stringify({ env, drift }, null, 2)}\n`, exitCode: code };
    const sign = { missing: '+', changed: '~', extra: '-', error: '✖' };
    const lines = [
      drift.length
        ? `flinkops diff --env ${env}: ${drift.length} object${drift.length === 1 ? ' differs' : 's differ'} from Git`
        : `flinkops diff --env ${env}: the cluster matches Git (${outcome.results.length} objects)`,
    ];
    for (const d of drift)
      lines.push(
        `  ${sign[d.drift]} ${d.drift.padEnd(8)} ${d.kind} ${d.namespace ? `${d.namespace}/` : ''}${d.name}  ${d.message}`,
      );
    return { stdout: `${lines.join('\n')}\n`, exitCode: code };
  } catch (e) {
    return kubeFailure('diff', e);
  } finally {
    client?.close();
  }
}

function toDrift(r: ObjectResult): Drift | undefined {
  const base = { kind: r.kind, namespace: r.namespace, name: r.name };
  const message = r.message.replace(/(^|; )dry run( \([^)]*\))?/g, '').replace(/^; /, '');
  if (r.result === 'created') return { ...base, drift: 'missing', message: message || 'not in the cluster' };
  if (r.result === 'configured') return { ...base, drift: 'changed', message: message || 'differs from Git' };
  if (r.result === 'failed') return { ...base, drift: 'error', message: r.message };
  return undefined;
}
