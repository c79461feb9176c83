/**
 * The order objects are applied in, as waves: everything in a wave goes out in parallel, a wave
 * starts when the one before it has finished. Namespaces first, then what pods mount (ConfigMaps,
 * Secrets), then the Flink clusters, then what refers to a cluster (session jobs, Ingresses, alerting).
 */
const WAVE: Record<string, number> = {
  Namespace: 0,
  ServiceAccount: 1,
  Secret: 1,
  ConfigMap: 1,
  Role: 1,
  RoleBinding: 1,
  PersistentVolumeClaim: 1,
  FlinkDeployment: 2,
  Service: 2,
  FlinkSessionJob: 3,
  Ingress: 3,
  PodMonitor: 3,
  PrometheusRule: 3,
};

export function waveOf(kind: string): number {
  return WAVE[kind] ?? 2;
}

/** Objects grouped by wave, each wave in a stable order (namespace, kind, name). */
export function inWaves<T extends { kind: string; namespace?: string; name: string }>(objects: T[]): T[][] {
  const waves: T[][] = [];
  for (const o of objects) (waves[waveOf(o.kind)] ??= []).push(o);
  return waves.filter(Boolean).map((w) => [...w].sort(byIdentity));
}

/** Deletion runs the other way round: the Flink objects go before the ConfigMaps they mount. */
export function deletionOrder<T extends { kind: string; namespace?: string; name: string }>(objects: T[]): T[][] {
  return inWaves(objects).reverse();
}

export function byIdentity(
  a: { kind: string; namespace?: string; name: string },
  b: { kind: string; namespace?: string; name: string },
): number {
  const ka = `${a.namespace ?? ''}\0${a.kind}\0${a.name}`;
  const kb = `${b.namespace ?? ''}\0${b.kind}\0${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
