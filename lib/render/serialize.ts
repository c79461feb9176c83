import { stringify } from 'yaml';
import type { RenderedObject } from './context.js';

const TOP = ['apiVersion', 'kind', 'metadata'];
const METADATA = ['name', 'namespace', 'labels', 'annotations'];

/** apiVersion, kind, metadata and name first (as people read them), everything else sorted: same object, same bytes. */
function canonical(value: unknown, first: string[] = []): unknown {
  if (Array.isArray(value)) return value.map((v) => canonical(v));
  if (!value || typeof value !== 'object') return value;
  const rank = (k: string) => (first.includes(k) ? first.indexOf(k) : first.length);
  const keys = Object.keys(value).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((k) => [k, canonical((value as Record<string, unknown>)[k], first === TOP && k === 'metadata' ? METADATA : [])]));
}

/**
 * One object as YAML. Written for YAML 1.1 readers too (kubectl's parser): strings such as `on`,
 * `yes` or `0755` stay quoted; multi-line text (SQL, Hadoop XML) as literal blocks for readable diffs.
 */
export function toYaml(o: RenderedObject): string {
  return stringify(canonical(o.object, TOP), { version: '1.1', lineWidth: 0, minContentWidth: 0, blockQuote: 'literal', aliasDuplicateObjects: false, indentSeq: true });
}

/** `--out DIR`: `<namespace>/<kind>-<name>.yaml`. */
export function objectPath(o: RenderedObject): string {
  return `${o.namespace}/${o.kind.toLowerCase()}-${o.name}.yaml`;
}

/** One multi-document stream, in the objects' (sorted) order. */
export function toStream(objects: RenderedObject[]): string {
  return objects.map((o) => `---\n${toYaml(o)}`).join('');
}
