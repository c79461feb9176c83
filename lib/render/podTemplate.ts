import type { EnvVar } from './secrets.js';

/** The operator merges the pod template into the pods it creates; the Flink container must have this name. */
export const MAIN_CONTAINER = 'flink-main-container';

/** Pieces that DNS, Hadoop, secrets and the SQL script each add to a pod template. */
export interface PodParts {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  env: EnvVar[];
  volumes: Record<string, unknown>[];
  mounts: Record<string, unknown>[];
  /** Container ports beyond Flink's own (Flink adds its ports to the template's). */
  ports: Record<string, unknown>[];
  /** Pod-level fields: dnsPolicy, dnsConfig, hostAliases. */
  spec: Record<string, unknown>;
}

export function emptyParts(labels: Record<string, string>): PodParts {
  return { labels, annotations: {}, env: [], volumes: [], mounts: [], ports: [], spec: {} };
}

export function podTemplate(p: PodParts): Record<string, unknown> {
  const container: Record<string, unknown> = { name: MAIN_CONTAINER };
  if (p.env.length) container.env = p.env;
  if (p.mounts.length) container.volumeMounts = p.mounts;
  if (p.ports.length) container.ports = p.ports;
  return {
    metadata: { labels: p.labels, ...(Object.keys(p.annotations).length ? { annotations: p.annotations } : {}) },
    spec: { containers: [container], ...(p.volumes.length ? { volumes: p.volumes } : {}), ...p.spec },
  };
}
