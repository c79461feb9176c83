import { UsageError } from '../../lib/repo/select.js';
import type { Command } from '../command.js';

export const applyCommand: Command = {
  name: 'apply',
  usage:
    'apply --env ENV [JOB... | --changed --base REF] [--dry-run] [--wait] [--timeout S] [--prune [--allow-mass-prune]] [--force-conflicts] [--require-review] [--plan-hash HASH] [--artifacts DIR] [--context NAME] [--kubeconfig FILE] [--json]',
  summary: 'server-side apply to the cluster (field manager flinkops), prune removed jobs, wait until healthy',
  options: {
    env: { type: 'string' },
    changed: { type: 'boolean' },
    base: { type: 'string' },
    'dry-run': { type: 'boolean' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
    prune: { type: 'boolean' },
    'allow-mass-prune': { type: 'boolean' },
    context: { type: 'string' },
    kubeconfig: { type: 'string' },
    'force-conflicts': { type: 'boolean' },
    'plan-hash': { type: 'string' },
    'require-review': { type: 'boolean' },
    artifacts: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(v, positionals, repo) {
    // Each command loads its action (and what only it needs) on use: start-up stays small.
    const { apply } = await import('../../actions/apply.js');
    const timeout = v.timeout === undefined ? undefined : Number(v.timeout);
    if (timeout !== undefined && !(timeout > 0)) throw new UsageError('--timeout takes seconds, a positive number');
    // SIGINT (Ctrl-C) or SIGTERM (a cancelled CI job): requests in flight finish, nothing more is sent,
    // what changed is printed and the lease released; the exit code is 128 + the signal's number.
    const interrupt = new AbortController();
    const onSignal = (name: NodeJS.Signals) => interrupt.abort(name);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      return await apply({
        signal: interrupt.signal,
        repo,
        env: v.env as string | undefined,
        jobs: positionals,
        changed: Boolean(v.changed),
        ...(v.base ? { base: v.base as string } : {}),
        dryRun: Boolean(v['dry-run']),
        wait: Boolean(v.wait),
        ...(timeout ? { timeoutSeconds: timeout } : {}),
        prune: Boolean(v.prune),
        allowMassPrune: Boolean(v['allow-mass-prune']),
        force: Boolean(v['force-conflicts']),
        json: Boolean(v.json),
        ...(v.context ? { context: v.context as string } : {}),
        ...(v.kubeconfig ? { kubeconfig: v.kubeconfig as string } : {}),
        ...(v['plan-hash'] ? { planHash: v['plan-hash'] as string } : {}),
        requireReview: Boolean(v['require-review']),
        ...(v.artifacts ? { artifacts: v.artifacts as string } : {}),
        ...(process.env.FLINKOPS_POLL_MS ? { pollMs: Number(process.env.FLINKOPS_POLL_MS) } : {}),
      });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
