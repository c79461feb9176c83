import { closest } from '../repo/suggest.js';
import type { Rule } from './rule.js';

export const unknownEnv: Rule = {
  meta: {
    id: 'job/unknown-env',
    description:
      'Per-environment overrides (`envs:` in job.yaml and team.yaml) must name an environment of platform/envs/.',
  },
  check(ctx) {
    const report = (file: { yaml: import('../repo/yamlFile.js').YamlFile }, envs: object | undefined, job?: string) => {
      for (const env of Object.keys(envs ?? {})) {
        if (ctx.envs.includes(env)) continue;
        const guess = closest(env, ctx.envs);
        ctx.report({
          severity: 'error',
          message: `override for environment "${env}", which does not exist${guess ? ` — did you mean "${guess}"?` : ''}`,
          hint: `environments: ${ctx.envs.join(', ')} (platform/envs/*.yaml)`,
          ...file.yaml.at(['envs', env], 'key'),
          ...(job ? { job } : {}),
        });
      }
    };
    const teams = new Set(ctx.jobs.map((j) => j.team));
    for (const t of teams) {
      const team = ctx.repo.teams.get(t)?.team;
      if (team) report(team, team.spec.envs);
    }
    for (const job of ctx.jobs) if (job.job) report(job.job, job.job.spec.envs, job.id);
  },
};
