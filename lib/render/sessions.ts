import { DEFAULTS } from '../resolve/config.js';
import type { SessionSpec } from '../repo/model.js';
import { substitute } from '../vars/substitute.js';
import { allowedSchemes, jarUriProblem } from '../resolve/artifacts.js';
import { emit, type RenderContext } from './context.js';
import { addDns } from './dns.js';
import { deploymentContext } from './flinkDeployment.js';
import { addHadoop } from './hadoop.js';
import { addIngress, addUiConf } from './ingress.js';
import { jobAnnotations, jobLabels, jobSecretEnv, program, type ResolvedJob } from './job.js';
import { baseLabels, LABEL, sortKeys } from './labels.js';
import { emptyParts } from './podTemplate.js';
import type { EnvVar } from './secrets.js';

/** Keys of a session cluster's own configuration: a session job's settings for them would be ignored or refused. */
const CLUSTER_KEYS =
  /^(kubernetes\.(?!operator\.)|high-availability|jobmanager\.|taskmanager\.|metrics\.|env\.|rest\.|blob\.|web\.)/;

/** Session clusters of platform/sessions.yaml that exist in this environment. */
export function sessionsInEnv(ctx: RenderContext): Map<string, SessionSpec> {
  const all = ctx.repo.platform.sessions?.spec.sessions ?? {};
  return new Map(
    Object.keys(all)
      .sort()
      .filter((n) => !all[n]!.envs || all[n]!.envs!.includes(ctx.env))
      .map((n) => [n, all[n]!]),
  );
}

/**
 * A session cluster: a FlinkDeployment without a job. Its pods carry the secret variables of all
 * its session jobs (their code runs in its JobManager), so it does not depend on which jobs are selected.
 */
export function renderSessionCluster(ctx: RenderContext, name: string, s: SessionSpec, jobs: ResolvedJob[]): void {
  const version = ctx.repo.platform.versions?.spec.versions?.[s.flinkVersion];
  const at = ctx.repo.platform.sessions!.yaml.at(['sessions', name]);
  if (!version) {
    ctx.diagnostics.push({
      severity: 'error',
      rule: 'render/version',
      message: `session "${name}" uses flinkVersion "${s.flinkVersion}", which platform/versions.yaml does not have`,
      hint: 'use a key of platform/versions.yaml',
      ...at,
    });
    return;
  }
  const namespace = s.namespace;
  const who = { team: 'platform', job: name, env: ctx.env, namespace };
  const vars: Record<string, string> = {
    ...Object.fromEntries(Object.entries(ctx.spec.vars ?? {}).map(([k, v]) => [k, String(v)])),
    env: ctx.env,
    team: who.team,
    job: name,
    namespace,
  };
  const conf: Record<string, string> = {};
  for (const layer of [ctx.repo.platform.flinkConf?.spec, version.flinkConf, ctx.spec.flinkConf, s.flinkConf]) {
    for (const [k, v] of Object.entries(layer ?? {})) {
      const sub = substitute(String(v), vars);
      for (const u of sub.undefinedVars) {
        ctx.diagnostics.push({
          severity: 'error',
          rule: 'vars/undefined',
          message: `session "${name}": flinkConf "${k}" uses \${${u.name}}, which is not defined for a session cluster`,
          hint: 'session clusters know ${env}, ${namespace}, ${job} (the session name) and the environment vars',
          ...at,
        });
      }
      conf[k] = sub.text;
    }
  }
  const resources = {
    jobManager: { ...DEFAULTS.jobManager, ...s.resources?.jobManager },
    taskManager: { ...DEFAULTS.taskManager, ...s.resources?.taskManager },
  };
  if (!('taskmanager.numberOfTaskSlots' in conf))
    conf['taskmanager.numberOfTaskSlots'] = String(resources.taskManager.slots);
  addHadoop(ctx, namespace, conf);
  addUiConf(ctx, conf);

  const labels = baseLabels(who);
  const annotations = sortKeys({
    'flinkops.io/owners': (s.owners ?? []).join(', '),
    'flinkops.io/source': 'platform/sessions.yaml',
    ...(ctx.commit ? { 'flinkops.io/commit': ctx.commit } : {}),
    ...(s.description ? { 'flinkops.io/description': s.description } : {}),
    ...ctx.links.render(who),
  });
  const parts = emptyParts(sortKeys({ [LABEL.team]: who.team, [LABEL.job]: name, [LABEL.env]: ctx.env }));
  const env = new Map<string, EnvVar>();
  for (const j of jobs) for (const v of jobSecretEnv(ctx, j)) env.set(v.name, v);
  parts.env = [...env.keys()].sort().map((k) => env.get(k)!);
  addDns(ctx, namespace, parts);
  emit(
    ctx,
    'flinkdeployment.yaml.hbs',
    deploymentContext(ctx, name, namespace, labels, annotations, { resources, version }, conf, parts, null),
    { apiVersion: 'flink.apache.org/v1beta1', kind: 'FlinkDeployment', name, namespace },
  );
  addIngress(ctx, name, namespace, labels, annotations);
}

/** A `mode: session` job: a FlinkSessionJob in its session cluster's namespace. */
export function renderSessionJob(ctx: RenderContext, r: ResolvedJob, session: SessionSpec): void {
  const { e } = r;
  const prog = program(ctx, r, 'session');
  if (!prog) return;
  const problem = jarUriProblem(prog.jarURI, allowedSchemes(ctx.spec));
  if (problem) {
    ctx.diagnostics.push({
      severity: 'error',
      rule: 'render/session-jar-uri',
      message: `${problem}; the operator would refuse FlinkSessionJob ${e.name}`,
      hint: 'see `flinkops validate` (job/session-jar-uri)',
      file: `${r.job.dir}/job.yaml`,
      line: 1,
      column: 1,
      job: e.id,
    });
    return;
  }
  const namespace = session.namespace;
  const conf = Object.fromEntries(Object.entries(e.flinkConf).filter(([k]) => !CLUSTER_KEYS.test(k)));
  emit(
    ctx,
    'flinksessionjob.yaml.hbs',
    {
      name: e.name,
      namespace,
      labels: jobLabels(ctx, e),
      annotations: jobAnnotations(ctx, e, namespace),
      deploymentName: e.session!,
      flinkConfiguration: sortKeys(conf),
      job: {
        ...prog,
        parallelism: e.parallelism,
        upgradeMode: e.upgradeMode,
        state: e.state,
        allowNonRestoredState: e.allowNonRestoredState,
      },
    },
    { apiVersion: 'flink.apache.org/v1beta1', kind: 'FlinkSessionJob', name: e.name, namespace },
    e.id,
  );
}
