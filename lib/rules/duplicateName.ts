import type { Rule } from './rule.js';

export const duplicateName: Rule = {
  meta: { id: 'job/duplicate-name', description: 'Two jobs may not have the same name in one namespace: their Kubernetes objects would overwrite each other.' },
  check(ctx) {
    const seen = new Map<string, string>();
    // Compare across the whole repository, but report only for the selected jobs.
    const selected = new Set(ctx.jobs.map((j) => j.id));
    for (const job of ctx.repo.jobs) {
      const team = ctx.repo.teams.get(job.team)?.team;
      const namespace = team?.spec.namespace ?? job.team;
      const key = `${namespace}/${job.name}`;
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, job.id);
        continue;
      }
      if (!selected.has(job.id) && !selected.has(first)) continue;
      ctx.report({
        severity: 'error',
        message: `job "${job.id}" has the same name as "${first}" in namespace "${namespace}"`,
        hint: 'rename one of the job folders (teams sharing a namespace share the names)',
        file: job.job ? job.job.yaml.file : job.dir,
        line: 1,
        column: 1,
        job: job.id,
      });
    }
  },
};
