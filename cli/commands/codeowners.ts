import { UsageError } from '../../lib/repo/select.js';
import type { Command } from '../command.js';

export const codeownersCommand: Command = {
  name: 'codeowners',
  usage: 'codeowners [--check] [--flavor gitlab|github] [--stdout]',
  summary: 'CODEOWNERS generated from owners.yaml and team.yaml',
  options: { check: { type: 'boolean' }, flavor: { type: 'string', default: 'gitlab' }, stdout: { type: 'boolean' } },
  async run(v, positionals, repo) {
    // Each command loads its action (and what only it needs) on use: start-up stays small.
    const { codeowners } = await import('../../actions/codeowners.js');
    if (positionals.length) throw new UsageError(`usage: flinkops ${this.usage}`);
    if (v.flavor !== 'gitlab' && v.flavor !== 'github') throw new UsageError('--flavor must be gitlab or github');
    return codeowners({ repo, flavor: v.flavor, check: Boolean(v.check), stdout: Boolean(v.stdout) });
  },
};
