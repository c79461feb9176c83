import { createHash } from 'node:crypto';

/**
 * flinkops marks what it manages the ApplySet way (KEP-3659, as `kubectl apply --applyset`): every
 * object it applies carries `applyset.kubernetes.io/part-of: <id>`, and one parent ConfigMap per
 * environment lists the kinds and namespaces its members may be in. Prune looks only there, so an
 * object someone else created is never deleted, even if it carries flinkops' other labels.
 */
export const APPLYSET = {
  partOf: 'applyset.kubernetes.io/part-of',
  id: 'applyset.kubernetes.io/id',
  tooling: 'applyset.kubernetes.io/tooling',
  groupKinds: 'applyset.kubernetes.io/contains-group-kinds',
  namespaces: 'applyset.kubernetes.io/additional-namespaces',
} as const;

/** Where flinkops keeps its own objects (the ApplySet parent, the apply Lease): $FLINKOPS_NAMESPACE, else `default`. */
export function systemNamespace(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLINKOPS_NAMESPACE || 'default';
}

export function parentName(env: string): string {
  return `flinkops-applyset-${env}`;
}

/** The ApplySet id of a ConfigMap parent: base64url(sha256("<name>.<namespace>.ConfigMap.")), as the KEP specifies. */
export function applySetId(env: string, namespace: string): string {
  const hash = createHash('sha256')
    .update(`${parentName(env)}.${namespace}.ConfigMap.`)
    .digest('base64url');
  return `applyset-${hash}-v1`;
}

/** `FlinkDeployment.flink.apache.org` (the KEP's group-kind notation; core kinds have no group). */
export function groupKind(apiVersion: string, kind: string): string {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return group ? `${kind}.${group}` : kind;
}
