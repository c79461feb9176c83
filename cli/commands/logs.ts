import { UsageError } from '../../lib/repo/select.js';
import type { Command } from '../command.js';

export const logsCommand: Command = {
  name: 'logs',
  usage: 'logs JOB --env ENV [--follow] [--tail N] [--artifacts DIR] [--context NAME] [--kubeconfig FILE]',
  summary: "the JobManager's log (the archived start-up log when none runs)",
  options: {
    env: { type: 'string' },
    follow: { type: 'boolean', short: 'f' },
    tail: { type: 'string' },
    artifacts: { type: 'string' },
    context: { type: 'string' },
    kubeconfig: { type: 'string' },
  },
  async run(v, positionals, repo) {
    // Each command loads its action (and what only it needs) on use: start-up stays small.
    const { logs } = await import('../../actions/logs.js');
    if (positionals.length !== 1) throw new UsageError(`usage: flinkops ${this.usage}`);
    const tail = v.tail === undefined ? undefined : Number(v.tail);
    if (tail !== undefined && !(Number.isInteger(tail) && tail > 0))
      throw new UsageError('--tail takes a number of lines');
    return logs({
      repo,
      env: v.env as string | undefined,
      job: positionals[0]!,
      follow: Boolean(v.follow),
      ...(tail ? { tail } : {}),
      ...(v.artifacts ? { artifacts: v.artifacts as string } : {}),
      ...(v.context ? { context: v.context as string } : {}),
      ...(v.kubeconfig ? { kubeconfig: v.kubeconfig as string } : {}),
    });
  },
};
