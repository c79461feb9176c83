import { UsageError } from '../../lib/repo/select.js';
import type { Command } from '../command.js';

export const actionCommand: Command = {
  name: 'action',
  usage:
    'action start|stop|suspend|savepoint|restart|run|restore JOB --env ENV [--savepoint PATH] [--from PATH|latest|none] [--var NAME=VALUE]... [--allow-non-restored-state] [--callback URL] [--wait] [--timeout S] [--context NAME] [--kubeconfig FILE] [--json]',
  summary: 'run-time actions for schedulers, authorised by owners.yaml (field manager flinkops-action)',
  options: {
    env: { type: 'string' },
    savepoint: { type: 'string' },
    from: { type: 'string' },
    var: { type: 'string', multiple: true },
    'allow-non-restored-state': { type: 'boolean' },
    callback: { type: 'string' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
    context: { type: 'string' },
    kubeconfig: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(v, positionals, repo) {
    // Each command loads its action (and what only it needs) on use: start-up stays small.
    const { ACTIONS, runAction } = await import('../../actions/action.js');
    if (positionals.length !== 2)
      throw new UsageError(`usage: flinkops ${this.usage} (actions: ${ACTIONS.join(', ')})`);
    const timeout = v.timeout === undefined ? undefined : Number(v.timeout);
    if (timeout !== undefined && !(timeout > 0)) throw new UsageError('--timeout takes seconds, a positive number');
    return runAction({
      repo,
      action: positionals[0]!,
      job: positionals[1]!,
      env: v.env as string | undefined,
      ...(v.savepoint ? { savepoint: v.savepoint as string } : {}),
      allowNonRestoredState: Boolean(v['allow-non-restored-state']),
      ...(v.from !== undefined ? { from: v.from as string } : {}),
      ...(v.var ? { vars: v.var as string[] } : {}),
      ...(v.callback ? { callback: v.callback as string } : {}),
      wait: Boolean(v.wait),
      ...(timeout ? { timeoutSeconds: timeout } : {}),
      json: Boolean(v.json),
      ...(v.context ? { context: v.context as string } : {}),
      ...(v.kubeconfig ? { kubeconfig: v.kubeconfig as string } : {}),
      ...(process.env.FLINKOPS_POLL_MS ? { pollMs: Number(process.env.FLINKOPS_POLL_MS) } : {}),
    });
  },
};
