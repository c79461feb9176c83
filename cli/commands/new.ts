import { UsageError } from '../../lib/repo/select.js';
import type { Command } from '../command.js';

export const newCommand: Command = {
  name: 'new',
  usage: 'new TEAM/JOB --type sql|jar',
  summary: 'scaffold a job that validates clean',
  options: { type: { type: 'string', default: 'sql' } },
  async run(v, positionals, repo) {
    // Each command loads its action (and what only it needs) on use: start-up stays small.
    const { newJob } = await import('../../actions/new.js');
    if (positionals.length !== 1) throw new UsageError(`usage: flinkops ${this.usage}`);
    if (v.type !== 'sql' && v.type !== 'jar') throw new UsageError('--type must be sql or jar');
    return newJob({ repo, target: positionals[0]!, type: v.type });
  },
};
