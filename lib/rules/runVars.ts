import { SqlFile } from '../sql/script.js';
import { runVarPlaceholder } from '../vars/runVars.js';
import type { Rule } from './rule.js';

/**
 * A run variable reaches the SQL at start, after validation and the security rewrite, so it may only
 * be a value: a string literal of a query (never a table's options, where it could change what is
 * read). Its default (the job's `vars`) must match its pattern, so validation and preview see a real value.
 */
export const runVars: Rule = {
  meta: {
    id: 'job/run-vars',
    description:
      '`runVars` name variables of an application-mode SQL job with a default in `vars` that matches the pattern, used in the SQL only inside string literals of INSERT or SELECT statements.',
  },
  check(ctx) {
    for (const job of ctx.jobs) {
      const loaded = job.job;
      const declared = loaded?.valid ? loaded.spec.runVars : undefined;
      if (!loaded || !declared) continue;
      const y = loaded.yaml;
      const report = (message: string, hint: string, at: { file: string; line: number; column: number }) =>
        ctx.report({ severity: 'error', message, hint, ...at, job: job.id });
      if (loaded.spec.type !== 'sql' || loaded.spec.mode === 'session') {
        report(
          'runVars are for application-mode SQL jobs',
          'the runner fills ${run:NAME} from the JobManager environment, which only a job of its own has',
          y.at(['runVars'], 'key'),
        );
        continue;
      }
      for (const [name, pattern] of Object.entries(declared)) {
        const at = y.at(['runVars', name]);
        let re: RegExp;
        try {
          re = new RegExp(`^(?:${pattern})$`);
        } catch (e) {
          report(
            `runVars.${name}: the pattern does not compile: ${(e as Error).message}`,
            'write a JavaScript regular expression',
            at,
          );
          continue;
        }
        for (const env of ctx.envs) {
          const e = ctx.effective(job, env);
          if (!e?.enabled) continue;
          const value = e.vars[name];
          if (value === undefined)
            report(
              `runVars.${name} has no default in vars for environment "${env}"`,
              `add ${name} under vars: (the value a start without --var uses, and what validate and preview run with)`,
              at,
            );
          else if (!re.test(value))
            report(
              `runVars.${name}: the default "${value}" (environment "${env}") does not match ${pattern}`,
              'fix the default in vars: or the pattern',
              at,
            );
        }
        const e = ctx.effective(job, ctx.envs[0] ?? 'test');
        const placeholder = runVarPlaceholder(name);
        let used = false;
        for (const source of job.sql) {
          const file = new SqlFile(source, { ...(e?.vars ?? {}), [name]: placeholder });
          for (const s of file.statements) {
            for (let i = s.text.indexOf(placeholder); i >= 0; i = s.text.indexOf(placeholder, i + 1)) {
              used = true;
              const inLiteral = (s.text.slice(0, i).split("'").length - 1) % 2 === 1;
              if ((s.kind !== 'insert' && s.kind !== 'query' && s.kind !== 'statement-set') || !inLiteral)
                report(
                  `\${${name}} is a run variable, so it may only be a string literal of a query (here: ${inLiteral ? `a ${s.kind} statement` : 'outside a string literal'})`,
                  `write '\${${name}}' in an INSERT or SELECT, or remove ${name} from runVars`,
                  file.origin(s.start + i),
                );
            }
          }
        }
        if (!used)
          report(
            `runVars.${name}: the job's SQL does not use \${${name}}`,
            `use '\${${name}}' in the SQL, or remove it from runVars`,
            at,
          );
      }
    }
  },
};
