import type { RenderedObject } from './context.js';
import { yamlValue } from './templates.js';

const TOP = ['apiVersion', 'kind', 'metadata'];
const METADATA = ['name', 'namespace', 'labels', 'annotations'];
const NONE: string[] = [];

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
/** A line break followed by text: where a literal block's next line gets its indentation (empty lines get none). */
const LINE_WITH_TEXT = /\n(?=[^\n])/g;

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

/**
 * Short strings (keys, names, labels, quantities) repeat across thousands of objects: their written
 * form is kept, up to a bound, rather than decided again each time.
 */
const SHORT = 128;
const written = new Map<string, string>();

function stringScalar(s: string): string {
  if (s.length > SHORT) return plain(s) ? s : yamlValue(s);
  let w = written.get(s);
  if (w === undefined) {
    w = plain(s) ? s : yamlValue(s);
    if (written.size >= 50_000) written.clear();
    written.set(s, w);
  }
  return w;
}

function scalar(v: unknown): string {
  if (typeof v === 'string') return stringScalar(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return yamlValue(v);
  throw new Error(`cannot write ${typeof v}`);
}

/** `|`, `|-` or `|+` block for multi-line text, or undefined when it must be a JSON string. */
function literal(s: string, indent: string): string | undefined {
  if (!s.includes('\n') || NOT_LITERAL.test(s)) return undefined;
  // The first line with text decides: starting with a space it would need an indentation indicator (kept simple: JSON).
  let first = 0;
  while (s.charCodeAt(first) === 10) first++;
  if (first === s.length || s[first] === ' ' || s[first] === '\t') return undefined;
  let chomp = '';
  let body = s;
  if (s.endsWith('\n\n')) {
    chomp = '+';
    body = s.slice(0, -1);
  } else if (s.endsWith('\n')) body = s.slice(0, -1);
  else chomp = '-';
  return `|${chomp}\n${first === 0 ? indent : ''}${body.replace(LINE_WITH_TEXT, `\n${indent}`)}`;
}

function inline(v: unknown, indent: string): string {
  if (typeof v === 'string') return (v.includes('\n') ? literal(v, indent) : undefined) ?? stringScalar(v);
  if (Array.isArray(v)) return '[]';
  if (v && typeof v === 'object') return '{}';
  return scalar(v);
}

/** Keys in written order: `first` in its order, then the rest by UTF-16 code units. */
function sortedKeys(v: object, first: string[]): string[] {
  const keys = Object.keys(v);
  if (first.length === 0) return inOrder(keys) ? keys : keys.sort();
  const rank = (k: string) => (first.includes(k) ? first.indexOf(k) : first.length);
  return keys.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Appends a block collection's lines to `out`. `lead` replaces the indentation of the first line of a
 * mapping (a mapping that is a sequence item starts on the `- ` line).
 */
function block(
  out: string,
  v: Record<string, unknown> | unknown[],
  indent: string,
  first: string[],
  lead: string,
): string {
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    for (const item of v) {
      if (Array.isArray(item) && item.length > 0) out = block(`${out}${indent}-\n`, item, inner, NONE, inner);
      else if (item && typeof item === 'object' && !Array.isArray(item) && hasKeys(item))
        out = block(`${out}${indent}- `, item as Record<string, unknown>, inner, NONE, '');
      else out += `${indent}- ${inline(item, inner)}\n`;
    }
    return out;
  }
  let pre = lead;
  for (const k of sortedKeys(v, first)) {
    const value = v[k];
    if (value === undefined) continue;
    const key = scalar(k);
    if (Array.isArray(value) ? value.length > 0 : value && typeof value === 'object' && hasKeys(value))
      out = block(
        `${out}${pre}${key}:\n`,
        value as Record<string, unknown> | unknown[],
        inner,
        first === TOP && k === 'metadata' ? METADATA : NONE,
        inner,
      );
    else out += `${pre}${key}: ${inline(value, inner)}\n`;
    pre = indent;
  }
  return out;
}

/** Most objects are built in key order already. */
function inOrder(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

function hasKeys(o: object): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return true;
  return false;
}

/** One object as YAML. */
export function toYaml(o: RenderedObject): string {
  return block('', o.object, '', TOP, '');
}

/** `--out DIR`: `<namespace>/<kind>-<name>.yaml`. */
export function objectPath(o: RenderedObject): string {
  return `${o.namespace}/${o.kind.toLowerCase()}-${o.name}.yaml`;
}

/** One multi-document stream, in the objects' (sorted) order. */
export function toStream(objects: RenderedObject[]): string {
  return objects.map((o) => `---\n${toYaml(o)}`).join('');
}
