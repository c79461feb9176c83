import { UsageError } from '../../lib/repo/select.js';
import type { Command } from '../command.js';

export const siteCommand: Command = {
  name: 'site',
  usage: 'site --out DIR [--env ENV] [--live STATUS.json]...',
  summary: 'a static job catalog (owners, lineage, links, resources), opened by people in a browser',
  options: {
    out: { type: 'string' },
    env: { type: 'string' },
    live: { type: 'string', multiple: true },
  },
  async run(v, _positionals, repo) {
    if (!v.out) throw new UsageError('site needs --out DIR (GitLab Pages serves public/)');
    const { site } = await import('../../actions/site.js');
    return site({
      repo,
      out: v.out as string,
      ...(v.env ? { env: v.env as string } : {}),
      ...(v.live ? { live: v.live as string[] } : {}),
    });
  },
};
