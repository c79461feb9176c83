import { objectConflicts } from './conflicts.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Job, Repo } from '../repo/model.js';
import { addParts, cutPart, OwnKeys, partsFit, type RenderContext, type RenderedObject } from './context.js';
import { kubernetesVersionText, RenderCache, type RenderEntry } from './cache.js';
import { jobRead } from '../repo/load.js';
import type { CrdValidators } from './crds.js';
import { addDnsmasqHosts } from './dns.js';
import { renderApplicationJob } from './flinkDeployment.js';
import { resolveForRender, type ResolvedJob } from './job.js';
import { Links } from './labels.js';
import { refuseSecretsInConf } from './secrets.js';
import { renderSessionCluster, renderSessionJob, sessionsInEnv } from './sessions.js';
import { validateObjects } from './validateObjects.js';

export interface RenderOptions {
  env: string;
  /** Only these jobs (and the shared objects they need); all jobs when absent. */
  jobs?: Job[];
  /** The Git commit recorded on every object. */
  commit?: string;
  /** The cluster's Kubernetes version ("1.28", "v1.18.3"): apply passes the live cluster's; default: the environment file's. */
  kubernetesVersion?: string;
  /** The operator's CRDs, to validate FlinkDeployment and FlinkSessionJob objects. */
  crds?: CrdValidators;
  /** The render cache (lib/render/cache.ts), or its results folder; false or absent: every job is rendered. */
  cache?: RenderCache | string | false;
  /**
   * Jobs looked up in the cache before they were parsed (lib/render/load.ts): stubs (id, team, name,
   * dir), parsed here only if their entry no longer fits (a namespace's shared objects moved).
   */
  lookedUp?: ReadonlyMap<Job, LookedUp>;
}

export interface LookedUp {
  key: string;
  entry: RenderEntry;
  parse(): Job;
}

export interface RenderResult {
  /** Sorted by namespace, kind, name. */
  objects: RenderedObject[];
  diagnostics: Diagnostic[];
  /** With a render cache: the jobs rendered this time (the others' objects came from the cache). */
  rendered?: string[];
}

/** The Kubernetes objects of one environment: a pure function of the repository and the options. */
export function renderEnv(repo: Repo, options: RenderOptions): RenderResult {
  const diagnostics: Diagnostic[] = [];
  const envFile = repo.platform.envs.get(options.env);
  if (!envFile) throw new Error(`no environment "${options.env}"`);
  const spec = envFile.spec;
  const versionText = kubernetesVersionText(repo, options.env, options.kubernetesVersion);
  const m = /^v?1\.(\d+)/.exec(versionText);
  if (!m) {
    diagnostics.push({
      severity: 'error',
      rule: 'render/kubernetes-version',
      message: `Kubernetes version "${versionText}" is not 1.N`,
      hint: 'write kubernetes.version: "1.28"',
      ...envFile.yaml.at(['kubernetes', 'version']),
    });
    return { objects: [], diagnostics };
  }
  const ctx: RenderContext = {
    repo,
    env: options.env,
    envFile,
    spec,
    kubeMinor: Number(m[1]),
    ...(options.commit ? { commit: options.commit } : {}),
    links: new Links(envFile, diagnostics),
    diagnostics,
    objects: [],
    emitted: new Set(),
    templates: new Map(),
  };

  const selected = new Set(options.jobs ?? repo.jobs);
  if (!options.jobs) addDnsmasqHosts(ctx);
  const cache =
    options.cache instanceof RenderCache
      ? options.cache
      : options.cache
        ? RenderCache.open(repo, {
            env: options.env,
            ...(options.kubernetesVersion ? { kubernetesVersion: options.kubernetesVersion } : {}),
            ...(options.commit ? { commit: options.commit } : {}),
            dir: options.cache,
          })
        : undefined;

  const rendered: string[] = [];
  const sessions = sessionsInEnv(ctx);
  const sessionJobs = new Map<string, ResolvedJob[]>();
  const usedSessions = new Set<string>();
  for (const stub of repo.jobs) {
    const isSelected = selected.has(stub);
    const lookedUp = options.lookedUp?.get(stub);
    let job = stub;
    const isSession = !lookedUp && job.job?.spec.mode === 'session';
    if (!isSelected && !isSession) continue;
    let key = lookedUp?.key ?? (isSession ? undefined : cache?.key(job));
    if (key) {
      const hit = lookedUp?.entry ?? cache!.get(key);
      if (hit && partsFit(ctx, hit.parts)) {
        addParts(ctx, hit.parts);
        continue;
      }
      if (lookedUp) {
        // Read now: the folder may have changed since it was looked up, so what is kept goes under the key of what was read.
        job = lookedUp.parse();
        key = cache!.key(job);
      }
    }
    if (cache) rendered.push(job.id);
    if (key) {
      // Rendered apart, kept, then added as a cached job is. Not a session job: those have no key
      // (mode is job.yaml's own, the same in every environment).
      const own: RenderContext = {
        ...ctx,
        ...(cache!.renderCommit ? { commit: cache!.renderCommit } : {}),
        diagnostics: [],
        objects: [],
        emitted: new OwnKeys(ctx.emitted),
        parts: [],
      };
      const resolved = resolveForRender(own, job);
      if (resolved?.e.enabled) renderApplicationJob(own, resolved);
      cutPart(own);
      const load = [...(jobRead(job)?.diagnostics ?? [])];
      addParts(ctx, cache!.set(key, { load, parts: own.parts! }).parts);
      continue;
    }
    const r = resolveForRender(ctx, job);
    if (!r?.e.enabled) continue;
    if (r.e.mode === 'session') {
      const s = r.e.session ? sessions.get(r.e.session) : undefined;
      if (!s) {
        diagnostics.push({
          severity: 'error',
          rule: 'render/session',
          message: `session cluster "${r.e.session ?? ''}" does not exist in environment "${ctx.env}"`,
          hint: 'name a session of platform/sessions.yaml that lists this environment',
          ...job.job!.yaml.at(['session']),
          job: job.id,
        });
        continue;
      }
      sessionJobs.set(r.e.session!, [...(sessionJobs.get(r.e.session!) ?? []), r]);
      if (!isSelected) continue;
      usedSessions.add(r.e.session!);
      refuseSecretsInConf(r.e, r.e.flinkConf, 'flinkConf', diagnostics);
      renderSessionJob(ctx, r, s);
    } else {
      renderApplicationJob(ctx, r);
    }
  }
  for (const [name, s] of sessions) {
    if (options.jobs && !usedSessions.has(name)) continue;
    renderSessionCluster(ctx, name, s, sessionJobs.get(name) ?? []);
  }

  cache?.finish();
  const objects = sortObjects(ctx.objects);
  diagnostics.push(...objectConflicts(objects));
  validateObjects(objects, options.crds, diagnostics);
  return { objects, diagnostics, ...(cache ? { rendered } : {}) };
}

export function sortObjects(objects: RenderedObject[]): RenderedObject[] {
  const key = (o: RenderedObject) => [o.namespace, o.kind, o.name];
  return [...objects].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
    return 0;
  });
}
