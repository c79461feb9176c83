import type { Rule } from './rule.js';

/** Option keys that carry credentials (Kafka, JDBC, CDC connectors, S3, catalogs). */
const SECRET_KEY =
  /(^|[._-])(password|passwd|pwd|secret|token|credentials?|access[._-]?key(-id)?|secret[._-]?(access[._-]?)?key|private[._-]?key|api[._-]?key)$/i;
/** A credential inside a larger value: JAAS configs, JDBC URLs. */
const EMBEDDED = /(password|passwd|pwd)\s*=\s*("[^"$]+"|'[^'$]+'|[^;&\s"'$][^;&\s"']*)/i;

export function plaintextSecret(key: string, value: string): string | undefined {
  if (value === '' || value.includes('${secret:')) return undefined;
  if (SECRET_KEY.test(key)) return `"${key}" holds a plaintext secret`;
  const m = value.match(EMBEDDED);
  if (m && !m[2]!.includes('${secret:')) return `"${key}" contains a plaintext ${m[1]!.toLowerCase()}`;
  return undefined;
}

export const plaintextSecretRule: Rule = {
  meta: {
    id: 'security/plaintext-secret',
    description:
      'Passwords, tokens and keys must never be written in SQL WITH (…) options, SET statements or Flink configuration: reference them as ${secret:NAME} (a Kubernetes Secret).',
  },
  check(ctx) {
    const hint = (key: string) =>
      `write '${key}' = '\${secret:NAME}' and keep the value in the Kubernetes Secret NAME; rotate the exposed credential`;
    for (const { job, file } of ctx.sqlFiles()) {
      for (const o of file.analysis.options) {
        const problem = plaintextSecret(o.key, o.value);
        if (problem)
          ctx.report({
            severity: 'error',
            message: problem,
            hint: hint(o.key),
            ...file.origin(o.valueOffset),
            job: job.id,
          });
      }
    }
    for (const job of ctx.jobs) {
      for (const env of ctx.envs) {
        const eff = ctx.effective(job, env);
        if (!eff) continue;
        for (const [key, value] of Object.entries(eff.flinkConf)) {
          const problem = plaintextSecret(key, value);
          if (problem)
            ctx.report({
              severity: 'error',
              message: `flinkConf ${problem}`,
              hint: hint(key),
              ...eff.origins[`flinkConf.${key}`]!,
              job: job.id,
            });
        }
      }
    }
  },
};
