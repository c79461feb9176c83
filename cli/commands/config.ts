import { UsageError } from '../../lib/repo/select.js';
import type { Command } from '../command.js';

export const configCommand: Command = {
  name: 'config',
  usage: 'config JOB --env ENV [--show-origin] [--json]',
  summary: 'the effective configuration, and where each value came from',
  options: { env: { type: 'string' }, 'show-origin': { type: 'boolean' }, json: { type: 'boolean' } },
  async run(v, positionals, repo) {
    // Each command loads its action (and what only it needs) on use: start-up stays small.
    const { config } = await import('../../actions/config.js');
    if (positionals.length !== 1) throw new UsageError(`usage: flinkops ${this.usage}`);
    return config({
      repo,
      job: positionals[0]!,
      env: v.env as string | undefined,
      showOrigin: Boolean(v['show-origin']),
      json: Boolean(v.json),
    });
  },
};
