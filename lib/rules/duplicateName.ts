import type { Rule } from './rule.js';

export const duplicateName: Rule = {
  meta: {
    id: 'job/duplicate-name',
    description:
      'Two jobs may not have the same name in one namespace: their Kubernetes objects would overwrite each other.',
  },
  checkRepository(ctx) {
    const seen = new Map<string, string>();
    // Compare across the whole repository, but report only for the selected jobs.
    const selected = new Set(ctx.jobs.map((j) => j.id));
    // Every job folder counts, loaded or not (validating one job loads only that one).
    for (const id of ctx.repo.jobIds) {
      const [teamName, name] = id.split('/') as [string, string];
      const team = ctx.repo.teams.get(teamName)?.team;
      const namespace = team?.spec.namespace ?? teamName;
      const key = `${namespace}/${name}`;
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, id);
        continue;
      }
      if (!selected.has(id) && !selected.has(first)) continue;
      ctx.report({
        severity: 'error',
        message: `job "${id}" has the same name as "${first}" in namespace "${namespace}"`,
        hint: 'rename one of the job folders (teams sharing a namespace share the names)',
        file: `jobs/${id}/job.yaml`,
        line: 1,
        column: 1,
        job: id,
      });
    }
  },
};
