import type { Command } from '../command.js';

export const statusCommand: Command = {
  name: 'status',
  usage: 'status [JOB...] --env ENV [--context NAME] [--kubeconfig FILE] [--json]',
  summary: 'live status of the jobs: health, lifecycle, job state, generation, last savepoint',
  options: {
    env: { type: 'string' },
    context: { type: 'string' },
    kubeconfig: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(v, positionals, repo) {
    // Each command loads its action (and what only it needs) on use: start-up stays small.
    const { status } = await import('../../actions/status.js');
    return status({
      repo,
      env: v.env as string | undefined,
      jobs: positionals,
      json: Boolean(v.json),
      ...(v.context ? { context: v.context as string } : {}),
      ...(v.kubeconfig ? { kubeconfig: v.kubeconfig as string } : {}),
    });
  },
};
