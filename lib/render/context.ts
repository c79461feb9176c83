import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { EnvSpec, Loaded, Repo } from '../repo/model.js';
import { ANNOTATION, LABEL, type Links } from './labels.js';
import { loadTemplate, renderObject, TemplateError, type Expected, type Template } from './templates.js';

/** One rendered Kubernetes object, plain data, before serialisation. */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  object: Record<string, unknown>;
  /** `team/job` for a job's own objects; absent for shared ones (session clusters, ConfigMaps per namespace). */
  job?: string;
  /** The template it came from, for error messages. */
  template: string;
}

/** What every part of rendering one environment needs. */
export interface RenderContext {
  repo: Repo;
  env: string;
  envFile: Loaded<EnvSpec>;
  spec: EnvSpec;
  /** The cluster's Kubernetes minor version (1.28 → 28). */
  kubeMinor: number;
  commit?: string;
  links: Links;
  diagnostics: Diagnostic[];
  objects: RenderedObject[];
  /** `kind/namespace/name` of every object in `objects`: shared objects are looked up, not searched for. */
  emitted: Keys;
  /** Templates read for this run (a run reads each once; the next run sees edits). */
  templates: Map<string, Template>;
  /**
   * Set while one job is rendered for the render cache: what it rendered so far, cut into parts so
   * that what a namespace shares (rendered by the first job that needs it) stays apart from the job's own.
   */
  parts?: RenderPart[];
}

/**
 * Objects and diagnostics a job rendered: its own, or (`shared`: the object key) a namespace's shared
 * ones — or none of them (`rendered: false`) when they had been rendered already.
 */
export interface RenderPart {
  shared?: string;
  rendered?: false;
  objects: RenderedObject[];
  diagnostics: Diagnostic[];
}

/** A set of object keys (a Set, or a job's own keys over those of the run). */
export interface Keys {
  has(key: string): boolean;
  add(key: string): unknown;
}

/** The keys a job adds, over the run's: what it renders on its own does not show in the run's until added. */
export class OwnKeys implements Keys {
  private readonly own = new Set<string>();
  constructor(private readonly run: Keys) {}
  has(key: string): boolean {
    return this.own.has(key) || this.run.has(key);
  }
  add(key: string): void {
    this.own.add(key);
  }
}

/** Renders one object from a manifest template into the context; template problems become diagnostics. */
export function emit(
  ctx: RenderContext,
  templateName: string,
  context: object,
  expected: Expected,
  job?: string,
): RenderedObject | undefined {
  let template: Template | undefined;
  try {
    template = ctx.templates.get(templateName);
    if (!template) {
      template = loadTemplate(ctx.repo.root, `manifests/${templateName}`, 'yaml');
      ctx.templates.set(templateName, template);
    }
    const object = renderObject(template, context, expected);
    const r: RenderedObject = { ...expected, object, template: template.file, ...(job ? { job } : {}) };
    ctx.objects.push(r);
    ctx.emitted.add(objectKey(r.kind, r.namespace, r.name));
    return r;
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    ctx.diagnostics.push({
      severity: 'error',
      rule: 'render/template',
      message: e.message,
      hint: 'templates write every value through {{json …}} and render exactly one object (see templates/README.md)',
      file: e.file,
      line: e.line,
      column: e.column,
      ...(job ? { job } : {}),
    });
    return undefined;
  }
}

/** A ConfigMap the platform files of the environment make (`source`: where they are), labelled as flinkops' own. */
export function emitPlatformConfigMap(
  ctx: RenderContext,
  namespace: string,
  name: string,
  source: string,
  data: Record<string, string>,
): void {
  emit(
    ctx,
    'configmap.yaml.hbs',
    {
      name,
      namespace,
      labels: { [LABEL.managedBy]: 'flinkops', [LABEL.env]: ctx.env },
      annotations: { [ANNOTATION.source]: source },
      data,
    },
    { apiVersion: 'v1', kind: 'ConfigMap', name, namespace },
  );
}

/**
 * Objects a namespace shares (Hadoop and resolv.conf ConfigMaps, the PodMonitor and savepoint rule) are
 * rendered once, by the first job that needs them: `render` runs unless the object `kind/namespace/name`
 * was rendered already. While a job is rendered for the cache, what `render` adds is kept as a part of its own.
 */
export function once(ctx: RenderContext, kind: string, namespace: string, name: string, render: () => void): void {
  const key = objectKey(kind, namespace, name);
  const rendered = ctx.emitted.has(key);
  if (!ctx.parts) {
    if (!rendered) render();
    return;
  }
  cutPart(ctx);
  if (!rendered) render();
  ctx.parts.push({
    shared: key,
    ...(rendered ? { rendered: false as const } : {}),
    objects: ctx.objects.splice(0),
    diagnostics: ctx.diagnostics.splice(0),
  });
}

/** Closes the job's own part so far (rendering for the cache). */
export function cutPart(ctx: RenderContext): void {
  if (ctx.parts && (ctx.objects.length || ctx.diagnostics.length))
    ctx.parts.push({ objects: ctx.objects.splice(0), diagnostics: ctx.diagnostics.splice(0) });
}

/**
 * Whether a job's parts, added now, are what rendering it now would give: each shared object it found
 * rendered already (by an earlier job, or by itself) must be rendered already now.
 */
export function partsFit(ctx: RenderContext, parts: readonly RenderPart[]): boolean {
  const own = new OwnKeys(ctx.emitted);
  for (const p of parts) {
    if (p.rendered === false) {
      if (!own.has(p.shared!)) return false;
    } else if (p.shared === undefined || !own.has(p.shared))
      for (const o of p.objects) own.add(objectKey(o.kind, o.namespace, o.name));
  }
  return true;
}

/** Adds a job's parts to the context as rendering it there would have: a shared part only if not rendered yet. */
export function addParts(ctx: RenderContext, parts: readonly RenderPart[]): void {
  for (const p of parts) {
    if (p.rendered === false || (p.shared !== undefined && ctx.emitted.has(p.shared))) continue;
    for (const o of p.objects) {
      ctx.objects.push(o);
      ctx.emitted.add(objectKey(o.kind, o.namespace, o.name));
    }
    ctx.diagnostics.push(...p.diagnostics);
  }
}

function objectKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}
