import { createHash } from 'node:crypto';
import { resolveJob, type EffectiveJob } from '../resolve/config.js';
import type { Job } from '../repo/model.js';
import { catalogDdl, effectiveSql } from '../resolve/sql.js';
import { deliveredJar, fetchedArtifactPath, mavenUrl, sessionRunnerJarURI } from '../resolve/artifacts.js';
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
  /** Flink configuration the delivery of the job's jars needs (application mode). */
  conf?: Record<string, string>;
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
    const udf = udfJarDelivery(ctx, r, mode);
    if (!udf) return undefined;
    return {
      jarURI,
      entryClass: SQL_RUNNER.entryClass,
      args: [
        ...(mode === 'application'
          ? runnerArgs(r.policies !== undefined)
          : sessionRunnerArgs(r.script ?? '', r.policies)),
        ...udf.args,
      ],
      ...(udf.conf ? { conf: udf.conf } : {}),
    };
  }
  if (e.type === 'jar' && e.jar) {
    let jarURI = e.jar.uri;
    if (jarURI === undefined && e.jar.maven !== undefined) {
      if (!ctx.spec.maven) {
        ctx.diagnostics.push(noMavenRepository(ctx, r));
        return undefined;
      }
      jarURI = mavenUrl(ctx.spec.maven, e.jar.maven);
      if (localToThisMachine(jarURI)) {
        ctx.diagnostics.push(localMavenRepository(ctx, r));
        return undefined;
      }
    }
    if (jarURI === undefined) {
      ctx.diagnostics.push({
        severity: 'error',
        rule: 'render/job',
        message: 'a jar job needs jar.maven or jar.uri',
        hint: 'see `flinkops validate` (job/jar)',
        ...at,
      });
      return undefined;
    }
    if (mode === 'application' && !jarURI.startsWith('local:') && e.version && !fetchesArtifacts(e.version.flink)) {
      ctx.diagnostics.push(olderFlink(r, 'a jar that is not local://'));
      return undefined;
    }
    return {
      jarURI,
      entryClass: e.jar.entryClass ?? null,
      args: e.jar.args ?? [],
      ...(mode === 'application' ? { conf: rawHttp([jarURI]) } : {}),
    };
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

/**
 * How a SQL job's udfJars reach the runner's classpath.
 * - application mode: Flink's native Kubernetes entrypoint fetches `user.artifacts.artifact-list`
 *   (with the job jar) into `user.artifacts.base-dir`/namespace/cluster-id before the program starts
 *   (KubernetesApplicationClusterEntrypoint.fetchArtifacts, Flink ≥ 1.19); the runner gets each
 *   fetched file as `--jar` and registers it the way ADD JAR does, so Flink ships it with the job.
 * - session mode: a FlinkSessionJob has one jarURI and no artifact list, so the runner gets the URIs
 *   as `--jar` and fetches them itself before registering them.
 */
function udfJarDelivery(
  ctx: RenderContext,
  r: ResolvedJob,
  mode: 'application' | 'session',
): { args: string[]; conf?: Record<string, string> } | undefined {
  const jars = (r.e.udfJars ?? []).map((u) => deliveredJar(ctx.spec, u));
  if (jars.length === 0) return { args: [] };
  if (jars.some((j) => j.uri === undefined)) {
    ctx.diagnostics.push(noMavenRepository(ctx, r));
    return undefined;
  }
  const uris = jars.map((j) => j.uri!);
  if (uris.some(localToThisMachine)) {
    ctx.diagnostics.push(localMavenRepository(ctx, r));
    return undefined;
  }
  if (mode === 'session') return { args: uris.flatMap((u) => ['--jar', u]) };
  if (r.e.version && !fetchesArtifacts(r.e.version.flink)) {
    ctx.diagnostics.push(olderFlink(r, 'udfJars'));
    return undefined;
  }
  return {
    args: jars.flatMap((j) => ['--jar', fetchedArtifactPath(r.e.namespace, r.e.name, j.file)]),
    conf: { 'user.artifacts.artifact-list': uris.join(';'), ...rawHttp(uris) },
  };
}

/**
 * Flink's Kubernetes application entrypoint fetches a remote jarURI and `user.artifacts.artifact-list`
 * (KubernetesApplicationClusterEntrypoint.fetchArtifacts, ArtifactFetchManager) from Flink 1.19 on.
 */
function fetchesArtifacts(flink: string): boolean {
  const [major, minor] = flink.split('.').map(Number) as [number, number];
  return major > 1 || minor >= 19;
}

function olderFlink(r: ResolvedJob, what: string) {
  return {
    severity: 'error' as const,
    rule: 'render/artifacts',
    message: `Flink ${r.e.version!.flink} does not fetch ${what} in application mode (Flink 1.19 and later do)`,
    hint: 'bake the jar into the image (platform/versions.yaml usrlib) or move the job to a newer Flink version',
    file: `${r.job.dir}/job.yaml`,
    line: 1,
    column: 1,
    job: r.e.id,
  };
}

/** Flink's artifact fetcher refuses plain http unless told (ArtifactFetchManager.isRawHttp). */
function rawHttp(uris: string[]): Record<string, string> {
  return uris.some((u) => /^http:/i.test(u)) ? { 'user.artifacts.raw-http-enabled': 'true' } : {};
}

function noMavenRepository(ctx: RenderContext, r: ResolvedJob) {
  return {
    severity: 'error' as const,
    rule: 'render/maven',
    message: `job ${r.e.id} declares a jar by Maven coordinates, but environment "${ctx.env}" names no Maven repository`,
    hint: `add maven: { url: … } to platform/envs/${ctx.env}.yaml (see \`flinkops validate\`, job/jar)`,
    file: `${r.job.dir}/job.yaml`,
    line: 1,
    column: 1,
    job: r.e.id,
  };
}

/**
 * A file:// repository serves the machine that runs flinkops (preview, validate --deep), not the
 * cluster: Flink's artifact fetcher and the operator would read the path inside the pod.
 */
function localToThisMachine(uri: string): boolean {
  return /^file:/i.test(uri);
}

function localMavenRepository(ctx: RenderContext, r: ResolvedJob) {
  return {
    ...noMavenRepository(ctx, r),
    message: `job ${r.e.id} declares jars by Maven coordinates, but environment "${ctx.env}" names a file:// Maven repository, which the cluster cannot read`,
    hint: `point maven.url in platform/envs/${ctx.env}.yaml at a repository the cluster reaches (https://…); file:// serves only preview and validate --deep on this machine`,
  };
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
