import { createHash } from 'node:crypto';
import { resolveJob, type EffectiveJob } from '../resolve/config.js';
import type { Job } from '../repo/model.js';
import { catalogDdl, effectiveSql } from '../resolve/sql.js';
import { sessionRunnerJarURI } from '../resolve/artifacts.js';
import type { RenderContext } from './context.js';
import { ANNOTATION, baseLabels, sortKeys } from './labels.js';
import { runnerArgs, runnerJarURI, sessionRunnerArgs, SQL_RUNNER } from './runner.js';
import { secretEnv, type EnvVar } from './secrets.js';

/** Paimon's action entry point (in the Paimon action jar named by platform/versions.yaml). */
export const PAIMON_ACTION_ENTRY_CLASS = 'org.apache.paimon.flink.action.FlinkActions';

/** A job resolved for one environment: its effective configuration and, for SQL jobs, the script the runner gets. */
export interface ResolvedJob {
  job: Job;
  e: EffectiveJob;
  /** Platform catalogs' CREATE CATALOG statements, then the effective SQL. */
  script?: string;
  /** The data-security policies that apply to the job (policies.json), when any does. */
  policies?: string;
}

export function resolveForRender(ctx: RenderContext, job: Job): ResolvedJob | undefined {
  if (job.job?.spec.type === 'sql') {
    const es = effectiveSql(ctx.repo, job, ctx.env, { runVars: 'placeholders' });
    if (!es) return undefined;
    ctx.diagnostics.push(...es.diagnostics);
    return {
      job,
      e: es.job,
      script: catalogDdl(es.catalogs) + es.sql.script(),
      ...(es.policies ? { policies: `${JSON.stringify(es.policies, null, 2)}\n` } : {}),
    };
  }
  const { effective, diagnostics } = resolveJob(ctx.repo, job, ctx.env);
  ctx.diagnostics.push(...diagnostics);
  return effective ? { job, e: effective } : undefined;
}

/** What the cluster runs: the jar, its entry class and its arguments. */
export interface Program {
  jarURI: string;
  entryClass: string | null;
  args: string[];
}

export function program(ctx: RenderContext, r: ResolvedJob, mode: 'application' | 'session'): Program | undefined {
  const { e } = r;
  const at = { file: `${r.job.dir}/job.yaml`, line: 1, column: 1, job: e.id };
  if (e.type === 'sql') {
    if (!e.version) return undefined;
    const jarURI =
      mode === 'application' ? runnerJarURI(e.version.flink) : sessionRunnerJarURI(ctx.spec, e.version.flink);
    if (!jarURI) {
      ctx.diagnostics.push({
        severity: 'error',
        rule: 'render/session-artifacts',
        message: `environment "${ctx.env}" names no artifact location for session jobs: the operator downloads their jar`,
        hint: `set artifacts.url in platform/envs/${ctx.env}.yaml (e.g. https://artifacts.example/flinkops/${ctx.env})`,
        ...at,
      });
      return undefined;
    }
    return {
      jarURI,
      entryClass: SQL_RUNNER.entryClass,
      args:
        mode === 'application' ? runnerArgs(r.policies !== undefined) : sessionRunnerArgs(r.script ?? '', r.policies),
    };
  }
  if (e.type === 'jar' && e.jar) {
    return { jarURI: e.jar.uri, entryClass: e.jar.entryClass ?? null, args: e.jar.args ?? [] };
  }
  if (e.type === 'paimon-action' && e.paimonAction) {
    const jar = e.version?.paimonActionJar;
    if (!jar) {
      ctx.diagnostics.push({
        severity: 'error',
        rule: 'render/paimon-action',
        message: `platform/versions.yaml names no paimonActionJar for Flink ${e.flinkVersion}`,
        hint: 'add versions."<version>".paimonActionJar',
        ...at,
      });
      return undefined;
    }
    // Variables are already substituted in the effective configuration.
    const a = e.paimonAction;
    const args = [a.action, '--warehouse', a.warehouse, '--database', a.database];
    if (a.table) args.push('--table', a.table);
    for (const k of Object.keys(a.catalogConf ?? {}).sort())
      args.push('--catalog_conf', `${k}=${String(a.catalogConf![k])}`);
    args.push(...(a.args ?? []));
    for (const arg of args) {
      if (arg.includes('${secret:')) {
        ctx.diagnostics.push({
          severity: 'error',
          rule: 'render/secret-in-conf',
          message: 'Paimon action arguments cannot read Secrets (the action has no substitution)',
          hint: 'use a catalog whose credentials come from the Hadoop or Hive configuration',
          ...at,
        });
        return undefined;
      }
    }
    return { jarURI: jar, entryClass: PAIMON_ACTION_ENTRY_CLASS, args };
  }
  ctx.diagnostics.push({
    severity: 'error',
    rule: 'render/job',
    message: `a ${e.type} job needs ${e.type === 'jar' ? 'jar.uri' : 'paimonAction'}`,
    hint: 'see `flinkops validate` (job/shape)',
    ...at,
  });
  return undefined;
}

/** Environment variables for the `${secret:NAME}` references the job's script and arguments make. */
export function jobSecretEnv(ctx: RenderContext, r: ResolvedJob): EnvVar[] {
  return secretEnv([r.script ?? '', ...(r.e.jar?.args ?? [])], r.e, ctx.diagnostics);
}

export function jobLabels(ctx: RenderContext, e: EffectiveJob): Record<string, string> {
  return baseLabels({ team: e.team, job: e.name, env: ctx.env, namespace: e.namespace }, e.labels);
}

/** Owners, on-call, source folder, commit, description and the environment's links. */
export function jobAnnotations(ctx: RenderContext, e: EffectiveJob, namespace: string): Record<string, string> {
  return sortKeys({
    [ANNOTATION.owners]: e.owners.join(', '),
    ...(e.onCall.length ? { [ANNOTATION.onCall]: e.onCall.join(', ') } : {}),
    [ANNOTATION.source]: `jobs/${e.team}/${e.name}`,
    ...(ctx.commit ? { [ANNOTATION.commit]: ctx.commit } : {}),
    ...(e.description ? { [ANNOTATION.description]: e.description } : {}),
    ...ctx.links.render({ namespace, team: e.team, job: e.name, env: ctx.env }),
  });
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
