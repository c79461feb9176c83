import type { EnvSpec } from '../repo/model.js';
import { emit, type RenderContext } from './context.js';

/** The REST service the operator creates for every Flink cluster, and its port. */
export const REST_PORT = 8081;
export const restService = (cluster: string) => `${cluster}-rest`;

/** One way to write an Ingress, for the Kubernetes versions that serve its API version. */
interface IngressStrategy {
  apiVersion: string;
  /** Oldest Kubernetes minor version serving it. */
  since: number;
  template: string;
  /** Annotations the API version needs (v1beta1 has no ingressClassName field before 1.18). */
  annotations(className: string | undefined): Record<string, string>;
  className(className: string | undefined): string | undefined;
}

const STRATEGIES: IngressStrategy[] = [
  {
    apiVersion: 'networking.k8s.io/v1',
    since: 19,
    template: 'ingress-networking-v1.yaml.hbs',
    annotations: () => ({}),
    className: (c) => c,
  },
  {
    apiVersion: 'networking.k8s.io/v1beta1',
    since: 14,
    template: 'ingress-networking-v1beta1.yaml.hbs',
    annotations: (c): Record<string, string> => (c ? { 'kubernetes.io/ingress.class': c } : {}),
    className: () => undefined,
  },
];

/** The newest strategy the cluster serves. */
export function ingressStrategy(kubeMinor: number): IngressStrategy | undefined {
  return STRATEGIES.find((s) => kubeMinor >= s.since);
}

/** `/<namespace>/<name>/…` is served as `/…` by the cluster's REST endpoint; `/<namespace>/<name>` redirects to the slash. */
export function uiPath(namespace: string, name: string): string {
  return `/${namespace}/${name}`;
}

type IngressSpec = NonNullable<EnvSpec['ingress']>;

/**
 * nginx annotations for a Flink UI under a path prefix; the environment's own annotations win. No
 * snippet annotations: recent ingress-nginx refuses them by default. The UI loads its assets
 * relative to the page, so its URL ends with a slash (the links flinkops renders do).
 */
export function uiAnnotations(i: IngressSpec | undefined): Record<string, string> {
  return {
    'nginx.ingress.kubernetes.io/rewrite-target': '/$2',
    'nginx.ingress.kubernetes.io/use-regex': 'true',
    ...authAnnotations(i),
    ...(i?.annotations ?? {}),
  };
}

/** `ingress.auth`: ingress-nginx asks the external auth URL before every request to the UI. */
function authAnnotations(i: IngressSpec | undefined): Record<string, string> {
  const a = i?.auth;
  if (!a) return {};
  return {
    'nginx.ingress.kubernetes.io/auth-url': a.url,
    ...(a.signin ? { 'nginx.ingress.kubernetes.io/auth-signin': a.signin } : {}),
    ...(a.responseHeaders?.length
      ? { 'nginx.ingress.kubernetes.io/auth-response-headers': a.responseHeaders.join(',') }
      : {}),
  };
}

/** Flink's UI can cancel jobs: where anyone can reach it (an Ingress without auth), cancelling from it is off. */
export function addUiConf(ctx: RenderContext, flinkConf: Record<string, string>): void {
  const i = ctx.spec.ingress;
  if ((i?.mode ?? 'ingress') !== 'none' && !i?.auth) flinkConf['web.cancel.enable'] = 'false';
}

/** `ingress.mode: operator`: the operator's own `spec.ingress`, which it writes with the cluster's Ingress API. */
export function operatorIngress(ctx: RenderContext): Record<string, unknown> | undefined {
  const i = ctx.spec.ingress;
  if (i?.mode !== 'operator') return undefined;
  return {
    template: `${i.domain ?? ''}/{{namespace}}/{{name}}(/|$)(.*)`,
    ...(i.className ? { className: i.className } : {}),
    annotations: sorted({
      'nginx.ingress.kubernetes.io/rewrite-target': '/$2',
      ...authAnnotations(i),
      ...(i.annotations ?? {}),
    }),
  };
}

/** `ingress.mode: ingress` (the default): an Ingress for the cluster's UI at http://<domain>/<namespace>/<name>/. */
export function addIngress(
  ctx: RenderContext,
  cluster: string,
  namespace: string,
  labels: Record<string, string>,
  annotations: Record<string, string>,
  job?: string,
): void {
  const i = ctx.spec.ingress;
  if ((i?.mode ?? 'ingress') !== 'ingress') return;
  const strategy = ingressStrategy(ctx.kubeMinor);
  if (!strategy) {
    ctx.diagnostics.push({
      severity: 'error',
      rule: 'render/ingress',
      message: `no Ingress API for Kubernetes 1.${ctx.kubeMinor} (flinkops writes networking.k8s.io Ingresses from 1.14)`,
      hint: 'set ingress.mode: operator or none for this environment',
      ...ctx.envFile.yaml.at(['kubernetes', 'version']),
    });
    return;
  }
  const prefix = uiPath(namespace, cluster);
  emit(
    ctx,
    strategy.template,
    {
      name: cluster,
      namespace,
      labels,
      annotations: sorted({
        ...annotations,
        ...strategy.annotations(i?.className),
        ...uiAnnotations(i),
      }),
      className: strategy.className(i?.className) ?? null,
      host: i?.domain ?? null,
      path: `${prefix}(/|$)(.*)`,
      service: restService(cluster),
      port: REST_PORT,
    },
    { apiVersion: strategy.apiVersion, kind: 'Ingress', name: cluster, namespace },
    job,
  );
}

function sorted(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]!]),
  );
}
