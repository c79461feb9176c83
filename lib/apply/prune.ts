import { ApiError, type KubeClient } from '../k8s/client.js';
import { deleteObject, explainRefusal, getObject, listObjects, serverSideApply } from '../k8s/requests.js';
import { objectKey, type KubeObject } from '../k8s/objects.js';
import { preferredApiVersion, type Resources } from '../k8s/resources.js';
import { JOB_FOLDER, type ObjectResult } from './applyObjects.js';
import { APPLYSET, type ApplySetRef, applySetId, parentName, systemNamespace } from './applyset.js';
import { healthOf } from './health.js';
import { deletionOrder } from './order.js';

/**
 * What prune records on a Flink object when it suspends it for a savepoint, so a retried pipeline
 * knows the suspension was prune's, when it was asked for, and which savepoint was there before —
 * a savepoint only counts if it is newer than that.
 */
export const PRUNE_MARK = {
  requestedAt: 'flinkops.io/prune-suspend-requested-at',
  savepointBefore: 'flinkops.io/prune-savepoint-before',
  upgradeModeBefore: 'flinkops.io/prune-upgrade-mode-before',
} as const;

/**
 * The operator's placeholder in `upgradeSavepointPath` after a last-state upgrade: not a savepoint.
 * flink-kubernetes-operator: flink-kubernetes-operator/src/main/java/org/apache/flink/kubernetes/
 * operator/reconciler/deployment/AbstractJobReconciler.java (LAST_STATE_DUMMY_SP_PATH).
 */
const LAST_STATE_PLACEHOLDER = 'KUBERNETES_OPERATOR_LAST_STATE';

export interface PruneOptions {
  ref: ApplySetRef;
  /** `team/job` of every job folder in Git: their objects are pruned only when replaced (see `rendered`). */
  jobsInGit: Set<string>;
  /**
   * Keys (`Kind/namespace/name`) of everything rendered for the jobs this run applies, by job: a
   * member of such a job that is not among them was replaced (its team moved namespace, its kind changed).
   */
  rendered?: Map<string, Set<string>>;
  /** Jobs whose state may be given up (`prune.allowStateLoss` of the environment file). */
  allowStateLoss?: Set<string>;
  dryRun?: boolean;
  /** How long a stateful job may take to suspend with a savepoint (ms). */
  timeoutMs: number;
  pollMs?: number;
}

export interface PruneTarget {
  job: string;
  /** removed: the job folder is gone from Git; replaced: Git now deploys the job as other objects. */
  reason: 'removed' | 'replaced';
  objects: KubeObject[];
}

export interface PrunePlan {
  targets: PruneTarget[];
  /** Job folders with objects in this ApplySet: the share a prune may remove is counted against them. */
  deployedJobs: number;
}

/** Keys of what a run renders, by job: prune deletes a job's member that is not among them. */
export function renderedByJob(
  objects: { job?: string; kind: string; namespace: string; name: string }[],
): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const o of objects) if (o.job) m.set(o.job, (m.get(o.job) ?? new Set()).add(objectKey(o)));
  return m;
}

/** The manager of prune's suspension: its own, so the fields it sets never replace Git's whole object. */
const PRUNE_MANAGER = 'flinkops-prune';

/**
 * What prune would delete: members of this environment's ApplySet (this repository's only) that
 * carry a job folder (never shared objects such as session clusters) whose folder is gone from Git,
 * or whose job now renders other objects.
 */
export async function findPrunable(client: KubeClient, resources: Resources, o: PruneOptions): Promise<PrunePlan> {
  const ns = systemNamespace();
  const id = applySetId(o.ref, ns);
  const parent = await getObject(client, resources, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: ns,
    name: parentName(o.ref),
  });
  if (!parent) return { targets: [], deployedJobs: 0 };
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
    members.push(...lists.flat().map((m) => ({ ...m, apiVersion: m.apiVersion ?? apiVersion, kind: m.kind ?? kind })));
  }
  const byJob = new Map<string, PruneTarget>();
  const deployed = new Set<string>();
  for (const m of members) {
    const job = m.metadata.annotations?.[JOB_FOLDER]?.replace(/^jobs\//, '');
    if (!job) continue;
    deployed.add(job);
    let reason: PruneTarget['reason'];
    if (!o.jobsInGit.has(job)) reason = 'removed';
    else {
      const keys = o.rendered?.get(job);
      const key = objectKey({ kind: m.kind, namespace: m.metadata.namespace ?? '', name: m.metadata.name });
      if (!keys?.size || keys.has(key)) continue;
      reason = 'replaced';
    }
    const t = byJob.get(job) ?? { job, reason, objects: [] };
    t.objects.push(m);
    byJob.set(job, t);
  }
  const targets = [...byJob.values()].sort((a, b) => a.job.localeCompare(b.job));
  return { targets, deployedJobs: deployed.size };
}

/**
 * Deletes what `findPrunable` found. A stateful job (upgradeMode savepoint or last-state) is first
 * suspended with a savepoint, recorded on the object, and deleted only once the operator reports a
 * savepoint newer than the request: a retry after a time-out waits for that savepoint again, never
 * deletes without it. Only `prune.allowStateLoss` in the environment file gives the state up.
 */
export async function prune(
  client: KubeClient,
  resources: Resources,
  plan: PrunePlan,
  o: PruneOptions,
): Promise<ObjectResult[]> {
  const results = await Promise.all(plan.targets.map((t) => pruneJob(client, resources, t, o)));
  return results.flat();
}

/** Finds and deletes in one step (`diff` uses it as a dry run). */
export async function pruneRemovedJobs(
  client: KubeClient,
  resources: Resources,
  o: PruneOptions,
): Promise<ObjectResult[]> {
  return prune(client, resources, await findPrunable(client, resources, o), o);
}

async function pruneJob(
  client: KubeClient,
  resources: Resources,
  t: PruneTarget,
  o: PruneOptions,
): Promise<ObjectResult[]> {
  const { job, objects } = t;
  const row = (m: KubeObject) => ({ kind: m.kind, namespace: m.metadata.namespace ?? '', name: m.metadata.name, job });
  const why =
    t.reason === 'removed'
      ? `job folder jobs/${job} was removed`
      : `replaced: jobs/${job} no longer deploys it here (moved namespace or kind)`;
  const saved = new Map<KubeObject, string>();
  const notes: string[] = [];
  for (const m of objects.filter(isStateful)) {
    if (o.allowStateLoss?.has(job)) {
      notes.push('state given up: prune.allowStateLoss lists the job');
      continue;
    }
    if (o.dryRun) {
      notes.push(
        m.metadata.annotations?.[PRUNE_MARK.requestedAt]
          ? 'would wait for the savepoint prune asked for before deleting it'
          : 'would suspend it with a savepoint first',
      );
      continue;
    }
    const r = await secureState(client, resources, m, o);
    if ('error' in r)
      // Without a savepoint the job's state would be lost: keep every object of the job.
      return objects.map((x) => ({
        ...row(x),
        result: 'failed' as const,
        message:
          x === m
            ? `not deleted: ${r.error}; left ${r.left}`
            : `not deleted: ${m.kind} ${m.metadata.name} has no savepoint yet`,
        ...(x === m ? { state: r.left } : {}),
      }));
    saved.set(m, r.savepoint);
  }
  const out: ObjectResult[] = [];
  for (const wave of deletionOrder(
    objects.map((m) => ({ m, kind: m.kind, namespace: m.metadata.namespace ?? '', name: m.metadata.name })),
  )) {
    await Promise.all(
      wave.map(async ({ m }) => {
        const sp = saved.get(m);
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
            message: [o.dryRun ? 'dry run' : '', why, sp ? `state saved in ${sp}` : '', ...(isStateful(m) ? notes : [])]
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

function isFlinkJob(m: KubeObject): boolean {
  return (m.kind === 'FlinkDeployment' || m.kind === 'FlinkSessionJob') && !!m.spec?.job;
}

/** A job whose state lives on (upgradeMode savepoint or last-state), as Git last deployed it. */
function isStateful(m: KubeObject): boolean {
  if (!isFlinkJob(m)) return false;
  const mode = m.metadata.annotations?.[PRUNE_MARK.upgradeModeBefore] ?? m.spec?.job?.upgradeMode ?? 'stateless';
  return mode !== 'stateless';
}

/** The upgrade savepoint the operator reports, if it is a real one. */
function upgradeSavepoint(m: KubeObject): string | undefined {
  const sp = m.status?.jobStatus?.upgradeSavepointPath;
  return typeof sp === 'string' && sp && sp !== LAST_STATE_PLACEHOLDER ? sp : undefined;
}

/**
 * The savepoint taken for prune's suspension, once the operator reports the job suspended with it:
 * `status.jobStatus.upgradeSavepointPath` differing from the one recorded before the request, or a
 * `savepointInfo.lastSavepoint` of trigger type UPGRADE taken after it (operators that keep the
 * deprecated savepoint history). See AbstractJobReconciler#setUpgradeSavepointPath in
 * flink-kubernetes-operator/src/main/java/org/apache/flink/kubernetes/operator/reconciler/deployment/.
 */
function savepointAfterRequest(live: KubeObject): string | undefined {
  const mark = live.metadata.annotations ?? {};
  if (healthOf(live).health !== 'suspended') return undefined;
  const sp = upgradeSavepoint(live);
  if (sp && sp !== (mark[PRUNE_MARK.savepointBefore] ?? '')) return sp;
  const last = live.status?.jobStatus?.savepointInfo?.lastSavepoint;
  const requested = Date.parse(mark[PRUNE_MARK.requestedAt] ?? '');
  if (last?.location && last.triggerType === 'UPGRADE' && Number(last.timeStamp) >= requested) return last.location;
  return undefined;
}

type Secured = { savepoint: string } | { error: string; left: string };

/**
 * Gets the job's state into a savepoint: suspends it (recording the request on the object) unless a
 * run before this one already did, then waits for the operator to report a savepoint newer than
 * the request. A job suspended in Git without prune's record has no savepoint flinkops can vouch
 * for, unless it was suspended with upgradeMode savepoint and the operator reports that savepoint.
 */
async function secureState(client: KubeClient, resources: Resources, m: KubeObject, o: PruneOptions): Promise<Secured> {
  const ref = { apiVersion: m.apiVersion, kind: m.kind, namespace: m.metadata.namespace ?? '', name: m.metadata.name };
  let requestedAt = m.metadata.annotations?.[PRUNE_MARK.requestedAt];
  if (!requestedAt && m.spec?.job?.state === 'suspended') {
    const sp = m.spec?.job?.upgradeMode === 'savepoint' ? upgradeSavepoint(m) : undefined;
    if (sp && healthOf(m).health === 'suspended') return { savepoint: sp };
    return {
      error: `it was suspended in Git without a savepoint the operator reports (upgradeMode ${m.spec?.job?.upgradeMode})`,
      left: 'suspended, as Git left it: restore its folder and resume it so prune can take a savepoint, or list it under prune.allowStateLoss',
    };
  }
  if (!requestedAt) {
    requestedAt = new Date().toISOString();
    try {
      await serverSideApply(
        client,
        resources,
        {
          apiVersion: m.apiVersion,
          kind: m.kind,
          metadata: {
            name: m.metadata.name,
            namespace: ref.namespace,
            annotations: {
              [PRUNE_MARK.requestedAt]: requestedAt,
              [PRUNE_MARK.savepointBefore]: upgradeSavepoint(m) ?? '',
              [PRUNE_MARK.upgradeModeBefore]: String(m.spec?.job?.upgradeMode ?? 'stateless'),
            },
          },
          spec: { job: { state: 'suspended', upgradeMode: 'savepoint' } },
        },
        { fieldManager: PRUNE_MANAGER, force: true },
      );
    } catch (e) {
      return { error: `cannot suspend it: ${explainRefusal(e)}`, left: 'running, unchanged' };
    }
  }
  const deadline = Date.now() + o.timeoutMs;
  const left = `suspended (prune asked for a savepoint at ${requestedAt}); a retry deletes it only once the operator reports that savepoint — restore its folder to resume it instead`;
  for (;;) {
    const live = await getObject(client, resources, ref);
    if (!live) return { error: 'it disappeared while suspending', left: 'gone' };
    const sp = savepointAfterRequest(live);
    if (sp) return { savepoint: sp };
    const h = healthOf(live);
    if (h.health === 'failed') return { error: `suspending failed: ${h.message}`, left };
    if (Date.now() >= deadline)
      return { error: `no savepoint after waiting ${Math.round(o.timeoutMs / 1000)} s (${h.message})`, left };
    await new Promise((r) => setTimeout(r, o.pollMs ?? 2000));
  }
}
