import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { parseAllDocuments } from 'yaml';
import { isPrivateFile, privateCacheDir } from '../cache/dir.js';

/**
 * The operator release whose CRDs flinkops carries (crds/flink-kubernetes-operator/<version>/, an unmodified
 * copy of the release's helm/flink-kubernetes-operator/crds/). A cluster running another release names its
 * folder with FLINKOPS_CRDS or --crds.
 */
export const OPERATOR_VERSION = '1.15.0';

/** The CRD folder of OPERATOR_VERSION in the flinkops installation (beside dist/ or lib/). */
export function builtInCrdDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'crds', 'flink-kubernetes-operator', OPERATOR_VERSION);
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(`flinkops installation has no crds/flink-kubernetes-operator/${OPERATOR_VERSION}/ folder`);
}

/** The operator's CRDs, compiled to validators of the objects flinkops renders. */
export interface CrdValidators {
  /** `apiVersion` + `/` + `kind` → validator of the served version's openAPIV3Schema. */
  byType: Map<string, ValidateFunction>;
  files: string[];
}

const cache = new Map<string, CrdValidators>();

/** Bump when the way schemas are prepared changes, so old compiled caches are not used. */
const PREPARATION = 'closed+typemeta+shared+jspatterns/2';

/**
 * Compiling the FlinkDeployment schema (a pod spec three times over) takes about half a second, so
 * the compiled validators are kept, keyed by the CRD files' bytes — in the user's private cache
 * folder (lib/cache/dir.ts), never the shared temporary folder: the cache is code flinkops runs.
 */
export function loadCrds(dir: string): CrdValidators {
  const abs = path.resolve(dir);
  const hit = cache.get(abs);
  if (hit) return hit;
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new Error(`CRD folder ${dir} does not exist`);
  const files = readdirSync(abs)
    .sort()
    .filter((f) => /\.ya?ml$/.test(f));
  const texts = files.map((f) => readFileSync(path.join(abs, f), 'utf8'));
  const hash = createHash('sha256').update(PREPARATION).update(texts.join('\0')).digest('hex').slice(0, 32);
  const cacheDir = privateCacheDir('crds');
  const cacheFile = cacheDir ? path.join(cacheDir, `crds-${hash}.cjs`) : undefined;
  const result = (cacheFile && fromCache(cacheFile)) || compileCrds(files, texts, cacheFile);
  cache.set(abs, result);
  return result;
}

/**
 * CRDs flinkops carries itself (pinned third-party data under schemas/, see the README there): the
 * Prometheus Operator's PrometheusRule and PodMonitor, for the alerting objects.
 */
export function bundledCrds(): CrdValidators {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'schemas', 'prometheus-operator');
    if (existsSync(candidate)) return loadCrds(candidate);
    dir = path.dirname(dir);
  }
  throw new Error('flinkops installation has no schemas/prometheus-operator/ folder');
}

function fromCache(file: string): CrdValidators | undefined {
  try {
    if (!existsSync(file) || !isPrivateFile(file)) return undefined;
    const module = { exports: {} as Record<string, unknown> };
    new Function('require', 'module', 'exports', readFileSync(file, 'utf8'))(
      createRequire(import.meta.url),
      module,
      module.exports,
    );
    const { types, files } = module.exports.meta as { types: string[]; files: string[] };
    return { byType: new Map(types.map((t, i) => [t, module.exports[`v${i}`] as ValidateFunction])), files };
  } catch {
    return undefined;
  }
}

function compileCrds(files: string[], texts: string[], cacheFile: string | undefined): CrdValidators {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { source: true } });
  const byType = new Map<string, ValidateFunction>();
  const crdFiles: string[] = [];
  files.forEach((f, i) => {
    for (const doc of parseAllDocuments(texts[i]!)) {
      const crd = doc.toJS() as Crd | null;
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      crdFiles.push(f);
      for (const v of crd.spec.versions ?? []) {
        if (!v.served || !v.schema?.openAPIV3Schema) continue;
        const type = `${crd.spec.group}/${v.name}/${crd.spec.names.kind}`;
        ajv.addSchema({
          $id: `v${byType.size}`,
          ...shared(closed(withTypeMeta(v.schema.openAPIV3Schema)) as Record<string, unknown>),
        });
        byType.set(type, ajv.getSchema(`v${byType.size}`)!);
      }
    }
  });
  if (!cacheFile) return { byType, files: crdFiles };
  try {
    const types = [...byType.keys()];
    const code = standaloneCode(ajv, Object.fromEntries(types.map((_, i) => [`v${i}`, `v${i}`])));
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, `${code}\nmodule.exports.meta = ${JSON.stringify({ types, files: crdFiles })};\n`, {
      mode: 0o600,
    });
    renameSync(tmp, cacheFile);
  } catch {
    // A cache we cannot write only costs time.
  }
  return { byType, files: crdFiles };
}

interface Crd {
  kind: string;
  spec: {
    group: string;
    names: { kind: string };
    versions?: { name: string; served?: boolean; schema?: { openAPIV3Schema?: Record<string, unknown> } }[];
  };
}

/** A CRD's schema leaves apiVersion, kind and metadata to the API server; the closed root must allow them. */
function withTypeMeta(schema: Record<string, unknown>): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  return {
    ...schema,
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      ...properties,
    },
  };
}

/**
 * The API server silently drops fields a structural schema does not know; for us an unknown field is
 * a template mistake, so every object schema with known properties is closed (except where the CRD
 * says to keep unknown fields).
 */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const s = Object.fromEntries(
    Object.entries(schema as Record<string, unknown>).map(([k, v]) => [
      k,
      k === 'properties' ? mapValues(v as Record<string, unknown>, closed) : closed(v),
    ]),
  );
  // Go's RE2 patterns the API server checks (`(?i)…`) that JavaScript cannot compile are left to the server.
  if (typeof s.pattern === 'string' && !compiles(s.pattern)) delete s.pattern;
  if (s.properties && s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields'])
    s.additionalProperties = false;
  return s;
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

/**
 * The pod spec appears three times in a FlinkDeployment's schema (pod template of the deployment, the
 * JobManager and the TaskManager): large repeated parts become one definition, which halves compile time.
 */
function shared(schema: Record<string, unknown>): Record<string, unknown> {
  const counts = new Map<string, number>();
  const count = (n: unknown) => {
    if (!n || typeof n !== 'object') return;
    const j = JSON.stringify(n);
    if (j.length < 2000) return;
    counts.set(j, (counts.get(j) ?? 0) + 1);
    for (const v of Object.values(n)) count(v);
  };
  count(schema);
  const definitions: Record<string, unknown> = {};
  const names = new Map<string, string>();
  const replace = (n: unknown, top: boolean): unknown => {
    if (!n || typeof n !== 'object') return n;
    const j = JSON.stringify(n);
    if (j.length < 2000) return n;
    if (!top && (counts.get(j) ?? 0) > 1) {
      let name = names.get(j);
      if (!name) {
        name = `s${names.size}`;
        names.set(j, name);
        definitions[name] = replace(n, true);
      }
      return { $ref: `#/definitions/${name}` };
    }
    if (Array.isArray(n)) return n.map((v) => replace(v, false));
    // `properties` is a map of schemas, not a schema: share its values, never the map itself.
    return Object.fromEntries(
      Object.entries(n).map(([k, v]) => [
        k,
        k === 'properties' && v && typeof v === 'object'
          ? mapValues(v as Record<string, unknown>, (x) => replace(x, false))
          : replace(v, false),
      ]),
    );
  };
  const out = replace(schema, true) as Record<string, unknown>;
  return names.size ? { ...out, definitions } : out;
}

function mapValues(o: Record<string, unknown>, f: (v: unknown) => unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}
