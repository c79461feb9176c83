import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { RenderedObject } from './context.js';

/**
 * Objects the Flink operator (through Flink's native Kubernetes integration) creates for a
 * FlinkDeployment named `n`: the JobManager Deployment and internal Service `n`, the REST Service
 * `n-rest` (Flink: KubernetesUtils#getRestServiceName; operator: IngressUtils REST_SVC_NAME_SUFFIX),
 * and in standalone mode the TaskManager Deployment `n-taskmanager` (operator:
 * flink-kubernetes-standalone/.../StandaloneKubernetesUtils TM_DEPLOYMENT_POSTFIX).
 */
export function derivedNames(name: string): string[] {
  return [name, `${name}-rest`, `${name}-taskmanager`];
}

/** Namespaces no team may deploy to: Kubernetes' own, and where flinkops keeps its ApplySets and leases. */
export function isReservedNamespace(ns: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (
    ns.startsWith('kube-') || ns === 'flinkops-system' || (!!env.FLINKOPS_NAMESPACE && ns === env.FLINKOPS_NAMESPACE)
  );
}

/**
 * What would make an apply write one object twice, or let two jobs fight over what the operator
 * derives from their names, or put a job where the platform lives. Render refuses these as validate
 * does, so no apply ever sends them.
 */
export function objectConflicts(objects: RenderedObject[], env: NodeJS.ProcessEnv = process.env): Diagnostic[] {
  const out: Diagnostic[] = [];
  const where = (o: RenderedObject) => ({
    file: o.job ? `jobs/${o.job}/job.yaml` : 'platform/sessions.yaml',
    line: 1,
    column: 1,
    ...(o.job ? { job: o.job } : {}),
  });
  const seen = new Map<string, RenderedObject>();
  for (const o of objects) {
    const key = `${o.kind}/${o.namespace}/${o.name}`;
    const first = seen.get(key);
    if (first && (first.job || o.job) && first.job !== o.job)
      out.push({
        severity: 'error',
        rule: 'render/duplicate-object',
        message: `${key} would be written by both ${first.job ?? 'a shared object'} and ${o.job ?? 'a shared object'}`,
        hint: 'rename one of the jobs, or move it to another namespace',
        ...where(o),
      });
    else if (!first) seen.set(key, o);
  }
  const derived = new Map<string, RenderedObject>();
  for (const o of objects.filter((x) => x.kind === 'FlinkDeployment'))
    for (const n of derivedNames(o.name))
      if (!derived.has(`${o.namespace}/${n}`)) derived.set(`${o.namespace}/${n}`, o);
  for (const o of objects.filter((x) => x.kind === 'FlinkDeployment')) {
    for (const n of derivedNames(o.name)) {
      const other = derived.get(`${o.namespace}/${n}`);
      if (other && other !== o && n !== other.name)
        out.push({
          severity: 'error',
          rule: 'render/derived-name',
          message: `the operator creates ${n} in ${o.namespace} for both FlinkDeployment ${o.name} and ${other.name}`,
          hint: `rename one of them: "${other.name}" derives ${derivedNames(other.name).join(', ')}`,
          ...where(o),
        });
    }
  }
  const reported = new Set<string>();
  for (const o of objects) {
    // The platform's own shared objects (dnsmasq, session clusters) may live there; a job may not.
    if (!o.job || !isReservedNamespace(o.namespace, env) || reported.has(`${o.job}\0${o.namespace}`)) continue;
    reported.add(`${o.job}\0${o.namespace}`);
    out.push({
      severity: 'error',
      rule: 'render/reserved-namespace',
      message: `namespace ${o.namespace} is reserved for ${o.namespace.startsWith('kube-') ? 'Kubernetes' : 'the platform'}: no job may deploy there`,
      hint: 'give the team a namespace of its own in team.yaml',
      ...where(o),
      ...(o.job ? { file: `jobs/${o.job.split('/')[0]}/team.yaml` } : {}),
    });
  }
  return out;
}
