import type { Rule } from './rule.js';

/** What the operator accepts for a FlinkDeployment name (it derives Service names from it). */
const DNS1035 = /^[a-z]([-a-z0-9]{0,43}[a-z0-9])?$/;

/** Why a job name is refused, with a hint naming an accepted one; undefined when the operator accepts it. */
export function jobNameProblem(name: string): { message: string; hint: string } | undefined {
  if (DNS1035.test(name)) return undefined;
  const suggestion = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 45)
    .replace(/-+$/, '');
  return {
    message: `job name "${name}" is not a valid Kubernetes name${name.length > 45 ? ` (${name.length} characters, at most 45)` : ''}`,
    hint: `use lower-case letters, digits and '-', starting with a letter${suggestion ? `, e.g. "${suggestion}"` : ''}`,
  };
}

export const jobName: Rule = {
  meta: {
    id: 'job/name-dns1035',
    description: 'A job folder name must be a name Kubernetes and the operator accept: [a-z]([-a-z0-9]{0,43}[a-z0-9])?',
  },
  check(ctx) {
    for (const job of ctx.jobs) {
      const problem = jobNameProblem(job.name);
      if (!problem) continue;
      ctx.report({
        severity: 'error',
        ...problem,
        file: job.job ? job.job.yaml.file : job.dir,
        line: 1,
        column: 1,
        job: job.id,
      });
    }
  },
};
