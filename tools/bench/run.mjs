// `npm run bench`: times and peak memory of flinkops on a generated 500-job repository, with ratios.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { generateRepo } from './generate.mjs';

const project = process.cwd();
const work = path.join(project, '.cache/bench');
const repo = path.join(work, 'repo-500');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
mkdirSync(work, { recursive: true });

/** Runs a command RUNS times; returns the median wall time (ms) and the largest peak RSS (MB). */
function measure(label, args, { expectCode = 0 } = {}) {
  const times = [];
  let rss = 0;
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['--import', path.join(project, 'tools/bench/measure.mjs'), ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (r.status !== expectCode) {
      console.error(r.stdout.slice(-2000), r.stderr.slice(-2000));
      throw new Error(`${label}: exit ${r.status}`);
    }
    const m = r.stderr.match(/BENCH_MAXRSS_KB (\d+)/);
    rss = Math.max(rss, m ? Number(m[1]) / 1024 : 0);
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  return { label, ms: times[Math.floor(times.length / 2)], rss };
}

function row(r, extra = '') {
  console.log(`${r.label.padEnd(52)} ${(r.ms / 1000).toFixed(2).padStart(7)} s ${r.rss.toFixed(0).padStart(6)} MB  ${extra}`);
}

const cli = path.join(project, 'bin/flinkops.mjs');
console.log(`flinkops bench — ${new Date().toISOString()} — node ${process.version}, ${RUNS} runs each, median time, peak RSS\n`);
generateRepo(repo, 500, project);

// dt-sql-parser alone, on the same .sql files, through its public API.
const parseOnly = path.join(work, 'parse-only.mjs');
await build({ entryPoints: ['tools/bench/parseOnly.ts'], outfile: parseOnly, bundle: true, platform: 'node', format: 'esm', logLevel: 'warning' });
const sqlFiles = [];
for (const team of readdirSync(path.join(repo, 'jobs'))) {
  const tdir = path.join(repo, 'jobs', team);
  for (const job of readdirSync(tdir)) {
    const jdir = path.join(tdir, job);
    if (statSync(jdir).isDirectory()) for (const f of readdirSync(jdir)) if (f.endsWith('.sql')) sqlFiles.push(path.join(jdir, f));
  }
}
const list = path.join(work, 'sql-files.txt');
writeFileSync(list, sqlFiles.join('\n'));
writeFileSync(path.join(work, 'one-sql-file.txt'), sqlFiles.find((f) => f.includes('job-001-'))); 

console.log('validate (fast check: schemas, rules, SQL grammar)');
const all = measure('validate, 500 jobs × 2 environments', [cli, 'validate', '--repo', repo, '--format', 'json']);
const parser = measure('dt-sql-parser alone, the same 500 files', [parseOnly, list]);
row(all, `${(all.ms / parser.ms).toFixed(2)}× the parser alone`);
row(parser);
const one = measure('validate, one job of the 500', [cli, 'validate', '--repo', repo, 'rental/job-001-metrics', '--format', 'json']);
const parserOne = measure('dt-sql-parser alone, that job’s file', [parseOnly, path.join(work, 'one-sql-file.txt')]);
row(one, `${(one.ms / parserOne.ms).toFixed(2)}× the parser alone`);
row(parserOne);
const sample = measure('validate, the sample repository (10 jobs)', [cli, 'validate', '--repo', project, '--format', 'json']);
row(sample);
console.log(`\ntargets: 500 jobs < 3 s (${all.ms < 3000 ? 'met' : 'MISSED'}), one job ≈ 1 s (${one.ms < 1300 ? 'met' : 'MISSED'}), < 400 MB (${all.rss < 400 ? 'met' : 'MISSED'})`);
