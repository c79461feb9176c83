import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// The flow of STYLE.md: load → resolve → check/render → compare → act. A stage may import the
// stages before it (lower rank) and the toolkits every stage uses, never one after it.
const FLOW: Record<string, number> = {
  // toolkits with no knowledge of the repository model
  diagnostics: 0,
  vars: 0,
  cache: 0,
  git: 0,
  k8s: 0,
  // load
  repo: 1,
  // SQL toolkits over the model
  sql: 2,
  security: 3,
  lineage: 4,
  // resolve: effective configuration and effective SQL
  resolve: 5,
  // test files of jobs: read and checked against the job's tables
  jobtest: 5,
  // check and render
  rules: 6,
  render: 6,
  flink: 6,
  codeowners: 6,
  scaffold: 6,
  // compare
  plan: 7,
  live: 7,
  validation: 7,
  // act
  apply: 8,
  jobctl: 8,
  // running job tests in Flink, comparing rows, reporting
  testrun: 8,
  scm: 8,
  // present: the static job catalog reads everything before it
  site: 8,
};

const root = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/** Relative imports of a file, as repository paths (`lib/repo/model`). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    out.push(normalize(join(dirname(file), m[1]!)).replace(/\\/g, '/'));
  }
  return out;
}

describe('architecture', () => {
  it('every stage folder under lib/ has its place in the flow', () => {
    const folders = readdirSync(join(root, 'lib'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((f) => !(f in FLOW))).toEqual([]);
  });

  it('no import points up the flow: lib never imports actions/ or cli/, a stage never a later stage', () => {
    const upward: string[] = [];
    for (const file of sources('lib')) {
      const from = file.split('/')[1]!;
      for (const target of importsOf(file)) {
        const [top, stage] = target.split('/');
        if (top === 'actions' || top === 'cli') upward.push(`${file} → ${target}`);
        if (top !== 'lib' || stage === from) continue;
        if ((FLOW[stage!] ?? Number.POSITIVE_INFINITY) >= FLOW[from]!) upward.push(`${file} → ${target}`);
      }
    }
    for (const file of sources('actions')) {
      for (const target of importsOf(file)) if (target.startsWith('cli/')) upward.push(`${file} → ${target}`);
    }
    expect(upward).toEqual([]);
  });

  it('nothing under lib/ writes to the console', () => {
    const writers = sources('lib').filter((f) =>
      /\bconsole\.(log|error|warn|info)\(/.test(readFileSync(join(root, f), 'utf8')),
    );
    expect(writers).toEqual([]);
  });
});
