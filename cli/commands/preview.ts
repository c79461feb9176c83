import { UsageError } from '../../lib/repo/select.js';
import type { Command } from '../command.js';

export const previewCommand: Command = {
  name: 'preview',
  usage: 'preview JOB --env ENV [--sample TABLE=FILE.jsonl ...] [--rows N] [--json]',
  summary: "runs the job's effective SQL on a local Flink mini cluster with sample or generated rows",
  options: {
    env: { type: 'string' },
    sample: { type: 'string', multiple: true },
    rows: { type: 'string', default: '10' },
    json: { type: 'boolean' },
  },
  async run(v, positionals, repo) {
    // Each command loads its action (and what only it needs) on use: start-up stays small.
    const { preview } = await import('../../actions/preview.js');
    if (positionals.length !== 1) throw new UsageError(`usage: flinkops ${this.usage}`);
    const rows = Number(v.rows);
    if (!Number.isInteger(rows) || rows < 0 || rows > 100_000)
      throw new UsageError('--rows must be an integer from 0 to 100000');
    return preview({
      repo,
      job: positionals[0]!,
      env: v.env as string | undefined,
      samples: (v.sample as string[] | undefined) ?? [],
      rows,
      json: Boolean(v.json),
      log: (line) => process.stderr.write(`flinkops: ${line}\n`),
    });
  },
};
