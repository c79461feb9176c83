import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hasErrors } from '../lib/diagnostics/diagnostic.js';
import { formatDiagnostics } from '../lib/diagnostics/format/index.js';
import { runPreview, type SinkRows } from '../lib/flink/preview.js';
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
  const { repo } = loadRepo(options.repo);
  const env = requireEnv(repo, options.env);
  const job = selectJob(repo, options.job);
  const eff = effectiveSql(repo, job, env);
  if (!eff) throw new UsageError(`${job.id} is not a SQL job: preview runs SQL jobs`);
  // Nothing runs that the security stage could not protect: its errors end the preview here.
  if (hasErrors(eff.diagnostics))
    return { stdout: '', stderr: formatDiagnostics(eff.diagnostics, 'text'), exitCode: 1 };
  const samples: Record<string, Record<string, unknown>[]> = {};
  for (const s of options.samples) {
    const m = s.match(/^([^=]+)=(.+)$/);
    if (!m) throw new UsageError(`--sample takes TABLE=FILE.jsonl, got "${s}"`);
    samples[m[1]!] = readSamples(m[2]!);
  }
  const result = await runPreview(eff, { samples, rows: options.rows }, options.log);
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

function readSamples(file: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(path.resolve(file), 'utf8');
  } catch {
    throw new UsageError(`cannot read sample file ${file}`);
  }
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
