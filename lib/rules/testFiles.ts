import { checkTest } from '../jobtest/check.js';
import { loadJobTests } from '../jobtest/load.js';
import { testTables } from '../jobtest/tables.js';
import type { Rule } from './rule.js';

/**
 * Test files (`jobs/<team>/<job>/tests/*.yaml`) are well-formed and name what the job has: known
 * environments, tables of its SQL or of platform/catalogs/, their columns, values of the columns'
 * types — in every environment the test runs in. `flinkops test` runs them in Flink.
 */
export const testFiles: Rule = {
  meta: {
    id: 'test/tables',
    description:
      'A test file names tables the job has (its DDL or platform/catalogs/), their columns, and values of the columns’ types, in every environment it runs in.',
  },
  check(ctx) {
    for (const job of ctx.jobs) {
      const tests = loadJobTests(ctx.repo, job);
      for (const test of tests) {
        for (const d of test.diagnostics) ctx.report(d);
        if (!test.valid) continue;
        const envs = test.spec.envs ?? ctx.envs;
        envs.forEach((env, i) => {
          if (!ctx.envs.includes(env)) {
            ctx.report({
              severity: 'error',
              rule: 'test/file',
              message: `unknown environment "${env}"`,
              hint: `environments: ${ctx.envs.join(', ')}`,
              ...test.yaml.at(['envs', i]),
              job: job.id,
            });
            return;
          }
          const sql = ctx.sql(job, env);
          if (!sql) return;
          for (const d of checkTest(test, testTables(ctx.repo, sql, env), env)) ctx.report(d);
        });
      }
    }
  },
};
