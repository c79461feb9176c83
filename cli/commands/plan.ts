import { UsageError } from '../../lib/repo/select.js';
import type { Command } from '../command.js';

export const planCommand: Command = {
  name: 'plan',
  usage:
    'plan --env ENV [--base REF] [--format text|markdown|json] [--json] [--comment] [--out FILE] [--tests FILE] [--no-classify] [--live [--context NAME] [--kubeconfig FILE]]',
  summary: 'what a merge would change: per job create/update/delete, SQL and manifest diffs, state classification',
  options: {
    env: { type: 'string' },
    base: { type: 'string' },
    format: { type: 'string', default: 'text' },
    json: { type: 'boolean' },
    comment: { type: 'boolean' },
    out: { type: 'string' },
    tests: { type: 'string' },
    'no-classify': { type: 'boolean' },
    live: { type: 'boolean' },
    context: { type: 'string' },
    kubeconfig: { type: 'string' },
  },
  async run(v, positionals, repo) {
    // Each command loads its action (and what only it needs) on use: start-up stays small.
    const { plan } = await import('../../actions/plan.js');
    if (positionals.length) throw new UsageError(`usage: flinkops ${this.usage}`);
    const format = v.json ? 'json' : v.format;
    if (format !== 'text' && format !== 'markdown' && format !== 'json')
      throw new UsageError('--format must be text, markdown or json');
    return plan({
      repo,
      env: v.env as string | undefined,
      base: v.base as string | undefined,
      format,
      comment: Boolean(v.comment),
      ...(v.out ? { out: v.out as string } : {}),
      ...(v.tests ? { tests: v.tests as string } : {}),
      classify: !v['no-classify'],
      live: Boolean(v.live),
      ...(v.context ? { context: v.context as string } : {}),
      ...(v.kubeconfig ? { kubeconfig: v.kubeconfig as string } : {}),
      log: (line) => process.stderr.write(`flinkops: ${line}\n`),
    });
  },
};
