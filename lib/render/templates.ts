import { existsSync, readFileSync } from 'node:fs';
import { RepoFiles } from '../repo/files.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { parseAllDocuments } from 'yaml';

/**
 * Handlebars templates that a platform team can read and adjust, made safe for YAML: every value
 * reaches the output through `{{json …}}`, which writes a JSON value — a valid YAML flow scalar or
 * collection — so SQL text, descriptions and variables can never add or change keys or objects.
 * A template that prints a bare `{{value}}` is refused before it runs, and what it renders is parsed
 * back and must be exactly the one object of the expected kind.
 */

/** A template is wrong (refused statically, failed to render, or rendered something unexpected). */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line = 1,
    readonly column = 1,
  ) {
    super(message);
  }
}

/** Characters JSON leaves as they are but YAML does not accept (or reads as line breaks) inside a double-quoted scalar. */
const YAML_UNSAFE =
  /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A JSON text that reads back as the same value in YAML 1.1 and 1.2. */
export function yamlValue(value: unknown): string {
  if (value === undefined) throw new Error('json: the value is undefined (a misspelt or missing field?)');
  const text = JSON.stringify(value);
  if (text === undefined) throw new Error('json: the value cannot be written');
  return text.replace(YAML_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** POSIX shell word: single-quoted (for Dockerfiles' RUN lines and arguments). */
export function shellWord(value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number')
    throw new Error('sh: the value must be a string or a number');
  const s = String(value);
  if (/[\n\r\0]/.test(s)) throw new Error('sh: the value contains a line break');
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** A value for an unquoted Dockerfile position (image references, paths, URLs): refused unless plain. */
export function dockerWord(value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9/][A-Za-z0-9._:/@+=,%-]*$/.test(value)) {
    throw new Error(`word: ${JSON.stringify(value)} is not a plain image reference, path or URL`);
  }
  return value;
}

export type TemplateKind = 'yaml' | 'dockerfile';
const OUTPUT_HELPERS: Record<TemplateKind, string[]> = { yaml: ['json'], dockerfile: ['sh', 'word'] };
const BLOCK_HELPERS = ['if', 'unless', 'each', 'with'];

const hb = Handlebars.create();
/**
 * While a manifest renders, `json` writes a placeholder and keeps the value aside: the YAML parser
 * only ever sees the template's own text, and the values are put into the parsed object afterwards.
 * Values therefore cannot change the shape of an object, and one parse serves every object of the
 * same shape (500 jobs, a dozen shapes).
 */
const SLOT = '\ue000flinkops-value-';
let slots: unknown[] | undefined;
hb.registerHelper('json', (...args: unknown[]) => {
  if (args.length !== 2) throw new Error('json takes exactly one value');
  if (args[0] === undefined) throw new Error('json: the value is undefined (a misspelt or missing field?)');
  if (!slots) return yamlValue(args[0]);
  slots.push(args[0]);
  return `"${SLOT}${slots.length - 1}"`;
});
hb.registerHelper('sh', (...args: unknown[]) => {
  if (args.length !== 2) throw new Error('sh takes exactly one value');
  return shellWord(args[0]);
});
hb.registerHelper('word', (...args: unknown[]) => {
  if (args.length !== 2) throw new Error('word takes exactly one value');
  return dockerWord(args[0]);
});

interface AstNode {
  type: string;
  loc?: { start: { line: number; column: number } };
  path?: { original?: string; type?: string };
  params?: unknown[];
  program?: { body: AstNode[] };
  inverse?: { body: AstNode[] };
  body?: AstNode[];
}

/** Every `{{…}}` that writes output must be one of the kind's quoting helpers with one value. */
function checkStatically(text: string, file: string, kind: TemplateKind): void {
  let ast: AstNode;
  try {
    ast = hb.parse(text) as unknown as AstNode;
  } catch (e) {
    const m = /line (\d+)/.exec((e as Error).message);
    throw new TemplateError(`template syntax: ${firstLine((e as Error).message)}`, file, m ? Number(m[1]) : 1);
  }
  const allowed = OUTPUT_HELPERS[kind];
  const visit = (nodes: AstNode[] | undefined) => {
    for (const n of nodes ?? []) {
      const where = n.loc?.start ?? { line: 1, column: 0 };
      const fail = (msg: string) => {
        throw new TemplateError(msg, file, where.line, where.column + 1);
      };
      if (n.type === 'MustacheStatement') {
        const name = n.path?.original ?? '';
        if (!allowed.includes(name) || n.params?.length !== 1) {
          fail(
            `"{{${name}${n.params?.length ? ' …' : ''}}}" writes a value unquoted — write {{${allowed[0]} ${name}}} (templates write every value through ${allowed.map((a) => a).join(' or ')})`,
          );
        }
      } else if (n.type === 'BlockStatement') {
        const name = n.path?.original ?? '';
        if (!BLOCK_HELPERS.includes(name))
          fail(`block "{{#${name}}}" is not allowed here (use ${BLOCK_HELPERS.join(', ')})`);
        visit(n.program?.body);
        visit(n.inverse?.body);
      } else if (n.type !== 'ContentStatement' && n.type !== 'CommentStatement') {
        fail(`${n.type} is not allowed in templates (partials and decorators would bypass the quoting check)`);
      }
    }
  };
  visit(ast.body);
}

export interface Template {
  name: string;
  /** Where it was read from (repository-relative when the repository overrides it). */
  file: string;
  kind: TemplateKind;
  render(context: object): string;
}

/** flinkops' own templates: `templates/` at the root of the flinkops installation (beside dist/ or lib/). */
export function builtInTemplateDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(path.join(dir, 'templates', 'manifests'))) return path.join(dir, 'templates');
    dir = path.dirname(dir);
  }
  throw new Error('flinkops installation has no templates/ folder');
}

const compiled = new Map<string, Template>();

/**
 * The template `sub/name` (e.g. `manifests/ingress-networking-v1.yaml.hbs`): the repository's own
 * `templates/sub/name` when it has one, so the platform team can adjust it, else flinkops' own.
 */
export function loadTemplate(repoRoot: string, name: string, kind: TemplateKind): Template {
  const own = path.join(repoRoot, 'templates', name);
  const abs = existsSync(own) ? own : path.join(builtInTemplateDir(), name);
  const file = abs === own ? `templates/${name}` : `(flinkops) templates/${name}`;
  let text: string | undefined;
  if (abs === own) {
    // The repository's own template is read like every repository file: inside it, never through .git.
    const files = new RepoFiles(repoRoot);
    text = files.read(`templates/${name}`);
    if (text === undefined) throw new TemplateError(files.diagnostics[0]?.message ?? 'cannot be read', file, 1);
  } else text = readFileSync(abs, 'utf8');
  const key = `${abs}\0${kind}\0${text}`;
  let t = compiled.get(key);
  if (t) return t;
  checkStatically(text, file, kind);
  const fn = hb.compile(text, { noEscape: true, strict: true, preventIndent: true });
  t = {
    name,
    file,
    kind,
    render(context) {
      try {
        return fn(context);
      } catch (e) {
        const m = /line (\d+)/.exec((e as Error).message);
        throw new TemplateError(`template failed: ${firstLine((e as Error).message)}`, file, m ? Number(m[1]) : 1);
      }
    },
  };
  compiled.set(key, t);
  return t;
}

export interface Expected {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
}

interface Skeleton {
  obj?: unknown;
  error?: string;
  count: number;
  /** How to copy `obj` with its values, when every placeholder stands alone as a value (null: use `fill`). */
  plan?: Plan | null;
  /** The placeholders the plan fills (distinct indices), and the highest. */
  slots?: number;
  maxSlot?: number;
}

const skeletons = new Map<string, Skeleton>();

/** Parses the template's text (values as placeholders) once per distinct text. */
function skeleton(text: string): Skeleton {
  let sk = skeletons.get(text);
  if (sk) return sk;
  const docs = parseAllDocuments(text, { version: '1.1', uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.length !== 1) sk = { error: `rendered ${list.length} YAML documents, expected exactly one`, count: 0 };
  else if (list[0]!.errors.length)
    sk = { error: `rendered invalid YAML: ${firstLine(list[0]!.errors[0]!.message)}`, count: 0 };
  else {
    try {
      sk = { obj: list[0]!.toJS({ maxAliasCount: 0 }), count: 0 };
    } catch (e) {
      sk = { error: `rendered YAML with aliases: ${firstLine((e as Error).message)}`, count: 0 };
    }
  }
  if (skeletons.size > 2000) skeletons.clear();
  skeletons.set(text, sk);
  return sk;
}

/**
 * A skeleton compiled for copying: constants, placeholders (their index) and the collections holding
 * them. Filling a plan makes the same object as `fill` with fewer checks, as the skeleton is read once.
 */
type Plan =
  | { c: unknown }
  | { slot: number }
  | { items: Plan[] }
  | { keys: (string | { slot: number })[]; values: Plan[]; keySlots: boolean };

const PLACEHOLDER = /^\ue000flinkops-value-(\d+)$/;

/** The plan, or null when a placeholder is inside a larger text (`fill` reports it). */
function compile(node: unknown, slots: Set<number>): Plan | null {
  if (typeof node === 'string') {
    if (!node.includes(SLOT.charAt(0))) return { c: node };
    const m = PLACEHOLDER.exec(node);
    if (!m) return null;
    slots.add(Number(m[1]));
    return { slot: Number(m[1]) };
  }
  if (Array.isArray(node)) {
    const items: Plan[] = [];
    for (const v of node) {
      const p = compile(v, slots);
      if (!p) return null;
      items.push(p);
    }
    return { items };
  }
  if (node && typeof node === 'object') {
    const keys: (string | { slot: number })[] = [];
    const values: Plan[] = [];
    let keySlots = false;
    for (const [k, v] of Object.entries(node)) {
      const key = compile(k, slots);
      if (!key) return null;
      const p = compile(v, slots);
      if (!p) return null;
      if ('slot' in key) keySlots = true;
      keys.push('slot' in key ? key : k);
      values.push(p);
    }
    return { keys, values, keySlots };
  }
  return { c: node };
}

function planned(plan: Plan, values: unknown[]): unknown {
  if ('c' in plan) return plan.c;
  if ('slot' in plan) return jsonCopy(values[plan.slot]);
  if ('items' in plan) return plan.items.map((p) => planned(p, values));
  const out: Record<string, unknown> = {};
  for (let i = 0; i < plan.keys.length; i++) {
    const k = plan.keys[i]!;
    if (!plan.keySlots) {
      out[k as string] = planned(plan.values[i]!, values);
      continue;
    }
    // Keys written by values: checked as `fill` checks them (the skeleton's own keys are distinct).
    const key = typeof k === 'string' ? k : jsonCopy(values[k.slot]);
    if (typeof key !== 'string') throw new Error('a key must be a string');
    if (Object.hasOwn(out, key)) throw new Error(`key "${key}" is written twice`);
    out[key] = planned(plan.values[i]!, values);
  }
  return out;
}

/** The skeleton with every placeholder replaced by its value (a copy; values are copied through JSON, as they would be written). */
function fill(node: unknown, values: unknown[], used: Set<number>): unknown {
  if (typeof node === 'string') {
    if (!node.includes(SLOT.charAt(0))) return node;
    const m = /^\ue000flinkops-value-(\d+)$/.exec(node);
    if (!m || Number(m[1]) >= values.length)
      throw new Error('a value is written inside a larger text; write it alone: key: {{json value}}');
    used.add(Number(m[1]));
    return jsonCopy(values[Number(m[1])]);
  }
  if (Array.isArray(node)) return node.map((v) => fill(v, values, used));
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      const key = fill(k, values, used);
      if (typeof key !== 'string') throw new Error('a key must be a string');
      if (Object.hasOwn(out, key)) throw new Error(`key "${key}" is written twice`);
      out[key] = fill(v, values, used);
    }
    return out;
  }
  return node;
}

const NOT_PLAIN = Symbol('not plain JSON data');

/**
 * `JSON.parse(JSON.stringify(value))` without writing the text: a job's SQL script is large, and the
 * round trip was most of a manifest's rendering. Strings, finite numbers, booleans, null, arrays and
 * plain objects are copied here with JSON's rules (`-0` → 0, non-finite → null, `undefined` and
 * functions dropped from objects and null in arrays); anything else (`toJSON`, class instances,
 * bigints, a `__proto__` key, cycles) takes the round trip itself, so its result or error is JSON's.
 */
function jsonCopy(value: unknown): unknown {
  const copy = plainCopy(value, 0);
  return copy === NOT_PLAIN ? JSON.parse(JSON.stringify(value)) : copy;
}

function plainCopy(v: unknown, depth: number): unknown {
  if (typeof v === 'string' || typeof v === 'boolean' || v === null) return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v + 0 : null;
  if (typeof v !== 'object' || depth > 64) return NOT_PLAIN;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      const copy =
        item === undefined || typeof item === 'function' || typeof item === 'symbol'
          ? null
          : plainCopy(item, depth + 1);
      if (copy === NOT_PLAIN) return NOT_PLAIN;
      out.push(copy);
    }
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if ((proto !== Object.prototype && proto !== null) || typeof (v as { toJSON?: unknown }).toJSON === 'function')
    return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    if (k === '__proto__') return NOT_PLAIN;
    const item = (v as Record<string, unknown>)[k];
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    const copy = plainCopy(item, depth + 1);
    if (copy === NOT_PLAIN) return NOT_PLAIN;
    out[k] = copy;
  }
  return out;
}

/**
 * Renders a manifest template: its text is parsed with placeholders for the values (exactly one
 * document), the values are filled in, and the result must be the object of the expected kind and name.
 */
export function renderObject(template: Template, context: object, expected: Expected): Record<string, unknown> {
  const fail = (msg: string): never => {
    throw new TemplateError(
      `${msg} (rendering ${expected.kind} ${expected.namespace}/${expected.name})`,
      template.file,
    );
  };
  const values: unknown[] = [];
  slots = values;
  let text: string;
  try {
    text = template.render(context);
  } finally {
    slots = undefined;
  }
  const sk = skeleton(text);
  if (sk.error) return fail(sk.error);
  if (sk.plan === undefined) {
    const slots = new Set<number>();
    sk.plan = compile(sk.obj, slots);
    sk.slots = slots.size;
    sk.maxSlot = Math.max(-1, ...slots);
  }
  let obj: Record<string, unknown> | null;
  let used: number;
  try {
    if (sk.plan && sk.maxSlot! < values.length) {
      obj = planned(sk.plan, values) as Record<string, unknown> | null;
      used = sk.slots!;
    } else {
      const usedSet = new Set<number>();
      obj = fill(sk.obj, values, usedSet) as Record<string, unknown> | null;
      used = usedSet.size;
    }
  } catch (e) {
    return fail((e as Error).message);
  }
  if (used !== values.length) fail('a value was written where YAML does not read it as a value (a comment?)');
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return fail('rendered something other than one object');
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  const got = { apiVersion: obj.apiVersion, kind: obj.kind, name: meta.name, namespace: meta.namespace };
  for (const k of Object.keys(got) as (keyof Expected)[]) {
    if (got[k] !== expected[k])
      fail(`rendered ${k} ${JSON.stringify(got[k])}, expected ${JSON.stringify(expected[k])}`);
  }
  return obj;
}

function firstLine(s: string): string {
  return s.split('\n')[0]!;
}
