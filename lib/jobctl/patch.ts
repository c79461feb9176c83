import type { Action } from '../repo/model.js';
import { getPath, ownedFields, MANAGER, type KubeObject } from '../k8s/objects.js';
import { runVarConfKey } from '../vars/runVars.js';

export interface ActionInput {
  action: Action;
  /** start: the savepoint to start from (first deployment); restore: the savepoint, or `none` for empty state. */
  savepoint?: string;
  /** run: run variables, by name (job.yaml runVars). */
  vars?: Record<string, string>;
  allowNonRestoredState?: boolean;
  /** Distinguishes this savepoint or restart from earlier ones (the operator acts on a changed nonce). */
  nonce: number;
}

/**
 * The server-side apply configuration an action sends, as field manager `flinkops-action`. It
 * repeats the fields that manager already owns (with their live values), because an apply that
 * leaves out an owned field deletes it: a `savepoint` after a `stop` must not restart the job.
 */
export function actionPatch(live: KubeObject, a: ActionInput): KubeObject {
  const patch = ownedPatch(live);
  // biome-ignore lint/suspicious/noExplicitAny: a patch of a schemaless live object
  const spec = patch.spec as Record<string, any>;
  spec.job ??= {};
  switch (a.action) {
    case 'start':
      spec.job.state = 'running';
      // The operator reads these at the next (re)deployment; a later start without them drops them.
      if (a.savepoint) spec.job.initialSavepointPath = a.savepoint;
      else delete spec.job.initialSavepointPath;
      if (a.allowNonRestoredState) spec.job.allowNonRestoredState = true;
      else delete spec.job.allowNonRestoredState;
      break;
    case 'stop':
    case 'suspend':
      spec.job.state = 'suspended';
      break;
    case 'savepoint':
      spec.job.savepointTriggerNonce = a.nonce;
      break;
    case 'restart':
      spec.restartNonce = a.nonce;
      break;
    case 'run':
      // A new nonce makes the operator deploy again even when the last run FINISHED; a stateless job
      // then starts afresh (AbstractJobReconciler#getJobUpgrade: JobUpgrade.stateless(terminal)).
      spec.job.state = 'running';
      spec.restartNonce = a.nonce;
      for (const [name, value] of Object.entries(a.vars ?? {}))
        (spec.flinkConfiguration ??= {})[runVarConfKey(name)] = value;
      break;
    case 'restore':
      spec.job.state = 'running';
      delete spec.job.allowNonRestoredState;
      if (a.allowNonRestoredState) spec.job.allowNonRestoredState = true;
      if (a.savepoint && a.savepoint !== 'none') {
        // The operator redeploys from initialSavepointPath when savepointRedeployNonce changes; it
        // refuses an empty path (DefaultValidator: "InitialSavepointPath must not be empty").
        spec.job.initialSavepointPath = a.savepoint;
        spec.job.savepointRedeployNonce = a.nonce;
      } else {
        // Empty state: a restart with upgradeMode stateless starts without savepoint or HA metadata
        // (AbstractJobReconciler#reconcileSpecChange; restoreJob passes no savepoint unless SAVEPOINT).
        delete spec.job.initialSavepointPath;
        spec.job.upgradeMode = 'stateless';
        spec.restartNonce = a.nonce;
      }
      break;
  }
  if (!Object.keys(spec.job).length) delete spec.job;
  return patch;
}

/** The apply configuration of the fields flinkops-action owns, with their live values: it changes nothing. */
export function ownedPatch(live: KubeObject): KubeObject {
  // biome-ignore lint/suspicious/noExplicitAny: a patch of a schemaless live object
  const spec: Record<string, any> = {};
  for (const path of ownedFields(live, MANAGER.action)) {
    if (path[0] !== 'spec') continue;
    let cur = spec;
    for (const p of path.slice(1, -1)) cur = cur[p] ??= {};
    cur[path[path.length - 1]!] = getPath(live, path);
  }
  return {
    apiVersion: live.apiVersion,
    kind: live.kind,
    metadata: { name: live.metadata.name, namespace: live.metadata.namespace! },
    spec,
  };
}

/** The action is done when the operator reports it: the outcome it waits for. */
export type Expectation = 'suspended' | 'savepoint' | 'running' | 'observed' | 'finished';

export function expectationOf(a: Action): Expectation {
  return a === 'stop' || a === 'suspend'
    ? 'suspended'
    : a === 'savepoint'
      ? 'savepoint'
      : a === 'start' || a === 'restore'
        ? 'running'
        : a === 'run'
          ? 'finished'
          : 'observed';
}
