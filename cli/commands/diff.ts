import { diff } from '../../actions/diff.js';
import { UsageError } from '../../lib/repo/select.js';
import type { Command } from '../command.js';

export const diffCommand: Command = {
  name: 'diff',
  usage: 'diff --env ENV [--exit-code] [--context NAME] [--json]',
  summary: 'drift between Git and the cluster (server dry run); --exit-code exits 1 on drift',
  options: { env: { type: 'string' }, 'exit-code': { type: 'boolean' }, context: { type: 'string' }, kubeconfig: { type: 'string' }, json: { type: 'boolean' } },
  run(v, positionals, repo) {
    if (positionals.length) throw new UsageError(`usage: flinkops ${this.usage}`);
    return diff({ repo, env: v.env as string | undefined, exitCode: Boolean(v['exit-code']), json: Boolean(v.json), ...(v.context ? { context: v.context as string } : {}), ...(v.kubeconfig ? { kubeconfig: v.kubeconfig as string } : {}) });
  },
};
