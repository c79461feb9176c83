import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatDiagnostics } from '../lib/diagnostics/format/index.js';
import { changedJobIds } from '../lib/testrun/changed.js';
import { formatResults, resultsJson, summaryLine, summarize, type TestFormat } from '../lib/testrun/format.js';
import { loadJobTests } from '../lib/jobtest/load.js';
import { type HelperPool, runTests, testRuns } from '../lib/testrun/run.js';
import { loadRepo } from '../lib/repo/load.js';
import { requireEnv, selectJobs, UsageError } from '../lib/repo/select.js';
import type { ActionResult } from './result.js';

export interface TestOptions {
  repo: string;
  jobs: string[];
  env?: string;
  format: TestFormat;
  /** Only the jobs a change since `base` reaches. */
  changed?: boolean;
  base?: string;
  /** Also write the JUnit XML report here. */
  junit?: string;
  /** Also write the JSON results here (`plan --tests FILE` reads them). */
  results?: string;
  log?: (line: string) => void;
  /** Helper JVMs to reuse across calls (test suites); by default each call starts its own. */
  pool?: HelperPool;
  /** Progress: one line per finished test (text format on a terminal). */
  progress?: (line: string) => void;
}

/** `flinkops test`: the SQL unit tests of the selected jobs, each environment's effective SQL run in real Flink. */
export async function test(o: TestOptions): Promise<ActionResult> {
  if (o.changed && o.jobs.length) throw new UsageError('name jobs or use --changed, not both');
  if (o.changed && !o.base) throw new UsageError('--changed needs --base REF (e.g. $CI_MERGE_REQUEST_DIFF_BASE_SHA)');
  const { repo } = loadRepo(o.repo);
  const env = o.env === undefined ? undefined : requireEnv(repo, o.env);
  let jobs = selectJobs(repo, o.jobs) ?? repo.jobs;
  if (o.changed) {
    const ids = new Set(changedJobIds(repo, o.base!));
    jobs = jobs.filter((j) => ids.has(j.id));
  }
  const envs = [...repo.platform.envs.keys()].sort();
  const tests = jobs.flatMap((j) => loadJobTests(repo, j));
  const runs = testRuns(tests, envs, env);
  const results = await runTests(repo, runs, {
    ...(o.log ? { log: o.log } : {}),
    ...(o.pool ? { pool: o.pool } : {}),
    onResult: (r) =>
      o.progress?.(
        `${r.status === 'passed' ? '✔' : r.status === 'failed' ? '✖' : '!'} ${r.job} › ${r.test} [${r.env}]`,
      ),
  });
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileSync(file, text);
  };
  if (o.junit) write(o.junit, formatResults(results, 'junit'));
  if (o.results) write(o.results, `${JSON.stringify(resultsJson(results), null, 2)}\n`);
  const s = summarize(results);
  const ok = s.failed + s.errors === 0;
  if (!results.length) {
    const what = o.changed ? 'no job this change reaches has tests' : 'no tests found';
    return {
      stdout:
        o.format === 'text'
          ? `${what} (jobs/<team>/<job>/tests/*.yaml)\n${summaryLine(s)}\n`
          : formatResults(results, o.format),
      exitCode: 0,
    };
  }
  // Problems that stop a test from running are also listed as diagnostics on stderr for the JSON/JUnit formats.
  const problems = results.flatMap((r) => r.diagnostics);
  return {
    stdout: formatResults(results, o.format),
    ...(o.format !== 'text' && problems.length ? { stderr: formatDiagnostics(problems, 'text') } : {}),
    exitCode: ok ? 0 : 1,
  };
}
