import { UsageError } from '../../lib/repo/select.js';
import type { Command } from '../command.js';

export const imageCommand: Command = {
  name: 'image',
  usage: 'image render --flink VERSION [--out DIR] [--env ENV] [--arthas VERSION] [--runner-jar FILE]',
  summary: 'the Dockerfile of a base image: connectors, Hadoop configuration, SQL runner, Arthas',
  options: {
    flink: { type: 'string' },
    out: { type: 'string' },
    env: { type: 'string' },
    arthas: { type: 'string' },
    'runner-jar': { type: 'string' },
  },
  async run(v, positionals, repo) {
    // Each command loads its action (and what only it needs) on use: start-up stays small.
    const { imageRender } = await import('../../actions/image.js');
    if (positionals[0] !== 'render' || positionals.length !== 1) throw new UsageError(`usage: flinkops ${this.usage}`);
    if (!v.flink) throw new UsageError('--flink is required (a key of platform/versions.yaml, e.g. 1.20)');
    return imageRender({
      repo,
      flink: v.flink as string,
      ...(v.out ? { out: v.out as string } : {}),
      ...(v.env ? { env: v.env as string } : {}),
      ...(v.arthas ? { arthas: v.arthas as string } : {}),
      ...(v['runner-jar'] ? { runnerJar: v['runner-jar'] as string } : {}),
    });
  },
};
