import { ApiError, type KubeClient } from '../k8s/client.js';
import { explainRefusal, getObject, listObjects, serverSideApply } from '../k8s/requests.js';
import {
  changedPaths,
  comparable,
  deletePath,
  type FieldPath,
  getPath,
  MANAGER,
  objectKey,
  ownedFields,
  type KubeObject,
} from '../k8s/objects.js';
import { Resources } from '../k8s/resources.js';
import type { RenderedObject } from '../render/context.js';
import { LABEL } from '../render/labels.js';
import { RUN_VAR_CONF_PREFIX } from '../vars/runVars.js';
import {
  APPLYSET,
  type ApplySetRef,
  applySetId,
  groupKind,
  PROJECT_ANNOTATION,
  parentName,
  systemNamespace,
} from './applyset.js';
import { byIdentity, inWaves } from './order.js';

/** The job folder an object belongs to (set at apply time; session clusters and shared ConfigMaps have none). */
export const JOB_FOLDER = 'flinkops.io/job-folder';
/** Git's `state:` as last applied: tells a Git change of `state:` (which wins) from an action's own value (which stays). */
export const GIT_STATE = 'flinkops.io/git-state';

/** `not-sent`: an interrupted apply (SIGINT, SIGTERM) never sent the object; the cluster has it as before. */
export type ResultKind = 'created' | 'configured' | 'unchanged' | 'deleted' | 'failed' | 'not-sent';

/** What happened to one object: the JSON contract of `flinkops apply --json`. */
export interface ObjectResult {
  kind: string;
  namespace: string;
  name: string;
  result: ResultKind;
  message: string;
  /** `team/job` of a job's own objects. */
  job?: string;
  /** The savepoint a pruned stateful job was suspended with. */
  savepoint?: string;
  /** What state a job prune could not delete was left in (suspended, waiting for its savepoint; running). */
  state?: string;
}

export interface ApplyInput {
  env: string;
  /** The repository (`group/project`): with env, the ApplySet the objects join. */
  project: string;
  objects: RenderedObject[];
  dryRun?: boolean;
  /** Take back fields another manager changed (a conflict otherwise fails the object). */
  force?: boolean;
  /**
   * Annotations that record the apply, not Git's content (`flinkops.io/commit`): their live value is
   * sent back unchanged, so a drift check's dry run compares only what Git decides.
   */
  keepLiveAnnotations?: string[];
  /** Jobs whose `state` a scheduler drives (job.yaml `lifecycle: scheduler`): Git's `state:` counts at creation only. */
  schedulerDriven?: Set<string>;
  /** Aborted (SIGINT, SIGTERM): requests in flight finish, nothing more is sent. */
  signal?: AbortSignal;
}

export interface ApplyOutcome {
  results: ObjectResult[];
  /** What the server returned for each object applied (for --wait), by `Kind/namespace/name`. */
  live: Map<string, KubeObject>;
  /** Objects of this environment's ApplySet found in the cluster before the apply, by key. */
  before: Map<string, KubeObject>;
}

interface Item {
  r: RenderedObject;
  key: string;
  kind: string;
  namespace: string;
  name: string;
}

/**
 * Server-side applies one environment's rendered objects, namespaces and ConfigMaps first, each
 * wave in parallel (bounded by the client), and reports every object exactly: created, configured
 * (with the fields that changed), unchanged or failed (with the server's reason). An object is not
 * sent when something it needs failed before it — its namespace, its job's ConfigMap, a shared
 * ConfigMap of its namespace — so a half-failed run never starts a job against stale inputs.
 */
export async function applyObjects(
  client: KubeClient,
  input: ApplyInput,
  resources = new Resources(client),
): Promise<ApplyOutcome> {
  const dryRun = input.dryRun === true;
  const ref = { env: input.env, project: input.project };
  const id = applySetId(ref, systemNamespace());
  const results: ObjectResult[] = [];
  const live = new Map<string, KubeObject>();

  if (input.signal?.aborted) {
    for (const r of input.objects)
      results.push({
        kind: r.kind,
        namespace: r.namespace,
        name: r.name,
        ...(r.job ? { job: r.job } : {}),
        result: 'not-sent',
        message: 'interrupted before it was sent',
      });
    return { results: results.sort(byIdentity), live, before: new Map() };
  }
  // Every kind must be served before anything is written: a missing CRD fails the run up front.
  for (const o of input.objects) await resources.resolve(o.apiVersion, o.kind);

  if (!dryRun) await recordParent(client, resources, ref, input.objects);

  const namespaces = [...new Set(input.objects.map((o) => o.namespace))].sort();
  const missingNs = new Set<string>();
  const failedNs = new Map<string, string>();
  await Promise.all(
    namespaces.map(async (ns) => {
      const nsObj = { apiVersion: 'v1', kind: 'Namespace', name: ns };
      try {
        if (await getObject(client, resources, nsObj)) return;
      } catch (e) {
        // Not allowed to read namespaces is common for a namespaced token: the objects' own requests will tell.
        if (e instanceof ApiError && e.status === 403) return;
        throw e;
      }
      missingNs.add(ns);
      const object: KubeObject = {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns, labels: { [LABEL.managedBy]: 'flinkops' } },
      };
      try {
        await serverSideApply(client, resources, object, { fieldManager: MANAGER.apply, dryRun });
        results.push({
          kind: 'Namespace',
          namespace: '',
          name: ns,
          result: 'created',
          message: dryRun ? 'dry run' : '',
        });
      } catch (e) {
        failedNs.set(ns, explainRefusal(e));
        results.push({ kind: 'Namespace', namespace: '', name: ns, result: 'failed', message: explainRefusal(e) });
      }
    }),
  );

  const before = await listMembers(client, resources, id, input.objects, missingNs);
  const failedJobs = new Map<string, string>();
  const failedShared = new Map<string, string>();
  const items: Item[] = input.objects.map((r) => ({
    r,
    key: objectKey(r),
    kind: r.kind,
    namespace: r.namespace,
    name: r.name,
  }));

  for (const wave of inWaves(items)) {
    const waveFailures: { item: Item; reason: string }[] = [];
    const send = async (item: Item) => {
      const { r } = item;
      const base = { kind: r.kind, namespace: r.namespace, name: r.name, ...(r.job ? { job: r.job } : {}) };
      if (input.signal?.aborted) {
        results.push({ ...base, result: 'not-sent', message: 'interrupted before it was sent' });
        return;
      }
      const blocker = failedNs.has(r.namespace)
        ? `Namespace ${r.namespace}`
        : (r.job && failedJobs.get(r.job)) || failedShared.get(r.namespace);
      if (blocker) {
        results.push({ ...base, result: 'failed', message: `not applied: ${blocker} failed before it` });
        waveFailures.push({ item, reason: blocker });
        return;
      }
      if (dryRun && missingNs.has(r.namespace)) {
        results.push({ ...base, result: 'created', message: `dry run (namespace ${r.namespace} is created first)` });
        return;
      }
      const prior = before.get(item.key);
      const { object, kept, takeBack } = desired(r, id, prior, {
        keepLive: input.keepLiveAnnotations ?? [],
        schedulerDriven: !!r.job && !!input.schedulerDriven?.has(r.job),
        dryRun,
      });
      try {
        // A Git change of a field an action owns: the action's manager first agrees to Git's value (two
        // managers may own one field with the same value), Git's apply then shares it, and the action lets go.
        if (takeBack.length && prior)
          await serverSideApply(client, resources, ownedConfiguration(prior, MANAGER.action, object, takeBack), {
            fieldManager: MANAGER.action,
          });
        const res = await serverSideApply(client, resources, object, {
          fieldManager: MANAGER.apply,
          dryRun,
          force: input.force === true,
        });
        if (takeBack.length && prior)
          res.body = (
            await serverSideApply(
              client,
              resources,
              ownedConfiguration(res.body, MANAGER.action, undefined, takeBack),
              {
                fieldManager: MANAGER.action,
              },
            )
          ).body;
        live.set(item.key, res.body);
        const note = [dryRun ? 'dry run' : '', ...kept].filter(Boolean);
        if (res.status === 201) {
          results.push({ ...base, result: 'created', message: note.join('; ') });
        } else if (!prior) {
          results.push({
            ...base,
            result: 'configured',
            message: ["adopted: it existed without flinkops' ApplySet label", ...note].join('; '),
          });
        } else {
          const changed = changedPaths(comparable(prior), comparable(res.body));
          const same = dryRun
            ? changed.length === 0
            : prior.metadata.resourceVersion === res.body.metadata.resourceVersion;
          results.push({
            ...base,
            result: same ? 'unchanged' : 'configured',
            message: [same ? '' : summarise(changed), ...note].filter(Boolean).join('; '),
          });
        }
      } catch (e) {
        const reason = explainRefusal(e);
        results.push({ ...base, result: 'failed', message: reason });
        waveFailures.push({ item, reason: `${r.kind} ${r.namespace}/${r.name}` });
      }
    };
    // As many workers as the client sends at once, each checking for an interrupt before its next object:
    // queued objects are never sent after one (the client's own queue would send them all).
    const queue = [...wave];
    await Promise.all(
      Array.from({ length: Math.min(client.concurrency, queue.length) }, async () => {
        for (let item = queue.shift(); item; item = queue.shift()) await send(item);
      }),
    );
    for (const { item, reason } of waveFailures) {
      if (item.r.job) failedJobs.set(item.r.job, failedJobs.get(item.r.job) ?? reason);
      else failedShared.set(item.r.namespace, failedShared.get(item.r.namespace) ?? reason);
    }
  }
  results.sort(byIdentity);
  return { results, live, before };
}

/**
 * The object to send: the rendered one, marked as an ApplySet member, and who decides the run-time
 * fields. A field a run-time action (`flinkops action`) owns stays as the action left it — unless Git
 * changed it since the last apply (only `state:` is both in Git and an action's): then Git wins
 * (`takeBack`). A job whose lifecycle a scheduler drives keeps its live `state` whatever Git says.
 * Every field Git does not decide is named in `kept`.
 */
function desired(
  r: RenderedObject,
  id: string,
  prior: KubeObject | undefined,
  o: { keepLive: string[]; schedulerDriven: boolean; dryRun: boolean },
): { object: KubeObject; kept: string[]; takeBack: FieldPath[] } {
  const object = structuredClone(r.object) as KubeObject;
  object.metadata = { ...object.metadata, labels: { ...(object.metadata.labels ?? {}), [APPLYSET.partOf]: id } };
  const annotations = { ...(object.metadata.annotations ?? {}) };
  for (const key of o.keepLive) {
    const liveValue = prior?.metadata.annotations?.[key];
    if (liveValue === undefined) delete annotations[key];
    else annotations[key] = liveValue;
  }
  // Prune deletes a job's objects only when this folder is gone from Git; shared objects carry none.
  if (r.job) annotations[JOB_FOLDER] = `jobs/${r.job}`;
  const gitState = object.spec?.job?.state as string | undefined;
  if (gitState !== undefined) annotations[GIT_STATE] = gitState;
  if (Object.keys(annotations).length) object.metadata.annotations = annotations;
  const kept: string[] = [];
  const takeBack: FieldPath[] = [];
  if (!prior) return { object, kept, takeBack };
  const show = (v: unknown) => JSON.stringify(v);
  const statePath = ['spec', 'job', 'state'];
  const liveState = getPath(prior, statePath);
  if (o.schedulerDriven && gitState !== undefined && liveState !== undefined) {
    object.spec!.job.state = liveState;
    kept.push(
      `spec.job.state stays ${show(liveState)} (lifecycle: scheduler — a scheduler drives it${liveState !== gitState ? `; Git says ${show(gitState)}` : ''})`,
    );
  }
  for (const path of ownedFields(prior, MANAGER.action)) {
    const isState = path.join('.') === statePath.join('.');
    if (isState && o.schedulerDriven) continue;
    const gitValue = getPath(object, path);
    const liveValue = getPath(prior, path);
    // A field that is Git's alone (upgradeMode, after `action restore --from none`) returns to Git.
    if (!isRunTimeField(path) && gitValue !== undefined) {
      if (o.dryRun) deletePath(object as unknown as Record<string, unknown>, path);
      else takeBack.push(path);
      kept.push(
        `${path.join('.')} ${o.dryRun ? 'would return' : 'returns'} to Git (${show(gitValue)}${show(gitValue) !== show(liveValue) ? `; flinkops action had set ${show(liveValue)}` : ''})`,
      );
      continue;
    }
    const gitBefore = prior.metadata.annotations?.[GIT_STATE];
    if (isState && gitValue !== undefined && gitBefore !== undefined && gitBefore !== gitValue) {
      if (gitValue === liveValue) continue;
      if (o.dryRun) deletePath(object as unknown as Record<string, unknown>, path);
      else takeBack.push(path);
      kept.push(
        `spec.job.state ${o.dryRun ? 'would become' : 'becomes'} ${show(gitValue)}: Git changed state: ${show(gitBefore)} → ${show(gitValue)}, which wins over flinkops action's ${show(liveValue)}`,
      );
      continue;
    }
    if (deletePath(object as unknown as Record<string, unknown>, path)) {
      kept.push(
        `${path.join('.')} stays ${show(liveValue)} (set by flinkops action${show(gitValue) !== show(liveValue) ? `; Git says ${show(gitValue)}${isState ? ' — change state: in Git to take it back' : ''}` : ''})`,
      );
    }
  }
  return { object, kept, takeBack };
}

/** The fields a run-time action decides: the job's state, the nonces, the savepoint to start from, run variables. */
function isRunTimeField(path: FieldPath): boolean {
  const p = path.join('.');
  return (
    [
      'spec.job.state',
      'spec.job.savepointTriggerNonce',
      'spec.job.initialSavepointPath',
      'spec.job.savepointRedeployNonce',
      'spec.job.allowNonRestoredState',
      'spec.restartNonce',
    ].includes(p) ||
    (path[1] === 'flinkConfiguration' && String(path[2]).startsWith(RUN_VAR_CONF_PREFIX))
  );
}

/**
 * The apply configuration of the fields `manager` owns, with their live values; `set` paths take the
 * value from `from`, `drop` paths are left out (which gives them up).
 */
function ownedConfiguration(
  live: KubeObject,
  manager: string,
  from: KubeObject | undefined,
  paths: FieldPath[],
): KubeObject {
  const spec: Record<string, unknown> = {};
  const key = (p: FieldPath) => p.join('\0');
  const chosen = new Set(paths.map(key));
  for (const path of ownedFields(live, manager)) {
    if (path[0] !== 'spec') continue;
    if (chosen.has(key(path)) && !from) continue;
    const value = chosen.has(key(path)) ? getPath(from, path) : getPath(live, path);
    let cur = spec;
    for (const p of path.slice(1, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
    cur[path[path.length - 1]!] = value;
  }
  return {
    apiVersion: live.apiVersion,
    kind: live.kind,
    metadata: { name: live.metadata.name, namespace: live.metadata.namespace! },
    spec,
  };
}

function summarise(paths: string[]): string {
  if (!paths.length) return '';
  const shown = paths.slice(0, 6).join(', ');
  return `changed: ${shown}${paths.length > 6 ? ` and ${paths.length - 6} more` : ''}`;
}

/** The members of this environment's ApplySet in the namespaces and kinds about to be applied. */
async function listMembers(
  client: KubeClient,
  resources: Resources,
  id: string,
  objects: RenderedObject[],
  skipNs: Set<string>,
): Promise<Map<string, KubeObject>> {
  const pairs = new Map<string, { ns: string; apiVersion: string; kind: string }>();
  for (const o of objects)
    if (!skipNs.has(o.namespace))
      pairs.set(`${o.namespace}\0${o.apiVersion}\0${o.kind}`, {
        ns: o.namespace,
        apiVersion: o.apiVersion,
        kind: o.kind,
      });
  const out = new Map<string, KubeObject>();
  await Promise.all(
    [...pairs.values()].map(async (p) => {
      try {
        for (const item of await listObjects(client, resources, p.apiVersion, p.kind, p.ns, `${APPLYSET.partOf}=${id}`))
          out.set(objectKey({ kind: p.kind, namespace: p.ns, name: item.metadata.name }), item);
      } catch (e) {
        // A namespace this token may not read: its objects' own requests will report the refusal.
        if (!(e instanceof ApiError && (e.status === 403 || e.status === 404))) throw e;
      }
    }),
  );
  return out;
}

/**
 * The ApplySet parent lists every kind and namespace members may be in; it is widened before any
 * member is written (as the KEP requires), so a prune after a failed run still finds everything.
 */
export async function recordParent(
  client: KubeClient,
  resources: Resources,
  ref: ApplySetRef,
  objects: { apiVersion: string; kind: string; namespace: string }[],
  replace = false,
): Promise<void> {
  const ns = systemNamespace();
  const name = parentName(ref);
  const current = replace
    ? undefined
    : await getObject(client, resources, { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
  const split = (v: string | undefined) => (v ? v.split(',').filter(Boolean) : []);
  const kinds = new Set([
    ...split(current?.metadata.annotations?.[APPLYSET.groupKinds]),
    ...objects.map((o) => groupKind(o.apiVersion, o.kind)),
  ]);
  const namespaces = new Set([
    ...split(current?.metadata.annotations?.[APPLYSET.namespaces]),
    ...objects.map((o) => o.namespace),
  ]);
  namespaces.delete(ns);
  const parent: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace: ns,
      labels: { [APPLYSET.id]: applySetId(ref, ns), [LABEL.managedBy]: 'flinkops', [LABEL.env]: ref.env },
      annotations: {
        [APPLYSET.tooling]: 'flinkops/v1',
        [PROJECT_ANNOTATION]: ref.project,
        [APPLYSET.groupKinds]: [...kinds].sort().join(','),
        [APPLYSET.namespaces]: [...namespaces].sort().join(','),
      },
    },
  };
  await serverSideApply(client, resources, parent, { fieldManager: MANAGER.apply, force: true });
}
