import type { Action } from '../repo/model.js';
import { getPath, ownedFields, MANAGER, type KubeObject } from '../k8s/objects.js';

export interface ActionInput {
  action: Action;
  savepoint?: string;
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
  // biome-ignore lint/suspicious/noExplicitAny: a patch of a schemaless live object
  const spec: Record<string, any> = { job: {} };
  for (const path of ownedFields(live, MANAGER.action)) {
    if (path[0] !== 'spec') continue;
    let cur = spec;
    for (const p of path.slice(1, -1)) cur = cur[p] ??= {};
    cur[path[path.length - 1]!] = getPath(live, path);
  }
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
  }
  if (!Object.keys(spec.job).length) delete spec.job;
  return {
    apiVersion: live.apiVersion,
    kind: live.kind,
    metadata: { name: live.metadata.name, namespace: live.metadata.namespace! },
    spec,
  };
}

/** The action is done when the operator reports it: the outcome it waits for. */
export type Expectation = 'suspended' | 'savepoint' | 'running' | 'observed';

export function expectationOf(a: Action): Expectation {
  return a === 'stop' || a === 'suspend'
    ? 'suspended'
    : a === 'savepoint'
      ? 'savepoint'
      : a === 'start'
        ? 'running'
        : 'observed';
}
