import type { SqlFile } from '../sql/script.js';
import type { Rule } from './rule.js';

/** After the first error in a statement the parser is guessing; later errors there are mostly echoes of it. */
function firstPerStatement(file: SqlFile) {
  const seen = new Set<number>();
  return file.analysis.errors.filter((e) => {
    const i = file.statements.findIndex((s) => e.offset >= s.start && e.offset <= s.end);
    if (seen.has(i)) return false;
    seen.add(i);
    return true;
  });
}

export const sqlSyntax: Rule = {
  meta: {
    id: 'sql/syntax',
    description:
      "Each .sql file must parse with the Flink SQL grammar (dt-sql-parser). A fast check: `validate --deep` asks the job's own Flink version, which is the judge.",
  },
  check(ctx) {
    for (const { job, file } of ctx.sqlFiles()) {
      for (const err of firstPerStatement(file)) {
        ctx.report({
          severity: 'error',
          message: `SQL syntax: ${err.message}`,
          hint: 'fix the SQL near this position (a grammar check; `flinkops validate --deep` confirms with Flink itself)',
          ...file.origin(err.offset),
          job: job.id,
        });
      }
    }
  },
};
