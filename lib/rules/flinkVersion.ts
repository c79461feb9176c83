import type { Rule } from './rule.js';

export const flinkVersion: Rule = {
  meta: {
    id: 'job/flink-version',
    description: "A job's flinkVersion (its own or its team's default) must be a version of platform/versions.yaml.",
  },
  check(ctx) {
    const versions = ctx.repo.platform.versions?.spec.versions;
    if (!versions) return;
    const known = Object.keys(versions);
    for (const job of ctx.jobs) {
      if (!job.job?.valid) continue;
      const env = ctx.envs[0];
      const eff = env ? ctx.effective(job, env) : undefined;
      if (!eff) continue;
      const origin = eff.origins.flinkVersion!;
      if (!eff.flinkVersion) {
        ctx.report({
          severity: 'error',
          message: `job "${job.id}" has no flinkVersion, and its team has no default`,
          hint: `add flinkVersion: one of ${known.map((v) => `"${v}"`).join(', ')}`,
          file: job.job.yaml.file,
          line: 1,
          column: 1,
          job: job.id,
        });
      } else if (!versions[eff.flinkVersion]) {
        ctx.report({
          severity: 'error',
          message: `flinkVersion "${eff.flinkVersion}" is not in platform/versions.yaml`,
          hint: `versions in use: ${known.join(', ')}`,
          ...origin,
          job: job.id,
        });
      } else if (versions[eff.flinkVersion]!.deprecated) {
        ctx.report({
          severity: 'warning',
          message: `flinkVersion "${eff.flinkVersion}" is deprecated by the platform team`,
          hint: `move to ${known.filter((v) => !versions[v]!.deprecated).join(' or ')}`,
          ...origin,
          job: job.id,
        });
      }
    }
  },
};
