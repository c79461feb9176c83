import { UsageError } from '../../lib/repo/select.js';
import type { Command } from '../command.js';

export const savepointsCommand: Command = {
  name: 'savepoints',
  usage: 'savepoints JOB --env ENV [--context NAME] [--kubeconfig FILE] [--json]',
  summary: "a job's savepoint history (time, trigger, format, commit, path) from the operator's status and snapshots",
  options: {
    env: { type: 'string' },
    context: { type: 'string' },
    kubeconfig: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(v, positionals, repo) {
    const { savepoints } = await import('../../actions/savepoints.js');
    if (positionals.length !== 1) throw new UsageError(`usage: flinkops ${this.usage}`);
    return savepoints({
      repo,
      env: v.env as string | undefined,
      job: positionals[0]!,
      json: Boolean(v.json),
      ...(v.context ? { context: v.context as string } : {}),
      ...(v.kubeconfig ? { kubeconfig: v.kubeconfig as string } : {}),
    });
  },
};
