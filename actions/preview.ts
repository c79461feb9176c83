import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Diagnostic, hasErrors } from '../lib/diagnostics/diagnostic.js';
import { formatDiagnostics } from '../lib/diagnostics/format/index.js';
import { resolveUdfJars } from '../lib/flink/jars.js';
import { runPreview, type SinkRows } from '../lib/flink/preview.js';
import { RepoFiles } from '../lib/repo/files.js';
import { blockingDiagnostics } from '../lib/repo/blocking.js';
import { loadRepo } from '../lib/repo/load.js';
import { requireEnv, selectJob, UsageError } from '../lib/repo/select.js';
import { effectiveSql } from '../lib/resolve/sql.js';
import type { ActionResult } from './result.js';

export interface PreviewOptions {
  repo: string;
  job: string;
  env: string | undefined;
  samples: string[];
  rows: number;
  json: boolean;
  log?: (line: string) => void;
}

export async function preview(options: PreviewOptions): Promise<ActionResult> {
  const { repo, diagnostics: loadDiagnostics } = loadRepo(options.repo);
  const env = requireEnv(repo, options.env);
  const job = selectJob(repo, options.job);
  const blocked = blockingDiagnostics('preview', loadDiagnostics, [job.id]);
  if (blocked.length) return { stdout: '', stderr: formatDiagnostics(blocked, 'text'), exitCode: 1 };
  const eff = effectiveSql(repo, job, env);
  if (!eff) throw new UsageError(`${job.id} is not a SQL job: preview runs SQL jobs`);
  // Nothing runs that the security stage could not protect: its errors end the preview here.
  if (hasErrors(eff.diagnostics))
    return { stdout: '', stderr: formatDiagnostics(eff.diagnostics, 'text'), exitCode: 1 };
  // The job's own sample rows (samples/<table>.jsonl in its folder) by default; --sample replaces one table's.
  const samples: Record<string, Record<string, unknown>[]> = {};
  const origin = new Map<string, string>();
  const files = new RepoFiles(repo.root);
  const own = files.list(`${job.dir}/samples`).filter((e) => !e.dir && e.name.endsWith('.jsonl'));
  for (const e of own) {
    const file = `${job.dir}/samples/${e.name}`;
    const table = e.name.slice(0, -'.jsonl'.length);
    const text = files.read(file);
    if (text === undefined) return { stdout: '', stderr: formatDiagnostics(files.diagnostics, 'text'), exitCode: 1 };
    samples[table] = parseSamples(text, file);
    origin.set(table, file);
  }
  for (const s of options.samples) {
    const m = s.match(/^([^=]+)=(.+)$/);
    if (!m) throw new UsageError(`--sample takes TABLE=FILE.jsonl, got "${s}"`);
    const table = m[1]!;
    // `--sample orders=…` replaces samples/orders.jsonl, however either names the table.
    for (const key of Object.keys(samples))
      if (key.toLowerCase() === table.toLowerCase()) {
        delete samples[key];
        origin.delete(key);
      }
    samples[table] = readSamples(m[2]!);
  }
  // The job's UDF jars, as local files Flink loads; one that cannot be had ends the preview here.
  const jars = await resolveUdfJars(job, env, repo.platform.envs.get(env)?.spec);
  if (hasErrors(jars.diagnostics))
    return { stdout: '', stderr: formatDiagnostics(jars.diagnostics, 'text'), exitCode: 1 };
  const result = await runPreview(eff, { samples, rows: options.rows, jars: jars.jars }, options.log);
  result.diagnostics.unshift(...jars.diagnostics);
  // Flink says which tables the job read: a sample that names none of them is a mistake, not silence.
  const tables = result.tablesRead;
  if (tables.length && !hasErrors(result.diagnostics)) {
    for (const table of Object.keys(samples)) {
      if (tables.some((t) => sampleMatches(table, t))) continue;
      const file = origin.get(table);
      if (file)
        return {
          stdout: '',
          stderr: formatDiagnostics([unknownSampleFile(job.id, file, tables)], 'text'),
          exitCode: 1,
        };
      throw new UsageError(
        `--sample ${table}: ${job.id} reads no table "${table}"; its tables: ${tables.map(shortName).join(', ')}`,
      );
    }
  }
  const problems = result.diagnostics.length ? formatDiagnostics(result.diagnostics, 'text') : '';
  if (options.json) {
    const sinks = Object.fromEntries(Object.entries(result.sinks).map(([k, v]) => [k, v.rows]));
    const updating = Object.entries(result.sinks)
      .filter(([, v]) => v.updating)
      .map(([k]) => k);
    return {
      stdout: `${JSON.stringify({ sinks, ...(updating.length ? { updating } : {}) }, null, 2)}\n`,
      ...(problems ? { stderr: problems } : {}),
      exitCode: hasErrors(result.diagnostics) ? 1 : 0,
    };
  }
  const text = Object.entries(result.sinks)
    .map(([name, sink]) => table(name, sink))
    .join('\n');
  return { stdout: text, ...(problems ? { stderr: problems } : {}), exitCode: hasErrors(result.diagnostics) ? 1 : 0 };
}

/**
 * Whether a sample's table name (`t`, `db.t` or `cat.db.t`) names the table: the last parts of its
 * path, exactly or ignoring case — as the Flink helper matches them (StandinContext.samplesFor).
 */
function sampleMatches(name: string, table: string): boolean {
  const parts = name.toLowerCase().split('.');
  const path = table.toLowerCase().split('.');
  return parts.length <= path.length && parts.every((p, i) => p === path[path.length - parts.length + i]);
}

function shortName(table: string): string {
  return table.replace(/^default_catalog\.default_database\./, '');
}

function unknownSampleFile(job: string, file: string, tables: string[]): Diagnostic {
  return {
    severity: 'error',
    rule: 'preview/unknown-sample',
    message: `${job} reads no table "${path.basename(file, '.jsonl')}"; its tables: ${tables.map(shortName).join(', ')}`,
    hint: 'name the file after a table the job reads (samples/<table>.jsonl), or remove it',
    file,
    line: 1,
    column: 1,
    job,
  };
}

function readSamples(file: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(path.resolve(file), 'utf8');
  } catch {
    throw new UsageError(`cannot read sample file ${file}`);
  }
  return parseSamples(text, file);
}

function parseSamples(text: string, file: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .map((line, i) => [line.trim(), i + 1] as const)
    .filter(([line]) => line && !line.startsWith('//'))
    .map(([line, n]) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch (e) {
        throw new UsageError(`${file}:${n}:1 is not a JSON object: ${(e as Error).message}`);
      }
    });
}

function table(name: string, sink: SinkRows): string {
  const cols = sink.columns.map((c) => c.name);
  const cells = sink.rows.map((r) =>
    cols.map((c) =>
      r[c] === null || r[c] === undefined ? 'NULL' : typeof r[c] === 'object' ? JSON.stringify(r[c]) : String(r[c]),
    ),
  );
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) => `| ${vals.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  const sep = `+-${widths.map((w) => '-'.repeat(w)).join('-+-')}-+`;
  const title = `${name} — ${sink.rows.length} row${sink.rows.length === 1 ? '' : 's'}${sink.updating ? ' (received updates: the final rows, changelog applied)' : ''}`;
  return [title, sep, line(cols), sep, ...cells.map(line), sep, ''].join('\n');
}
