import type { ErrorObject } from 'ajv';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Ingress as IngressV1 } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { Ingress as IngressV1beta1 } from 'kubernetes-models/networking.k8s.io/v1beta1/Ingress';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { RenderedObject } from './context.js';
import { bundledCrds, type CrdValidators } from './crds.js';
import { isLabelValue } from './labels.js';

/** Core objects: the Kubernetes OpenAPI schemas (kubernetes-models' compiled validators). */
const CORE: Record<string, new (data: Record<string, unknown>) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap as never,
  'networking.k8s.io/v1/Ingress': IngressV1 as never,
  'networking.k8s.io/v1beta1/Ingress': IngressV1beta1 as never,
};

/** Kinds checked against the CRDs flinkops carries (schemas/prometheus-operator/), whatever --crds says. */
const BUNDLED_GROUP = 'monitoring.coreos.com/';

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/**
 * Checks every rendered object against its schema: core kinds against the Kubernetes OpenAPI, the
 * operator's kinds against its CRDs when given (else reported once as a warning), plus the name and
 * label rules the API server enforces beyond the schema.
 */
export function validateObjects(
  objects: RenderedObject[],
  crds: CrdValidators | undefined,
  diagnostics: Diagnostic[],
): void {
  let missingCrds = false;
  let bundled: CrdValidators | undefined;
  for (const o of objects) {
    const where = { file: o.template, line: 1, column: 1, ...(o.job ? { job: o.job } : {}) };
    const report = (message: string) =>
      diagnostics.push({
        severity: 'error',
        rule: 'render/schema',
        message: `${o.kind} ${o.namespace}/${o.name}: ${message}`,
        hint: 'the template or a value of the job renders an object Kubernetes would reject',
        ...where,
      });
    if (o.name.length > 253 || !NAME.test(o.name)) report(`name "${o.name}" is not a valid Kubernetes name`);
    const meta = (o.object.metadata ?? {}) as { labels?: Record<string, unknown> };
    for (const [k, v] of Object.entries(meta.labels ?? {})) {
      if (!LABEL_KEY.test(k)) report(`label key "${k}" is not valid`);
      if (typeof v !== 'string' || !isLabelValue(v))
        report(`label ${k}=${JSON.stringify(v)}: a label value has at most 63 letters, digits, "-", "_" or "."`);
    }
    const type = `${o.apiVersion}/${o.kind}`;
    const Core = CORE[type];
    if (Core) {
      try {
        new Core(o.object).validate();
      } catch (e) {
        report((e as Error).message);
      }
      continue;
    }
    const v = o.apiVersion.startsWith(BUNDLED_GROUP)
      ? (bundled ??= bundledCrds()).byType.get(type)
      : crds?.byType.get(type);
    if (!v) {
      if (!crds) missingCrds = true;
      else report(`the CRDs given have no ${type}`);
      continue;
    }
    if (!v(o.object)) report(formatErrors(v.errors ?? []));
  }
  if (missingCrds) {
    diagnostics.push({
      severity: 'warning',
      rule: 'render/crds',
      message: 'FlinkDeployment and FlinkSessionJob objects were not checked against the operator CRDs',
      hint: 'set FLINKOPS_CRDS (or --crds) to a folder with the operator CRD files (helm/flink-kubernetes-operator/crds/)',
      file: 'platform',
      line: 1,
      column: 1,
    });
  }
}

function formatErrors(errors: ErrorObject[]): string {
  return errors
    .slice(0, 5)
    .map(
      (e) =>
        `${e.instancePath || '/'} ${e.message}${e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : ''}${e.keyword === 'enum' ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})` : ''}`,
    )
    .join('; ');
}
