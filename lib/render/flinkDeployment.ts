import type { EffectiveJob } from '../resolve/config.js';
import { emit, type RenderContext } from './context.js';
import { addJobAlerts, addMetricsPort } from './alerts.js';
import { addDns } from './dns.js';
import { addHadoop } from './hadoop.js';
import { addIngress, addUiConf, operatorIngress } from './ingress.js';
import { jobAnnotations, jobLabels, jobSecretEnv, program, sha256, type ResolvedJob } from './job.js';
import { ANNOTATION, LABEL, sortKeys } from './labels.js';
import { emptyParts, podTemplate, type PodParts } from './podTemplate.js';
import { runVarConfKey } from '../vars/runVars.js';
import { SQL_RUNNER } from './runner.js';
import { refuseSecretsInConf } from './secrets.js';

/** Kubernetes refuses ConfigMaps over 1 MiB (data and metadata together). */
const CONFIGMAP_LIMIT = 1_000_000;

export const sqlConfigMapName = (job: string) => `${job}-sql`;

/**
 * An application-mode job: a FlinkDeployment (the job's own Flink cluster), its Ingress, and for
 * SQL jobs the ConfigMap holding the effective SQL that the runner reads.
 */
export function renderApplicationJob(ctx: RenderContext, r: ResolvedJob): void {
  const { e } = r;
  const namespace = e.namespace;
  if (!e.version) {
    ctx.diagnostics.push({
      severity: 'error',
      rule: 'render/version',
      message: `flinkVersion "${e.flinkVersion}" is not in platform/versions.yaml`,
      hint: 'see `flinkops validate` (job/flink-version)',
      ...e.origins.flinkVersion!,
      job: e.id,
    });
    return;
  }
  const prog = program(ctx, r, 'application');
  if (!prog) return;
  const labels = jobLabels(ctx, e);
  const annotations = jobAnnotations(ctx, e, namespace);

  const conf = { ...e.flinkConf, ...prog.conf };
  refuseSecretsInConf(e, conf, 'flinkConf', ctx.diagnostics);
  addHadoop(ctx, namespace, conf);
  addUiConf(ctx, conf);
  // Run variables: Git's default for the runner's `${run:NAME}` (a run overrides the key; see lib/vars/runVars.ts).
  for (const name of Object.keys(r.job.job?.spec.runVars ?? {}))
    if (e.vars[name] !== undefined) conf[runVarConfKey(name)] = e.vars[name]!;

  const parts: PodParts = emptyParts(sortKeys({ [LABEL.team]: e.team, [LABEL.job]: e.name, [LABEL.env]: ctx.env }));
  parts.env = jobSecretEnv(ctx, r);
  if (r.script !== undefined) addScript(ctx, e, r.script, r.policies, labels, annotations, parts);
  addDns(ctx, namespace, parts);
  addMetricsPort(ctx, e, parts);

  emit(
    ctx,
    'flinkdeployment.yaml.hbs',
    deploymentContext(ctx, e.name, namespace, labels, annotations, e, conf, parts, {
      jarURI: prog.jarURI,
      entryClass: prog.entryClass,
      args: prog.args,
      parallelism: e.parallelism,
      upgradeMode: e.upgradeMode,
      state: e.state,
      allowNonRestoredState: e.allowNonRestoredState,
    }),
    { apiVersion: 'flink.apache.org/v1beta1', kind: 'FlinkDeployment', name: e.name, namespace },
    e.id,
  );
  addIngress(ctx, e.name, namespace, labels, annotations, e.id);
  addJobAlerts(ctx, r);
}

/** The template's context for a FlinkDeployment (a job's, or a session cluster's with `job: null`). */
export function deploymentContext(
  ctx: RenderContext,
  name: string,
  namespace: string,
  labels: Record<string, string>,
  annotations: Record<string, string>,
  e: Pick<EffectiveJob, 'resources' | 'version'>,
  conf: Record<string, string>,
  parts: PodParts,
  job: Record<string, unknown> | null,
): object {
  const { jobManager: jm, taskManager: tm } = e.resources;
  return {
    name,
    namespace,
    labels,
    annotations,
    image: e.version!.image,
    flinkVersion: e.version!.operator,
    flinkConfiguration: sortKeys(conf),
    podTemplate: podTemplate(parts),
    jobManager: { replicas: jm.replicas, cpu: jm.cpu, memory: jm.memory },
    taskManager: { replicas: tm.replicas ?? null, cpu: tm.cpu, memory: tm.memory },
    ingress: operatorIngress(ctx) ?? null,
    job,
  };
}

/**
 * The effective SQL, and the policies the runner enforces on it, go into a ConfigMap mounted where
 * the runner reads them. The operator upgrades a job only when its spec changes, so their hash is
 * part of the pod template: a policy change restarts the job.
 */
function addScript(
  ctx: RenderContext,
  e: EffectiveJob,
  script: string,
  policies: string | undefined,
  labels: Record<string, string>,
  annotations: Record<string, string>,
  parts: PodParts,
): void {
  const name = sqlConfigMapName(e.name);
  if (Buffer.byteLength(script, 'utf8') > CONFIGMAP_LIMIT) {
    ctx.diagnostics.push({
      severity: 'error',
      rule: 'render/sql-size',
      message: `the effective SQL is over 1 MB, more than a ConfigMap holds`,
      hint: 'split the job',
      file: `jobs/${e.team}/${e.name}/job.yaml`,
      line: 1,
      column: 1,
      job: e.id,
    });
    return;
  }
  emit(
    ctx,
    'configmap.yaml.hbs',
    {
      name,
      namespace: e.namespace,
      labels,
      annotations,
      data: { [SQL_RUNNER.scriptFile]: script, ...(policies ? { [SQL_RUNNER.policiesFile]: policies } : {}) },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', name, namespace: e.namespace },
    e.id,
  );
  parts.annotations[ANNOTATION.sqlHash] = sha256(policies ? `${script}\0${policies}` : script);
  parts.volumes.push({ name: 'flinkops-sql', configMap: { name } });
  parts.mounts.push({ name: 'flinkops-sql', mountPath: SQL_RUNNER.scriptDir, readOnly: true });
}
