/** A Kubernetes object as the API server sends it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    generation?: number;
    uid?: string;
    creationTimestamp?: string;
    managedFields?: ManagedFields[];
    [key: string]: unknown;
  };
  // biome-ignore lint/suspicious/noExplicitAny: spec and status are the CRD's, read field by field
  spec?: Record<string, any>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  status?: Record<string, any>;
  [key: string]: unknown;
}

export interface ManagedFields {
  manager?: string;
  operation?: 'Apply' | 'Update';
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
  time?: string;
}

export type FieldPath = string[];

/** Metadata the server owns: never part of a comparison between Git and the cluster. */
const SERVER_METADATA = [
  'resourceVersion',
  'generation',
  'managedFields',
  'creationTimestamp',
  'uid',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'finalizers',
  'ownerReferences',
];

/** The object without status and server-owned metadata: what Git can decide. */
export function comparable(o: KubeObject): Record<string, unknown> {
  const { status: _status, metadata, ...rest } = o;
  const m: Record<string, unknown> = { ...metadata };
  for (const k of SERVER_METADATA) delete m[k];
  return { ...rest, metadata: m };
}

/** Dotted paths of the leaves that differ between two values (`spec.job.parallelism`), sorted. */
export function changedPaths(a: unknown, b: unknown, prefix = ''): string[] {
  if (isPlain(a) && isPlain(b)) {
    const out: string[] = [];
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      out.push(...changedPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
    }
    return out;
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  return [prefix || '(root)'];
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The leaf fields one manager owns, from `managedFields` (`f:spec` → `f:job` → `f:state` becomes
 * `spec.job.state`). Only map keys (`f:`) are followed: flinkops' run-time fields are all scalars in maps.
 */
export function ownedFields(o: KubeObject, manager: string): FieldPath[] {
  const out: FieldPath[] = [];
  const walk = (node: Record<string, unknown>, path: string[]) => {
    const keys = Object.keys(node).filter((k) => k.startsWith('f:'));
    if (!keys.length && path.length) out.push(path);
    for (const k of keys) walk((node[k] ?? {}) as Record<string, unknown>, [...path, k.slice(2)]);
  };
  for (const m of o.metadata.managedFields ?? []) {
    if (m.manager === manager && !m.subresource && m.fieldsV1) walk(m.fieldsV1, []);
  }
  return out;
}

export function getPath(o: unknown, path: FieldPath): unknown {
  let cur = o;
  for (const p of path) {
    if (!isPlain(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

/** Removes one field from an object (a copy the caller owns); empty parents stay. */
export function deletePath(o: Record<string, unknown>, path: FieldPath): boolean {
  let cur: unknown = o;
  for (const p of path.slice(0, -1)) {
    if (!isPlain(cur)) return false;
    cur = cur[p];
  }
  if (!isPlain(cur) || !(path[path.length - 1]! in cur)) return false;
  delete cur[path[path.length - 1]!];
  return true;
}

export function objectKey(o: { kind: string; namespace?: string; name: string }): string {
  return `${o.kind}/${o.namespace ?? ''}/${o.name}`;
}

/** The field managers flinkops writes as: Git's objects, and the run-time actions' few fields. */
export const MANAGER = { apply: 'flinkops', action: 'flinkops-action' } as const;
