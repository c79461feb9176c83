// The YAML types of lib/repo/model.ts are written by hand beside schemas/*.json (the schemas stay the
// editors' and validation's source, with descriptions). This test keeps them in step: each schema is
// turned into TypeScript by json-schema-to-typescript, and the TypeScript compiler compares the
// generated type with the hand-written one — property names, which are required, and the same down
// every nested object, array, record and enumeration.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compile, type JSONSchema } from 'json-schema-to-typescript';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const schemasDir = path.join(root, 'schemas');

/** Each schema file and the type that mirrors it (an expression over model.ts `M` and the job test's `T`). */
const MIRRORS: Record<string, string> = {
  'alerts.schema.json': 'M.PlatformAlertsSpec',
  'catalogs.schema.json': '{ catalogs: M.CatalogSpec[] }',
  'env.schema.json': 'M.EnvSpec',
  'flink-conf.schema.json': 'M.FlinkConf',
  'job.schema.json': 'M.JobSpec',
  'owners.schema.json': 'M.OwnersSpec',
  'platform-owners.schema.json': 'M.PlatformOwnersSpec',
  'policies.schema.json': '{ policies: M.PolicySpec[] }',
  'rollout.schema.json': 'M.RolloutSpec',
  'sessions.schema.json': '{ sessions: Record<string, M.SessionSpec> }',
  'team.schema.json': 'M.TeamSpec',
  'test.schema.json': 'T.TestSpec',
  'versions.schema.json': '{ versions: Record<string, M.VersionSpec> }',
};
/** Definitions only, referenced by the others. */
const SHARED = new Set(['defs.schema.json']);

/** The generated and the hand-written type of every schema, in one TypeScript program. */
async function program(): Promise<{ checker: ts.TypeChecker; pairs: [string, ts.Type, ts.Type][] }> {
  const dir = path.join(root, 'test', '.schema-types');
  const files = new Map<string, string>();
  const pairs: string[] = [];
  for (const [file, mirror] of Object.entries(MIRRORS)) {
    const schema = JSON.parse(readFileSync(path.join(schemasDir, file), 'utf8')) as JSONSchema;
    // Named by compile()'s argument, and `$ref`s resolved beside the file, not at the published $id.
    delete schema.title;
    delete schema.$id;
    const name = file.replace(/\.schema\.json$/, '').replace(/-/g, '_');
    const source = await compile(schema, 'Root', {
      cwd: schemasDir,
      bannerComment: '',
      format: false,
      declareExternallyReferenced: true,
      unreachableDefinitions: false,
      ignoreMinAndMaxItems: true,
    });
    files.set(path.join(dir, `${name}.ts`), source);
    pairs.push(`export type ${name}__schema = import('./${name}.js').Root;\nexport type ${name}__model = ${mirror};`);
  }
  files.set(
    path.join(dir, 'pairs.ts'),
    `import type * as M from '../../lib/repo/model.js';\nimport type * as T from '../../lib/jobtest/load.js';\n${pairs.join('\n')}\n`,
  );
  // The project's own compiler options, so model.ts is read as `tsc` reads it.
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: () => {},
    },
  )!;
  const options = { ...config.options, noEmit: true };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile, directoryExists } = host;
  host.getSourceFile = (f, lang, ...rest) =>
    files.has(f) ? ts.createSourceFile(f, files.get(f)!, lang) : getSourceFile.call(host, f, lang, ...rest);
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
  host.readFile = (f) => files.get(f) ?? readFile.call(host, f);
  host.directoryExists = (d) => d === dir || (directoryExists?.call(host, d) ?? true);
  const p = ts.createProgram([path.join(dir, 'pairs.ts')], options, host);
  const errors = [...files.keys()].flatMap((f) =>
    ts
      .getPreEmitDiagnostics(p, p.getSourceFile(f))
      .map((d) => `${path.basename(f)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`),
  );
  expect(errors, 'the generated types and the mirrors compile').toEqual([]);
  const checker = p.getTypeChecker();
  const pairsFile = p.getSourceFile(path.join(dir, 'pairs.ts'))!;
  const alias = new Map<string, ts.Type>();
  for (const s of pairsFile.statements)
    if (ts.isTypeAliasDeclaration(s)) alias.set(s.name.text, checker.getTypeAtLocation(s.name));
  return {
    checker,
    pairs: Object.keys(MIRRORS).map((file) => {
      const name = file.replace(/\.schema\.json$/, '').replace(/-/g, '_');
      return [file, alias.get(`${name}__schema`)!, alias.get(`${name}__model`)!];
    }),
  };
}

/** Where the two types disagree, as `path: what` lines (empty when they agree). */
function differences(checker: ts.TypeChecker, schema: ts.Type, model: ts.Type): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const typeId = (t: ts.Type) => (t as unknown as { id: number }).id;
  const shown = (t: ts.Type) => checker.typeToString(t);
  const defined = (t: ts.Type) =>
    t.isUnion() ? t.types.filter((x) => !(x.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null))) : [t];
  const kind = (t: ts.Type): string => {
    if (t.flags & ts.TypeFlags.StringLike) return 'string';
    if (t.flags & ts.TypeFlags.NumberLike) return 'number';
    if (t.flags & ts.TypeFlags.BooleanLike) return 'boolean';
    if (t.flags & (ts.TypeFlags.Unknown | ts.TypeFlags.Any)) return 'unknown';
    if (checker.isArrayType(t)) return 'array';
    return 'object';
  };
  const walk = (at: string, s: ts.Type, m: ts.Type) => {
    const key = `${typeId(s)}/${typeId(m)}`;
    if (seen.has(key)) return;
    seen.add(key);
    const ss = defined(s);
    const ms = defined(m);
    const kinds = (ts_: ts.Type[]) => [...new Set(ts_.map(kind))].sort();
    if (kinds(ss).join() !== kinds(ms).join()) {
      // `unknown` in a schema (any value) is mirrored by anything.
      if (!kinds(ss).includes('unknown')) out.push(`${at}: schema ${shown(s)}, model.ts ${shown(m)}`);
      return;
    }
    // Enumerations: the same literals.
    const literals = (ts_: ts.Type[]) =>
      ts_.every((t) => t.isLiteral() || t.flags & ts.TypeFlags.BooleanLiteral)
        ? ts_.map((t) => shown(t)).sort()
        : undefined;
    const sl = literals(ss);
    const ml = literals(ms);
    if ((sl || ml) && sl?.join() !== ml?.join()) out.push(`${at}: schema ${shown(s)}, model.ts ${shown(m)}`);
    for (const k of ['array', 'object']) {
      const a = ss.filter((t) => kind(t) === k);
      const b = ms.filter((t) => kind(t) === k);
      if (a.length !== 1 || b.length !== 1) continue;
      if (k === 'array')
        walk(
          `${at}[]`,
          checker.getIndexTypeOfType(a[0]!, ts.IndexKind.Number)!,
          checker.getIndexTypeOfType(b[0]!, ts.IndexKind.Number)!,
        );
      else objects(at, a[0]!, b[0]!);
    }
  };
  const objects = (at: string, s: ts.Type, m: ts.Type) => {
    const props = (t: ts.Type) => new Map(checker.getPropertiesOfType(t).map((p) => [p.name, p]));
    const sp = props(s);
    const mp = props(m);
    const optional = (p: ts.Symbol) => Boolean(p.flags & ts.SymbolFlags.Optional);
    for (const [name, p] of sp) {
      const q = mp.get(name);
      const where = at ? `${at}.${name}` : name;
      if (!q) out.push(`${where}: in the schema, missing in model.ts`);
      else {
        if (optional(p) !== optional(q))
          out.push(
            `${where}: ${optional(p) ? 'optional' : 'required'} in the schema, ${optional(q) ? 'optional' : 'required'} in model.ts`,
          );
        walk(where, checker.getTypeOfSymbol(p), checker.getTypeOfSymbol(q));
      }
    }
    for (const name of mp.keys())
      if (!sp.has(name)) out.push(`${at ? `${at}.` : ''}${name}: in model.ts, not in the schema`);
    const si = checker.getIndexTypeOfType(s, ts.IndexKind.String);
    const mi = checker.getIndexTypeOfType(m, ts.IndexKind.String);
    if (Boolean(si) !== Boolean(mi))
      out.push(
        `${at || '(root)'}: ${si ? 'a map (any key) in the schema' : 'fixed keys in the schema'}, ${mi ? 'a map' : 'fixed keys'} in model.ts`,
      );
    else if (si && mi) walk(`${at}[key]`, si, mi);
  };
  walk('', schema, model);
  return out;
}

describe('lib/repo/model.ts mirrors schemas/*.json', async () => {
  const { checker, pairs } = await program();

  it('every schema has a mirror type', () => {
    const files = readdirSync(schemasDir).filter((f) => f.endsWith('.schema.json') && !SHARED.has(f));
    expect(files.sort()).toEqual(Object.keys(MIRRORS).sort());
  });

  for (const [file, schema, model] of pairs)
    it(file, () => {
      expect(differences(checker, schema, model)).toEqual([]);
    });

  it('a disagreement is found (the comparison is not blind)', () => {
    const job = pairs.find(([f]) => f === 'job.schema.json')!;
    const team = pairs.find(([f]) => f === 'team.schema.json')!;
    const found = differences(checker, job[1], team[2]);
    expect(found).toContain('namespace: in model.ts, not in the schema');
    expect(found).toContain('type: in the schema, missing in model.ts');
  });
});
