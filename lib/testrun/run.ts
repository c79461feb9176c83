import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import type { PreviewResult } from '../flink/preview.js';
import { resolveUdfJars } from '../flink/jars.js';
import { PreviewSession } from '../flink/session.js';
import type { EnvSpec, Job, Origin, Repo } from '../repo/model.js';
import { effectiveSql, type EffectiveSql } from '../resolve/sql.js';
import { checkTest } from '../jobtest/check.js';
import { compareSink, type RowDifference } from './compare.js';
import type { JobTest, Row } from '../jobtest/load.js';
import { findTable, sinkName, type TestTable, testTables } from '../jobtest/tables.js';

export type TestStatus = 'passed' | 'failed' | 'error';

export interface SinkResult {
  /** The sink as the test names it. */
  sink: string;
  kind: 'rows' | 'changelog';
  origin: Origin;
  differences: RowDifference[];
}

/** The outcome of one test in one environment. */
export interface TestResult {
  job: string;
  test: string;
  file: string;
  env: string;
  flinkVersion: string;
  status: TestStatus;
  description?: string;
  sinks: SinkResult[];
  /** Why the test could not run, or what Flink said (errors make the test an error). */
  diagnostics: Diagnostic[];
  millis: number;
}

/** One test in one environment, ready to run. */
export interface TestRun {
  test: JobTest;
  env: string;
}

/** The environments a test runs in: its `envs` (or all), narrowed to `only` when given. */
export function testRuns(tests: JobTest[], envs: string[], only?: string): TestRun[] {
  const runs: TestRun[] = [];
  for (const test of tests)
    for (const env of test.spec.envs ?? envs) if (!only || env === only) runs.push({ test, env });
  return runs;
}

/**
 * The job as a test sees it: the test's `vars` override every other layer (they go into the job's
 * own per-environment overrides, the last layer of the configuration).
 */
export function jobForTest(job: Job, test: JobTest, env: string): Job {
  const vars = test.spec.vars;
  if (!vars || !job.job) return job;
  const spec = job.job.spec;
  const envSpec = spec.envs?.[env] ?? {};
  return {
    ...job,
    job: {
      ...job.job,
      spec: { ...spec, envs: { ...spec.envs, [env]: { ...envSpec, vars: { ...envSpec.vars, ...vars } } } },
    },
  };
}

interface Prepared {
  run: TestRun;
  /** The environment's file: where the job's udfJars come from. */
  spec?: EnvSpec;
  eff?: EffectiveSql;
  tables?: TestTable[];
  problems: Diagnostic[];
  release: string;
}

/**
 * Runs tests on the job's own Flink release: every test of one release in one helper JVM (its
 * mini cluster started once and reused), through the preview path — the effective SQL with the
 * environment's data-security policies, sources replaced by the given rows, sinks collected.
 */
/** Helper JVMs by Flink release, started on first use; a caller may keep them for several runs. */
export class HelperPool {
  private readonly sessions = new Map<string, PreviewSession>();

  session(release: string, log?: (line: string) => void): PreviewSession {
    let s = this.sessions.get(release);
    if (!s) {
      s = PreviewSession.open(release, log);
      this.sessions.set(release, s);
    }
    return s;
  }

  /** Forgets a release's JVM (after it failed), so the next run starts a new one. */
  async drop(release: string): Promise<void> {
    const s = this.sessions.get(release);
    this.sessions.delete(release);
    await s?.close();
  }

  async close(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
    this.sessions.clear();
  }
}

export interface RunOptions {
  log?: (line: string) => void;
  onResult?: (r: TestResult) => void;
  /** JVMs to reuse (kept open); without one, the run starts and ends its own. */
  pool?: HelperPool;
}

export async function runTests(repo: Repo, runs: TestRun[], options: RunOptions = {}): Promise<TestResult[]> {
  const { log, onResult = () => {} } = options;
  const pool = options.pool ?? new HelperPool();
  const prepared = runs.map((run) => prepare(repo, run));
  const results = new Map<Prepared, TestResult>();
  const byRelease = new Map<string, Prepared[]>();
  for (const p of prepared) {
    if (hasErrors(p.problems) || !p.eff) {
      const r = result(p, 'error', [], p.problems, 0);
      results.set(p, r);
      onResult(r);
    } else byRelease.set(p.release, [...(byRelease.get(p.release) ?? []), p]);
  }
  // The releases' JVMs run side by side: much of a test's time is waiting for its job to be
  // scheduled and to finish, so two JVMs keep two cores busy.
  await Promise.all(
    [...byRelease].map(async ([release, list]) => {
      try {
        const session = pool.session(release, log);
        for (const p of list) {
          const r = await runOne(session, p);
          results.set(p, r);
          onResult(r);
        }
      } catch (e) {
        await pool.drop(release);
        for (const p of list) {
          if (results.has(p)) continue;
          const r = result(p, 'error', [], [problem(p.run.test, `Flink ${release}: ${(e as Error).message}`)], 0);
          results.set(p, r);
          onResult(r);
        }
      }
    }),
  );
  if (!options.pool) await pool.close();
  return prepared.map((p) => results.get(p)!);
}

function prepare(repo: Repo, run: TestRun): Prepared {
  const { test, env } = run;
  const problems: Diagnostic[] = [...test.diagnostics];
  if (!repo.platform.envs.has(env))
    problems.push({
      ...problem(test, `unknown environment "${env}" in envs`),
      ...test.yaml.at(['envs']),
      hint: `environments: ${[...repo.platform.envs.keys()].join(', ')}`,
    });
  if (!test.valid || hasErrors(problems)) return { run, problems, release: '' };
  const job = jobForTest(test.job, test, env);
  const eff = effectiveSql(repo, job, env);
  if (!eff)
    return {
      run,
      problems: [...problems, problem(test, `${job.id} is not a SQL job: tests run SQL jobs`)],
      release: '',
    };
  // Fail closed: a job whose policies cannot be enforced runs no test (and has no statements to check against).
  problems.push(...eff.diagnostics.filter((d) => d.severity === 'error'));
  if (hasErrors(problems)) return { run, problems, release: '' };
  const tables = testTables(repo, eff.sql, env);
  problems.push(...checkTest(test, tables, env));
  const release = eff.job.version?.flink ?? '';
  if (!release) problems.push(problem(test, `${job.id} has no known Flink version in ${env}`));
  const flinkConf: Record<string, string> = {
    ...eff.job.flinkConf,
    // Watermarks advance after every row (Flink's WatermarkAssignerOperator emits eagerly when the
    // interval is 0), not on a processing-time timer: a row behind the watermark is late in every run.
    'pipeline.auto-watermark-interval': '0 ms',
    ...(test.spec.timeZone ? { 'table.local-time-zone': test.spec.timeZone } : {}),
  };
  return {
    run,
    eff: { ...eff, job: { ...eff.job, flinkConf } },
    tables,
    problems,
    release,
    ...(repo.platform.envs.get(env) ? { spec: repo.platform.envs.get(env)!.spec } : {}),
  };
}

async function runOne(session: PreviewSession, p: Prepared): Promise<TestResult> {
  const started = Date.now();
  const { test } = p.run;
  const eff = p.eff!;
  const samples: Record<string, Row[]> = {};
  for (const [table, given] of test.given) samples[table] = given.rows;
  // The job's UDF jars, loaded into Flink as preview loads them.
  const jars = await resolveUdfJars(test.job, p.run.env, p.spec);
  if (hasErrors(jars.diagnostics)) return result(p, 'error', [], jars.diagnostics, Date.now() - started);
  const preview: PreviewResult = await session.preview(eff, {
    samples,
    jars: jars.jars,
    rows: 0,
    changelog: test.expect.some((e) => e.kind === 'changelog'),
    // The first test of a JVM also starts the mini cluster: generous on a loaded machine.
    timeoutSeconds: Number(process.env.FLINKOPS_TEST_TIMEOUT ?? 300),
  });
  const errors = preview.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) return result(p, 'error', [], errors, Date.now() - started);
  const tables = p.tables ?? [];
  const sinks: SinkResult[] = test.expect.map((e) => {
    const table = findTable(tables, e.name);
    const name = table ? sinkName(table) : e.name;
    const actual = preview.sinks[name] ?? preview.sinks[e.name];
    const rows = (e.kind === 'changelog' ? actual?.changelog : actual?.rows) ?? [];
    return {
      sink: e.name,
      kind: e.kind,
      origin: e.origin,
      differences: compareSink(e, { columns: actual?.columns ?? [], rows }),
    };
  });
  const failed = sinks.some((s) => s.differences.length);
  return result(p, failed ? 'failed' : 'passed', sinks, [], Date.now() - started);
}

function result(
  p: Prepared,
  status: TestStatus,
  sinks: SinkResult[],
  diagnostics: Diagnostic[],
  millis: number,
): TestResult {
  const { test, env } = p.run;
  return {
    job: test.job.id,
    test: test.name,
    file: test.file,
    env,
    flinkVersion: p.release,
    status,
    ...(test.spec.description ? { description: test.spec.description } : {}),
    sinks,
    diagnostics,
    millis,
  };
}

function problem(test: JobTest, message: string): Diagnostic {
  return { severity: 'error', rule: 'test/run', message, file: test.file, line: 1, column: 1, job: test.job.id };
}
