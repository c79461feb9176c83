import { UsageError } from '../../lib/repo/select.js';
import type { Command } from '../command.js';

export const sqlCommand: Command = {
  name: 'sql',
  usage: 'sql explain JOB --env ENV [--json]',
  summary: 'the effective SQL, where Flink enforced each policy (the enforced plans) and the column lineage',
  options: { env: { type: 'string' }, json: { type: 'boolean' } },
  async run(v, positionals, repo) {
    // Each command loads its action (and what only it needs) on use: start-up stays small.
    const { explain } = await import('../../actions/explain.js');
    if (positionals[0] !== 'explain' || positionals.length !== 2) throw new UsageError(`usage: flinkops ${this.usage}`);
    return explain({ repo, job: positionals[1]!, env: v.env as string | undefined, json: Boolean(v.json) });
  },
};
