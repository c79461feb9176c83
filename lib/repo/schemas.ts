import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { CodeCache } from '../cache/code.js';
import alerts from '../../schemas/alerts.schema.json' with { type: 'json' };
import catalogs from '../../schemas/catalogs.schema.json' with { type: 'json' };
import defs from '../../schemas/defs.schema.json' with { type: 'json' };
import env from '../../schemas/env.schema.json' with { type: 'json' };
import flinkConf from '../../schemas/flink-conf.schema.json' with { type: 'json' };
import job from '../../schemas/job.schema.json' with { type: 'json' };
import owners from '../../schemas/owners.schema.json' with { type: 'json' };
import platformOwners from '../../schemas/platform-owners.schema.json' with { type: 'json' };
import policies from '../../schemas/policies.schema.json' with { type: 'json' };
import rollout from '../../schemas/rollout.schema.json' with { type: 'json' };
import sessions from '../../schemas/sessions.schema.json' with { type: 'json' };
import team from '../../schemas/team.schema.json' with { type: 'json' };
import test from '../../schemas/test.schema.json' with { type: 'json' };
import versions from '../../schemas/versions.schema.json' with { type: 'json' };
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { closest } from './suggest.js';
import type { PropertyPath, YamlFile } from './yamlFile.js';

const all = {
  alerts,
  catalogs,
  env,
  'flink-conf': flinkConf,
  job,
  owners,
  'platform-owners': platformOwners,
  policies,
  rollout,
  sessions,
  team,
  test,
  versions,
};
export type SchemaName = keyof typeof all;

let ajv: Ajv | undefined;
const compiled = new Map<SchemaName, ValidateFunction>();

function newAjv(source: boolean): Ajv {
  const a = new Ajv({ allErrors: true, strict: false, verbose: true, ...(source ? { code: { source: true } } : {}) });
  addFormats.default ? addFormats.default(a) : (addFormats as unknown as (x: Ajv) => void)(a);
  a.addSchema(defs);
  return a;
}

/**
 * Compiling the schemas takes about 0.7 s, more than loading a one-job merge request: the compiled
 * validators are kept as standalone code (ajv's own), keyed by the schemas' text and ajv's version,
 * in the private cache folder. Without a usable cache folder each schema is compiled when first used.
 */
function loadAll(): void {
  const names = Object.keys(all) as SchemaName[];
  const key = createHash('sha256')
    .update(`ajv ${ajvRelease()} allErrors verbose formats\0`)
    .update(JSON.stringify([defs, all]))
    .digest('hex')
    .slice(0, 32);
  const cache = new CodeCache('schemas', `schemas-${key}`);
  const cached = cache.load();
  if (cached && names.every((n) => typeof cached[n] === 'function')) {
    for (const n of names) compiled.set(n, cached[n] as ValidateFunction);
    return;
  }
  ajv = newAjv(true);
  for (const n of names) compiled.set(n, ajv.compile(all[n]));
  const ids = Object.fromEntries(names.map((n) => [n, (all[n] as { $id: string }).$id]));
  const standalone = (standaloneCode as unknown as { default?: typeof standaloneCode }).default ?? standaloneCode;
  cache.store(standalone(ajv, ids));
}

/** Part of the cache key: a change of options or of the ajv release compiles again. */
function ajvRelease(): string {
  try {
    return String((createRequire(import.meta.url)('ajv/package.json') as { version: string }).version);
  } catch {
    return 'unknown';
  }
}

function validator(name: SchemaName): ValidateFunction {
  if (!compiled.size) loadAll();
  let fn = compiled.get(name);
  if (!fn) {
    ajv ??= newAjv(false);
    fn = ajv.compile(all[name]);
    compiled.set(name, fn);
  }
  return fn;
}

/** Checks a parsed file against its JSON Schema; each problem is placed on the offending key or value. */
export function checkSchema(file: YamlFile, name: SchemaName, job?: string): Diagnostic[] {
  const fn = validator(name);
  if (fn(file.data ?? {})) return [];
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const err of fn.errors ?? []) {
    if (err.keyword === 'if' || err.keyword === '$ref') continue;
    const d = toDiagnostic(file, err, job);
    const key = `${d.line}:${d.column}:${d.rule}:${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}

function toDiagnostic(file: YamlFile, err: ErrorObject, job: string | undefined): Diagnostic {
  const path = pointerToPath(err.instancePath);
  const where = (p: PropertyPath, part: 'key' | 'value' = 'value') => ({
    file: file.file,
    ...file.position(p, part),
    ...(job ? { job } : {}),
  });
  const label = path.length ? `"${path.join('.')}"` : 'the file';
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String((err.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys((err.parentSchema as { properties?: object })?.properties ?? {});
      const guess = closest(key, known);
      return {
        severity: 'error',
        rule: 'schema/unknown-key',
        message: `unknown key "${key}"${path.length ? ` in ${label}` : ''}${guess ? ` — did you mean "${guess}"?` : ''}`,
        hint: known.length ? `allowed keys: ${known.join(', ')}` : 'remove the key',
        ...where([...path, key], 'key'),
      };
    }
    case 'required': {
      const key = String((err.params as { missingProperty: string }).missingProperty);
      const owners = key === 'owners';
      const description = (err.parentSchema as { properties?: Record<string, { description?: string }> })?.properties?.[
        key
      ]?.description;
      return {
        severity: 'error',
        rule: owners ? 'owners/missing' : 'schema/required',
        message: `missing required key "${key}"${path.length ? ` in ${label}` : ''}`,
        hint: owners
          ? 'every job and team needs owners: add `owners: ["@user-or-group"]`'
          : description
            ? `${key}: ${description}`
            : `add "${key}"`,
        ...where(path, 'key'),
      };
    }
    case 'type':
      return {
        severity: 'error',
        rule: 'schema/type',
        message: `${label} must be ${article((err.params as { type: string | string[] }).type)}, not ${describe(err.data)}`,
        hint: (err.parentSchema as { description?: string })?.description,
        ...where(path),
      };
    case 'enum': {
      const allowed = (err.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const guess = typeof err.data === 'string' ? closest(err.data, allowed) : undefined;
      return {
        severity: 'error',
        rule: 'schema/value',
        message: `${label} is ${JSON.stringify(err.data)}; expected one of ${allowed.join(', ')}${guess ? ` — did you mean "${guess}"?` : ''}`,
        ...where(path),
      };
    }
    case 'minItems':
      if (path[path.length - 1] === 'owners') {
        return {
          severity: 'error',
          rule: 'owners/missing',
          message: `${label} is empty`,
          hint: 'name at least one owner (`@user` or `@group/subgroup`)',
          ...where(path),
        };
      }
      return generic(file, err, path, label, job);
    default:
      return generic(file, err, path, label, job);
  }
}

function generic(
  file: YamlFile,
  err: ErrorObject,
  path: PropertyPath,
  label: string,
  job: string | undefined,
): Diagnostic {
  return {
    severity: 'error',
    rule: 'schema/value',
    message: `${label} ${err.message ?? 'is invalid'}${err.keyword === 'pattern' ? ` (got ${JSON.stringify(err.data)})` : ''}`,
    hint: (err.parentSchema as { description?: string })?.description,
    file: file.file,
    ...file.position(path),
    ...(job ? { job } : {}),
  };
}

function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function article(t: string | string[]): string {
  const types = Array.isArray(t) ? t : [t];
  return types
    .map((x) => (x === 'object' ? 'a mapping' : x === 'array' ? 'a list' : x === 'integer' ? 'an integer' : `a ${x}`))
    .join(' or ');
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}
