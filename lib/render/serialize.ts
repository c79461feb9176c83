import type { RenderedObject } from './context.js';
import { yamlValue } from './templates.js';

const TOP = ['apiVersion', 'kind', 'metadata'];
const METADATA = ['name', 'namespace', 'labels', 'annotations'];

/*
 * A small YAML writer for rendered objects (the generic one was a third of render's time on 500
 * jobs). Output is the same for the same object: keys sorted (apiVersion, kind, metadata and name
 * first, as people read them); a string is written plain only when YAML 1.1 (kubectl) and YAML 1.2
 * both read it back as that string, as a literal block when it has several lines (SQL, Hadoop XML:
 * readable diffs), and as a JSON string otherwise.
 */

/** Plain scalars: a conservative alphabet, no indicator first, no `: ` or ` #`, no trailing space or colon. */
const PLAIN = /^[A-Za-z0-9_./$(][A-Za-z0-9_./$()@%+=,:?&#^|'; -]*$/;
/** Strings a YAML 1.1 or 1.2 reader would take for something else: booleans, null, numbers, dates, sexagesimals. */
const AMBIGUOUS = /^(y|n|yes|no|on|off|true|false|null|~|[-+]?\.?[0-9].*|\.(inf|nan))$/i;
/** Digits then letters (`2048m`, `60s`, `36h`): no YAML number looks like this. */
const UNIT = /^[0-9]+[A-Za-z]+$/;
/** Characters a literal block cannot carry as they are. */
const NOT_LITERAL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]/;

function plain(s: string): boolean {
  return (
    PLAIN.test(s) &&
    !s.endsWith(' ') &&
    !s.endsWith(':') &&
    !s.includes(': ') &&
    !s.includes(' #') &&
    (!AMBIGUOUS.test(s) || UNIT.test(s))
  );
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return plain(v) ? v : yamlValue(v);
  if (typeof v === 'number' || typeof v === 'boolean') return yamlValue(v);
  throw new Error(`cannot write ${typeof v}`);
}

/** `|`, `|-` or `|+` block for multi-line text, or undefined when it must be a JSON string. */
function literal(s: string, indent: string): string | undefined {
  if (!s.includes('\n') || NOT_LITERAL.test(s)) return undefined;
  const firstText = s.split('\n').find((l) => l.length > 0);
  // A first line starting with a space would need an indentation indicator: keep it simple.
  if (!firstText || /^[ \t]/.test(firstText)) return undefined;
  let chomp = '';
  let body = s;
  if (s.endsWith('\n\n')) {
    chomp = '+';
    body = s.slice(0, -1);
  } else if (s.endsWith('\n')) body = s.slice(0, -1);
  else chomp = '-';
  return (
    `|${chomp}\n` +
    body
      .split('\n')
      .map((l) => (l.length ? indent + l : ''))
      .join('\n')
  );
}

function isBlock(v: unknown): v is Record<string, unknown> | unknown[] {
  return !!v && typeof v === 'object' && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);
}

function inline(v: unknown, indent: string): string {
  if (Array.isArray(v)) return '[]';
  if (v && typeof v === 'object') return '{}';
  if (typeof v === 'string') return literal(v, indent) ?? scalar(v);
  return scalar(v);
}

function block(v: Record<string, unknown> | unknown[], indent: string, first: string[] = []): string {
  let out = '';
  if (Array.isArray(v)) {
    for (const item of v) {
      if (isBlock(item)) {
        const inner = block(item, `${indent}  `);
        out += Array.isArray(item) ? `${indent}-\n${inner}` : `${indent}- ${inner.slice(indent.length + 2)}`;
      } else out += `${indent}- ${inline(item, `${indent}  `)}\n`;
    }
    return out;
  }
  const rank = (k: string) => (first.includes(k) ? first.indexOf(k) : first.length);
  const keys = Object.keys(v).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  for (const k of keys) {
    const value = v[k];
    if (value === undefined) continue;
    const key = scalar(k);
    if (isBlock(value))
      out += `${indent}${key}:\n${block(value, `${indent}  `, first === TOP && k === 'metadata' ? METADATA : [])}`;
    else out += `${indent}${key}: ${inline(value, `${indent}  `)}\n`;
  }
  return out;
}

/** One object as YAML. */
export function toYaml(o: RenderedObject): string {
  return block(o.object, '', TOP);
}

/** `--out DIR`: `<namespace>/<kind>-<name>.yaml`. */
export function objectPath(o: RenderedObject): string {
  return `${o.namespace}/${o.kind.toLowerCase()}-${o.name}.yaml`;
}

/** One multi-document stream, in the objects' (sorted) order. */
export function toStream(objects: RenderedObject[]): string {
  return objects.map((o) => `---\n${toYaml(o)}`).join('');
}
