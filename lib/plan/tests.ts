import type { JobPlan, Plan } from './types.js';

/** What `flinkops test --results FILE` wrote, as far as the plan needs it. */
interface TestResultsFile {
  tests: { job: string; test: string; env: string; status: 'passed' | 'failed' | 'error' }[];
}

/** Test results of one job in the plan's environment. */
export interface JobTests {
  passed: number;
  /** Names of failing tests (a test that could not run counts as failing). */
  failed: string[];
}

/** Reads a `flinkops test --results` file; undefined when it is not one. */
export function parseTestResults(text: string): TestResultsFile | undefined {
  try {
    const data = JSON.parse(text) as Partial<TestResultsFile>;
    if (!Array.isArray(data.tests)) return undefined;
    const ok = data.tests.every(
      (t) => t && typeof t.job === 'string' && typeof t.test === 'string' && typeof t.env === 'string',
    );
    return ok ? (data as TestResultsFile) : undefined;
  } catch {
    return undefined;
  }
}

/** Adds each planned job's test results in the plan's environment ("tests: 3 passed" in the note). */
export function attachTests(plan: Plan, results: TestResultsFile): void {
  const mine = results.tests.filter((t) => t.env === plan.env);
  for (const j of plan.jobs) {
    const list = mine.filter((t) => t.job === j.job);
    if (!list.length) continue;
    j.tests = {
      passed: list.filter((t) => t.status === 'passed').length,
      failed: [...new Set(list.filter((t) => t.status !== 'passed').map((t) => t.test))].sort(),
    };
  }
}

/** "tests: 3 passed" or "tests: 1 failed (late-orders), 2 passed". */
export function testsLine(j: JobPlan): string | undefined {
  const t = j.tests;
  if (!t) return undefined;
  if (!t.failed.length) return `tests: ${t.passed} passed`;
  return `tests: ${t.failed.length} failed (${t.failed.join(', ')}), ${t.passed} passed`;
}
