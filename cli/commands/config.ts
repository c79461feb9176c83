import { config } from '../../actions/config.js';
import { UsageError } from '../../lib/repo/select.js';
import type { Command } from '../command.js';

export const configCommand: Command = {
  name: 'config',
  usage: 'config JOB --env ENV [--show-origin] [--json]',
  summary: 'the effective configuration, and where each value came from',
  options: { env: { type: 'string' }, 'show-origin': { type: 'boolean' }, json: { type: 'boolean' } },
  run(v, positionals, repo) {
    if (positionals.length !== 1) throw new UsageError(`usage: flinkops ${this.usage}`);
    return config({ repo, job: positionals[0]!, env: v.env as string | undefined, showOrigin: Boolean(v['show-origin']), json: Boolean(v.json) });
  },
};
