import { MAX_SUBSTITUTED_CHARS } from '../vars/substitute.js';
import type { Rule } from './rule.js';

export const undefinedVar: Rule = {
  meta: {
    id: 'vars/undefined',
    description:
      'Every `${name}` in SQL or configuration must be defined (job, team, environment vars, or the built-ins env, team, job, namespace).',
  },
  check(ctx) {
    for (const { job, env, file } of ctx.sqlFiles()) {
      const big = file.substitution.tooLarge;
      if (big)
        ctx.report({
          severity: 'error',
          rule: 'vars/too-large',
          message: `substituting \${${big.name}} here makes the SQL larger than ${MAX_SUBSTITUTED_CHARS} characters`,
          hint: 'variables hold names and addresses, not data',
          ...file.originalPosition(big.offset),
          job: job.id,
        });
      for (const u of file.substitution.undefinedVars) {
        ctx.report({
          severity: 'error',
          message: `\${${u.name}} is not defined for environment "${env}"`,
          hint: `define "${u.name}" under vars: in job.yaml (or envs.${env}.vars), team.yaml, or platform/envs/${env}.yaml; write $\${ for a literal \${`,
          ...file.originalPosition(u.offset),
          job: job.id,
        });
      }
    }
  },
};
