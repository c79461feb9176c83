import type { Rule } from './rule.js';

/** What the operator accepts for a FlinkDeployment name (it derives Service names from it). */
const DNS1035 = /^[a-z]([-a-z0-9]{0,43}[a-z0-9])?$/;

export const jobName: Rule = {
  meta: {
    id: 'job/name-dns1035',
    description: 'A job folder name must be a name Kubernetes and the operator accept: [a-z]([-a-z0-9]{0,43}[a-z0-9])?',
  },
  check(ctx) {
    for (const job of ctx.jobs) {
      if (DNS1035.test(job.name)) continue;
      const suggestion = job.name
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/^[^a-z]+/, '')
        .slice(0, 45)
        .replace(/-+$/, '');
      ctx.report({
        severity: 'error',
        message: `job name "${job.name}" is not a valid Kubernetes name${job.name.length > 45 ? ` (${job.name.length} characters, at most 45)` : ''}`,
        hint: `use lower-case letters, digits and '-', starting with a letter${suggestion ? `, e.g. "${suggestion}"` : ''}`,
        file: job.job ? job.job.yaml.file : job.dir,
        line: 1,
        column: 1,
        job: job.id,
      });
    }
  },
};
