import { describe, expect, it } from 'vitest';
import { formatPlanMarkdown, formatPlanText } from '../../lib/plan/format.js';
import { attachTests, parseTestResults } from '../../lib/plan/tests.js';
import type { JobPlan, Plan } from '../../lib/plan/types.js';

function jobPlan(job: string): JobPlan {
  return {
    job,
    action: 'update',
    reasons: [`jobs/${job}/02-metrics.sql changed`],
    objects: [],
    warnings: [],
    ownersBefore: [],
    ownersAfter: [],
    resources: { before: { cpu: 1, memoryMi: 1024 }, after: { cpu: 1, memoryMi: 1024 } },
    team: job.split('/')[0]!,
  };
}

const results = {
  ok: false,
  tests: [
    { job: 'rental/rental-metrics-1m', test: 'orders-per-city-minute', env: 'prod', status: 'passed' },
    { job: 'rental/rental-metrics-1m', test: 'staff-orders-hidden-in-prod', env: 'prod', status: 'passed' },
    { job: 'rental/rental-metrics-1m', test: 'orders-per-city-minute', env: 'test', status: 'failed' },
    { job: 'homeservice/workorder-sla', test: 'late-orders', env: 'prod', status: 'failed' },
    { job: 'homeservice/workorder-sla', test: 'bad-file', env: 'prod', status: 'error' },
  ],
};

describe('plan --tests: the note says per job how its tests did in the plan’s environment', () => {
  it('passed counts, failing tests by name; other environments do not count', () => {
    const plan: Plan = {
      env: 'prod',
      base: 'a'.repeat(40),
      head: 'b'.repeat(40),
      summary: { add: 0, change: 3, destroy: 0 },
      jobs: [jobPlan('homeservice/workorder-sla'), jobPlan('rental/rental-metrics-1m'), jobPlan('rental/no-tests')],
      teams: [],
      policies: [],
      planHash: 'h',
    };
    attachTests(plan, parseTestResults(JSON.stringify(results))!);
    const text = formatPlanText(plan);
    expect(text).toContain('    tests: 2 failed (bad-file, late-orders), 0 passed\n');
    expect(text).toContain('    tests: 2 passed\n');
    expect(plan.jobs[2]!.tests).toBeUndefined();
    const md = formatPlanMarkdown(plan);
    expect(md).toContain('| | job | change | warnings | tests |');
    expect(md).toContain('| `~` | `rental/rental-metrics-1m` | update |  | ✅ 2 passed |');
    expect(md).toContain(
      '| `~` | `homeservice/workorder-sla` | update |  | ❌ 2 failed (bad-file, late-orders), 0 passed |',
    );
    expect(md).toContain('❌ tests: 2 failed (bad-file, late-orders), 0 passed');
  });

  it('a file that is not a test results file is refused', () => {
    expect(parseTestResults('{"ok": true}')).toBeUndefined();
    expect(parseTestResults('not json')).toBeUndefined();
  });
});
