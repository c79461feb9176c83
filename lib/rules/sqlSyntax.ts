import type { Rule } from './rule.js';

export const sqlSyntax: Rule = {
  meta: {
    id: 'sql/syntax',
    description: "Each .sql file must parse with the Flink SQL grammar (dt-sql-parser). A fast check: `validate --deep` asks the job's own Flink version, which is the judge.",
  },
  check(ctx) {
    for (const job of ctx.jobs) {
      for (const env of ctx.envs) {
        const sql = ctx.sql(job, env);
        if (!sql) continue;
        for (const file of sql.files) {
          for (const err of file.analysis.errors) {
            ctx.report({
              severity: 'error',
              message: `SQL syntax: ${err.message}`,
              hint: 'fix the SQL near this position (a grammar check; `flinkops validate --deep` confirms with Flink itself)',
              ...file.origin(err.offset),
              job: job.id,
            });
          }
        }
      }
    }
  },
};
