import Handlebars from 'handlebars';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { EnvSpec, Loaded } from '../repo/model.js';

/** Labels select (short, restricted values); annotations carry the rest (owners, links, the commit). */
export const LABEL = {
  managedBy: 'app.kubernetes.io/managed-by',
  name: 'app.kubernetes.io/name',
  team: 'flinkops.io/team',
  job: 'flinkops.io/job',
  env: 'flinkops.io/env',
} as const;

export const ANNOTATION = {
  owners: 'flinkops.io/owners',
  onCall: 'flinkops.io/on-call',
  source: 'flinkops.io/source',
  commit: 'flinkops.io/commit',
  description: 'flinkops.io/description',
  link: (name: string) => `flinkops.io/link-${name}`,
  sqlHash: 'flinkops.io/sql-sha256',
} as const;

export interface Who {
  team: string;
  job: string;
  env: string;
  namespace: string;
}

/** The environment's link templates, compiled once; `{{namespace}} {{team}} {{job}} {{env}}` only. */
export class Links {
  private readonly compiled: [string, Handlebars.TemplateDelegate][] = [];

  constructor(envFile: Loaded<EnvSpec> | undefined, diagnostics: Diagnostic[]) {
    const links = envFile?.spec.links ?? {};
    for (const name of Object.keys(links).sort()) {
      const at = envFile!.yaml.at(['links', name]);
      try {
        // Links are values in the object model (never YAML text), so raw output is safe here.
        const fn = Handlebars.compile(links[name]!, {
          noEscape: true,
          strict: true,
          knownHelpersOnly: true,
          knownHelpers: {},
        });
        fn({ namespace: '', team: '', job: '', env: '' });
        this.compiled.push([name, fn]);
      } catch (e) {
        diagnostics.push({
          severity: 'error',
          rule: 'render/link',
          message: `link "${name}": ${(e as Error).message.split('\n')[0]}`,
          hint: 'link templates may use {{namespace}}, {{team}}, {{job}} and {{env}}',
          ...at,
        });
      }
    }
  }

  render(who: Who): Record<string, string> {
    return Object.fromEntries(this.compiled.map(([name, fn]) => [ANNOTATION.link(name), fn(who)]));
  }
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** True when Kubernetes accepts `value` as a label value. */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

export function baseLabels(who: Who, extra: Record<string, string> = {}): Record<string, string> {
  return sortKeys({
    ...extra,
    [LABEL.managedBy]: 'flinkops',
    [LABEL.name]: who.job,
    [LABEL.team]: who.team,
    [LABEL.job]: who.job,
    [LABEL.env]: who.env,
  });
}

/**
 * A copy with the keys in order. Built by assignment, so objects with the same keys share one shape
 * (thousands of label and annotation maps are spread and copied again); `__proto__` stays a key.
 */
export function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) {
    if (k === '__proto__')
      Object.defineProperty(out, k, { value: o[k], enumerable: true, writable: true, configurable: true });
    else out[k] = o[k]!;
  }
  return out;
}
