import { UsageError } from '../../lib/repo/select.js';
import type { Command } from '../command.js';

export const diffCommand: Command = {
  name: 'diff',
  usage: 'diff --env ENV [--exit-code] [--context NAME] [--kubeconfig FILE] [--json]',
  summary: 'drift between Git and the cluster (server dry run); --exit-code exits 1 on drift',
  options: {
    env: { type: 'string' },
    'exit-code': { type: 'boolean' },
    context: { type: 'string' },
    kubeconfig: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(v, positionals, repo) {
    // Each command loads its action (and what only it needs) on use: start-up stays small.
    const { diff } = await import('../../actions/diff.js');
    if (positionals.length) throw new UsageError(`usage: flinkops ${this.usage}`);
    return diff({
      repo,
      env: v.env as string | undefined,
      exitCode: Boolean(v['exit-code']),
      json: Boolean(v.json),
      ...(v.context ? { context: v.context as string } : {}),
      ...(v.kubeconfig ? { kubeconfig: v.kubeconfig as string } : {}),
    });
  },
};
