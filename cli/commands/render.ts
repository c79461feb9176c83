import type { Command } from '../command.js';

export const renderCommand: Command = {
  name: 'render',
  usage: 'render --env ENV [--out DIR] [--crds DIR] [--kube-version 1.N] [--commit SHA] [--no-cache] [JOB...]',
  summary: 'the Kubernetes manifests, deterministic, one object per file',
  options: {
    env: { type: 'string' },
    out: { type: 'string' },
    crds: { type: 'string' },
    'kube-version': { type: 'string' },
    commit: { type: 'string' },
    'no-cache': { type: 'boolean' },
  },
  async run(v, positionals, repo) {
    // Each command loads its action (and what only it needs) on use: start-up stays small.
    const { render } = await import('../../actions/render.js');
    return render({
      repo,
      env: v.env as string | undefined,
      jobs: positionals,
      ...(v.out ? { out: v.out as string } : {}),
      ...(v.crds ? { crds: v.crds as string } : {}),
      ...(v['kube-version'] ? { kubernetesVersion: v['kube-version'] as string } : {}),
      ...(v.commit ? { commit: v.commit as string } : {}),
      ...(v['no-cache'] ? { cache: false as const } : {}),
    });
  },
};
