import { statSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { RepoFiles } from '../repo/files.js';
import type { Job, Origin, Repo } from '../repo/model.js';
import { checkSchema } from '../repo/schemas.js';
import { YamlFile } from '../repo/yamlFile.js';

export type Row = Record<string, unknown>;

/** A row as a test file writes it: by column name; `$op` (+I, -U, +U, -D) makes it a changelog row. */
export type TestRow = { $op?: '+I' | '-U' | '+U' | '-D' } & Row;

/** Rows with the file position of each (a line of the test file, or of its `.jsonl` file). */
export interface PlacedRows {
  rows: Row[];
  origins: Origin[];
}

export interface SinkExpectation {
  /** The sink as the test names it. */
  name: string;
  kind: 'rows' | 'changelog';
  expected: PlacedRows;
  ordered: boolean;
  tolerance: number;
  origin: Origin;
}

export interface TestSpec {
  description?: string;
  envs?: string[];
  vars?: Record<string, string | number | boolean>;
  timeZone?: string;
  given: Record<string, TestRow[] | { file: string }>;
  expect: Record<string, { rows?: TestRow[]; changelog?: TestRow[]; ordered?: boolean; tolerance?: number }>;
}

/** One test file of a job, read and placed; `valid` is false when it cannot run (its diagnostics say why). */
export interface JobTest {
  job: Job;
  /** File name without `.yaml`. */
  name: string;
  file: string;
  yaml: YamlFile;
  spec: TestSpec;
  valid: boolean;
  /** Given rows by table name as written. */
  given: Map<string, PlacedRows & { origin: Origin }>;
  expect: SinkExpectation[];
  diagnostics: Diagnostic[];
}

export const TESTS_DIR = 'tests';

/** The test files of a job (`tests/*.yaml`, by name), with their `.jsonl` row files. Never throws. */
export function loadJobTests(repo: Repo, job: Job): JobTest[] {
  const dir = `${job.dir}/${TESTS_DIR}`;
  // Most jobs have no tests: a folder that is not there has nothing to list (and nothing to report).
  if (!statSync(path.join(repo.root, dir), { throwIfNoEntry: false })?.isDirectory()) return [];
  const files = new RepoFiles(repo.root);
  const out: JobTest[] = [];
  for (const e of files.list(dir)) {
    if (e.dir || !/\.ya?ml$/.test(e.name)) continue;
    const rel = `${dir}/${e.name}`;
    const text = files.read(rel);
    if (text === undefined) continue;
    out.push(readTest(files, job, rel, e.name.replace(/\.ya?ml$/, ''), text));
    out[out.length - 1]!.diagnostics.push(...files.diagnostics.splice(0));
  }
  return out;
}

function readTest(files: RepoFiles, job: Job, file: string, name: string, text: string): JobTest {
  const yaml = new YamlFile(file, text);
  const diagnostics: Diagnostic[] = yaml.diagnostics.map((d) => ({ ...d, job: job.id }));
  if (yaml.ok) diagnostics.push(...checkSchema(yaml, 'test', job.id));
  const spec = (yaml.ok && yaml.data && typeof yaml.data === 'object' ? yaml.data : {}) as TestSpec;
  const test: JobTest = { job, name, file, yaml, spec, valid: false, given: new Map(), expect: [], diagnostics };
  if (diagnostics.some((d) => d.severity === 'error')) return test;

  const placed = (path: (string | number)[], rows: Row[]): PlacedRows => ({
    rows,
    origins: rows.map((_, i) => yaml.at([...path, i])),
  });
  for (const [table, given] of Object.entries(spec.given ?? {})) {
    const origin = yaml.at(['given', table], 'key');
    if (Array.isArray(given)) {
      test.given.set(table, { ...placed(['given', table], given), origin });
      continue;
    }
    const rel = `${file.slice(0, file.lastIndexOf('/'))}/${given.file}`;
    const rows = readJsonLines(files, rel, yaml.at(['given', table, 'file']), job.id, diagnostics);
    if (rows) test.given.set(table, { ...rows, origin });
  }
  for (const [sink, e] of Object.entries(spec.expect ?? {})) {
    const origin = yaml.at(['expect', sink], 'key');
    if ((e.rows === undefined) === (e.changelog === undefined)) {
      diagnostics.push({
        severity: 'error',
        rule: 'test/file',
        message: `expectation of "${sink}" needs exactly one of "rows" (the final table) and "changelog" (every change)`,
        hint: 'rows: [...] compares the sink after the changelog is applied; changelog: [...] compares each change with its $op',
        ...origin,
        job: job.id,
      });
      continue;
    }
    const kind = e.rows !== undefined ? 'rows' : 'changelog';
    test.expect.push({
      name: sink,
      kind,
      expected: placed(['expect', sink, kind], (e.rows ?? e.changelog)!),
      ordered: e.ordered ?? false,
      tolerance: e.tolerance ?? 0,
      origin,
    });
  }
  test.valid = !diagnostics.some((d) => d.severity === 'error');
  return test;
}

function readJsonLines(
  files: RepoFiles,
  rel: string,
  from: Origin,
  job: string,
  diagnostics: Diagnostic[],
): PlacedRows | undefined {
  const abs = files.resolve(rel, from);
  const text = abs ? files.read(rel) : undefined;
  if (text === undefined) {
    diagnostics.push(
      ...files.diagnostics.splice(0).map((d) => ({ ...d, ...from, job, message: `${d.message} (named here)` })),
    );
    return undefined;
  }
  const rows: Row[] = [];
  const origins: Origin[] = [];
  let ok = true;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('//')) return;
    try {
      const row = JSON.parse(line) as unknown;
      if (!row || typeof row !== 'object' || Array.isArray(row)) throw new Error('a row must be a JSON object');
      rows.push(row as Row);
      origins.push({ file: rel, line: i + 1, column: raw.indexOf(line[0]!) + 1 });
    } catch (e) {
      ok = false;
      diagnostics.push({
        severity: 'error',
        rule: 'test/file',
        message: `line ${i + 1} of ${rel} is not a JSON object: ${(e as Error).message}`,
        hint: 'one JSON object per line, e.g. {"order_id": 1, "created_at": "2024-01-01 10:00:00"}',
        file: rel,
        line: i + 1,
        column: 1,
        job,
      });
    }
  });
  return ok ? { rows, origins } : undefined;
}
