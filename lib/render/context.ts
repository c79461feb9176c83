import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { EnvSpec, Loaded, Repo } from '../repo/model.js';
import type { Links } from './labels.js';
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
  emitted: Set<string>;
  /** Templates read for this run (a run reads each once; the next run sees edits). */
  templates: Map<string, Template>;
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

/** Objects shared by a namespace (Hadoop and resolv.conf ConfigMaps) are rendered once. */
export function hasObject(ctx: RenderContext, kind: string, namespace: string, name: string): boolean {
  return ctx.emitted.has(objectKey(kind, namespace, name));
}

function objectKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}
