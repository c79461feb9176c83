import { ApiError, type KubeClient } from '../k8s/client.js';
import { deleteObject, explainRefusal, getObject, listObjects, serverSideApply } from '../k8s/requests.js';
import type { KubeObject } from '../k8s/objects.js';
import { preferredApiVersion, type Resources } from '../k8s/resources.js';
import { JOB_FOLDER, type ObjectResult } from './applyObjects.js';
import { APPLYSET, applySetId, parentName, systemNamespace } from './applyset.js';
import { healthOf, savepointOf } from './health.js';
import { deletionOrder } from './order.js';

export interface PruneOptions {
  env: string;
  /** `team/job` of every job folder in Git: objects of these jobs are never pruned. */
  jobsInGit: Set<string>;
  dryRun?: boolean;
  /** How long a stateful job may take to suspend with a savepoint (ms). */
  timeoutMs: number;
  pollMs?: number;
}

/** The manager of prune's suspension: its own, so the two fields it sets never replace Git's whole object. */
const PRUNE_MANAGER = 'flinkops-prune';

/**
 * Deletes the objects of jobs whose folder was removed in Git — only members of this environment's
 * ApplySet, only objects annotated with a job folder (never shared ones such as session clusters). A stateful job (upgradeMode savepoint or last-state)
 * is first suspended with a savepoint, and deleted only once the operator reports it: the path is
 * in the result, ready for `--savepoint` should the job come back.
 */
export async function pruneRemovedJobs(
  client: KubeClient,
  resources: Resources,
  o: PruneOptions,
): Promise<ObjectResult[]> {
  const ns = systemNamespace();
  const id = applySetId(o.env, ns);
  const parent = await getObject(client, resources, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: ns,
    name: parentName(o.env),
  });
  if (!parent) return [];
  const split = (v: string | undefined) => (v ? v.split(',').filter(Boolean) : []);
  const namespaces = [...new Set([ns, ...split(parent.metadata.annotations?.[APPLYSET.namespaces])])];
  const members: KubeObject[] = [];
  for (const gk of split(parent.metadata.annotations?.[APPLYSET.groupKinds])) {
    const [kind, ...group] = gk.split('.');
    const apiVersion = await preferredApiVersion(client, group.join('.'));
    if (!apiVersion || !kind) continue;
    const lists = await Promise.all(
      namespaces.map((n) =>
        listObjects(client, resources, apiVersion, kind, n, `${APPLYSET.partOf}=${id}`).catch((e) => {
          if (e instanceof ApiError && (e.status === 403 || e.status === 404)) return [];
          throw e;
        }),
      ),
    );
    members.push(...lists.flat());
  }
  const byJob = new Map<string, KubeObject[]>();
  for (const m of members) {
    const folder = m.metadata.annotations?.[JOB_FOLDER];
    const id = folder?.replace(/^jobs\//, '');
    if (!id || o.jobsInGit.has(id)) continue;
    byJob.set(id, [...(byJob.get(id) ?? []), m]);
  }
  const results = await Promise.all(
    [...byJob]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([job, objects]) => pruneJob(client, resources, job, objects, o)),
  );
  return results.flat();
}

async function pruneJob(
  client: KubeClient,
  resources: Resources,
  job: string,
  objects: KubeObject[],
  o: PruneOptions,
): Promise<ObjectResult[]> {
  const out: ObjectResult[] = [];
  const row = (m: KubeObject) => ({ kind: m.kind, namespace: m.metadata.namespace ?? '', name: m.metadata.name, job });
  let savepoint: string | undefined;
  for (const m of objects.filter((x) => isStatefulRunning(x))) {
    if (o.dryRun) {
      out.push({ ...row(m), result: 'deleted', message: 'dry run: would suspend it with a savepoint first' });
      continue;
    }
    const r = await suspendWithSavepoint(client, resources, m, o);
    if ('error' in r) {
      // Without a savepoint the job's state would be lost: keep every object of the job.
      return objects.map((x) => ({
        ...row(x),
        result: 'failed' as const,
        message:
          x === m
            ? `not deleted: ${r.error}`
            : `not deleted: ${m.kind} ${m.metadata.name} could not be suspended with a savepoint`,
      }));
    }
    savepoint = r.savepoint;
  }
  for (const wave of deletionOrder(
    objects.map((m) => ({ m, kind: m.kind, namespace: m.metadata.namespace ?? '', name: m.metadata.name })),
  )) {
    await Promise.all(
      wave.map(async ({ m }) => {
        if (out.some((x) => x.kind === m.kind && x.name === m.metadata.name && x.namespace === m.metadata.namespace)) {
          await deleteObject(
            client,
            resources,
            { apiVersion: m.apiVersion, kind: m.kind, namespace: m.metadata.namespace ?? '', name: m.metadata.name },
            true,
          ).catch(() => undefined);
          return;
        }
        const sp = isFlink(m)
          ? (savepoint ?? (m.spec?.job?.upgradeMode !== 'stateless' ? savepointOf(m) : undefined))
          : undefined;
        try {
          await deleteObject(
            client,
            resources,
            { apiVersion: m.apiVersion, kind: m.kind, namespace: m.metadata.namespace ?? '', name: m.metadata.name },
            o.dryRun,
          );
          out.push({
            ...row(m),
            result: 'deleted',
            message: [o.dryRun ? 'dry run' : '', `job folder jobs/${job} was removed`, sp ? `state saved in ${sp}` : '']
              .filter(Boolean)
              .join('; '),
            ...(sp ? { savepoint: sp } : {}),
          });
        } catch (e) {
          out.push({ ...row(m), result: 'failed', message: `not deleted: ${explainRefusal(e)}` });
        }
      }),
    );
  }
  return out;
}

function isFlink(m: KubeObject): boolean {
  return (m.kind === 'FlinkDeployment' || m.kind === 'FlinkSessionJob') && !!m.spec?.job;
}

function isStatefulRunning(m: KubeObject): boolean {
  return isFlink(m) && m.spec?.job?.upgradeMode !== 'stateless' && m.spec?.job?.state !== 'suspended';
}

/** Suspends with upgradeMode savepoint and waits for the operator to report the savepoint. */
async function suspendWithSavepoint(
  client: KubeClient,
  resources: Resources,
  m: KubeObject,
  o: PruneOptions,
): Promise<{ savepoint: string } | { error: string }> {
  const ref = { apiVersion: m.apiVersion, kind: m.kind, namespace: m.metadata.namespace ?? '', name: m.metadata.name };
  try {
    await serverSideApply(
      client,
      resources,
      {
        apiVersion: m.apiVersion,
        kind: m.kind,
        metadata: { name: m.metadata.name, namespace: ref.namespace },
        spec: { job: { state: 'suspended', upgradeMode: 'savepoint' } },
      },
      { fieldManager: PRUNE_MANAGER, force: true },
    );
  } catch (e) {
    return { error: `cannot suspend it: ${explainRefusal(e)}` };
  }
  const deadline = Date.now() + o.timeoutMs;
  let last = 'no status';
  for (;;) {
    const live = await getObject(client, resources, ref);
    if (!live) return { error: 'it disappeared while suspending' };
    const h = healthOf(live);
    last = h.message;
    const sp = savepointOf(live);
    if (h.health === 'suspended' && sp) return { savepoint: sp };
    if (h.health === 'failed') return { error: `suspending failed: ${h.message}` };
    if (Date.now() >= deadline) return { error: `no savepoint after ${Math.round(o.timeoutMs / 1000)} s (${last})` };
    await new Promise((r) => setTimeout(r, o.pollMs ?? 2000));
  }
}
