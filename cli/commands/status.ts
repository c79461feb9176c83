import { status } from '../../actions/status.js';
import type { Command } from '../command.js';

export const statusCommand: Command = {
  name: 'status',
  usage: 'status [JOB...] --env ENV [--context NAME] [--json]',
  summary: 'live status of the jobs: health, lifecycle, job state, generation, last savepoint',
  options: { env: { type: 'string' }, context: { type: 'string' }, kubeconfig: { type: 'string' }, json: { type: 'boolean' } },
  run(v, positionals, repo) {
    return status({ repo, env: v.env as string | undefined, jobs: positionals, json: Boolean(v.json), ...(v.context ? { context: v.context as string } : {}), ...(v.kubeconfig ? { kubeconfig: v.kubeconfig as string } : {}) });
  },
};
