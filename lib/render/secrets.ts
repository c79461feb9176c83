import type { EffectiveJob } from '../resolve/config.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { secretRefs } from '../vars/substitute.js';

/**
 * `${secret:NAME}` is key NAME of the Secret `flinkops-secrets` in the pods' namespace; the pods get
 * it as the environment variable FLINKOPS_SECRET_<NAME>, which the SQL runner (and a JAR job's own
 * code) substitutes at run time. The value is never read by flinkops, so it can never be rendered.
 */
export const SECRET_NAME = 'flinkops-secrets';

export function secretEnvName(name: string): string {
  return `FLINKOPS_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export interface EnvVar {
  name: string;
  valueFrom: { secretKeyRef: { name: string; key: string } };
}

/** Env vars for the secret references in the texts, sorted by name; two refs that map to one variable are an error. */
export function secretEnv(texts: string[], job: EffectiveJob, diagnostics: Diagnostic[]): EnvVar[] {
  const byVar = new Map<string, string>();
  for (const text of texts) {
    for (const ref of secretRefs(text)) {
      const v = secretEnvName(ref);
      const other = byVar.get(v);
      if (other !== undefined && other !== ref) {
        diagnostics.push({
          severity: 'error',
          rule: 'render/secret',
          message: `\${secret:${other}} and \${secret:${ref}} both become the environment variable ${v}`,
          hint: 'rename one of the two keys in the Secret and in the job',
          file: `jobs/${job.team}/${job.name}/job.yaml`,
          line: 1,
          column: 1,
          job: job.id,
        });
        continue;
      }
      byVar.set(v, ref);
    }
  }
  return [...byVar.keys()]
    .sort()
    .map((name) => ({ name, valueFrom: { secretKeyRef: { name: SECRET_NAME, key: byVar.get(name)! } } }));
}

/**
 * Flink configuration has no substitution of its own, so a `${secret:…}` there would reach Flink as
 * the literal text: refused, with the place it came from.
 */
export function refuseSecretsInConf(
  job: EffectiveJob,
  conf: Record<string, string>,
  what: string,
  diagnostics: Diagnostic[],
): void {
  for (const [key, value] of Object.entries(conf)) {
    const refs = secretRefs(value);
    if (!refs.length) continue;
    const o = job.origins[`flinkConf.${key}`] ?? { file: `jobs/${job.team}/${job.name}/job.yaml`, line: 1, column: 1 };
    diagnostics.push({
      severity: 'error',
      rule: 'render/secret-in-conf',
      message: `${what} "${key}" uses \${secret:${refs[0]}}, but Flink configuration cannot read Secrets`,
      hint: 'move the credential into the SQL (WITH options) or the JAR arguments, where ${secret:NAME} becomes an environment variable at run time',
      file: o.file,
      line: o.line,
      column: o.column,
      job: job.id,
    });
  }
}
