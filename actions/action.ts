import { authorize } from '../lib/jobctl/authorize.js';
import { postCallback, type ActionStatus } from '../lib/jobctl/callback.js';
import { callerFromEnv } from '../lib/jobctl/identity.js';
import { actionPatch, expectationOf, ownedPatch } from '../lib/jobctl/patch.js';
import { systemNamespace } from '../lib/apply/applyset.js';
import { healthOf, savepointOf } from '../lib/apply/health.js';
import { EnvLease } from '../lib/apply/lease.js';
import { explainRefusal, getObject, serverSideApply } from '../lib/k8s/requests.js';
import { ApiError, KubeError, type KubeClient } from '../lib/k8s/client.js';
import { MANAGER, type KubeObject } from '../lib/k8s/objects.js';
import { Resources } from '../lib/k8s/resources.js';
import { blockingDiagnostics } from '../lib/repo/blocking.js';
import { formatDiagnostics } from '../lib/diagnostics/format/index.js';
import { loadRepo } from '../lib/repo/load.js';
import type { Action, Job, Repo } from '../lib/repo/model.js';
import { resolveJob } from '../lib/resolve/config.js';
import { savepointHistory } from '../lib/jobctl/savepoints.js';
import { requireEnv, selectJob, UsageError } from '../lib/repo/select.js';
import { connect, kubeFailure, type KubeTarget } from './kube.js';
import type { ActionResult } from './result.js';
import { flinkRef } from './status.js';

export const ACTIONS: Action[] = ['start', 'stop', 'suspend', 'savepoint', 'restart', 'run', 'restore'];

export interface RunActionOptions extends KubeTarget {
  repo: string;
  action: string;
  job: string;
  env: string | undefined;
  savepoint?: string;
  allowNonRestoredState?: boolean;
  /** run: `NAME=VALUE` run variables (job.yaml runVars); default: $FLINKOPS_VARS, space-separated. */
  vars?: string[];
  /** restore: a savepoint path, `latest` (the newest the operator recorded) or `none` (empty state). */
  from?: string;
  callback?: string;
  /** Wait for start and restart to reach RUNNING and stop to be suspended (suspend and savepoint always wait: they report a path). */
  wait?: boolean;
  timeoutSeconds?: number;
  json?: boolean;
  pollMs?: number;
  /** The process environment (the caller's identity, the callback secret); default process.env. */
  processEnv?: NodeJS.ProcessEnv;
}

/** Run-time actions for schedulers: patch the live object's run-time fields, as field manager flinkops-action. */
export async function runAction(o: RunActionOptions): Promise<ActionResult> {
  const penv = o.processEnv ?? process.env;
  if (!ACTIONS.includes(o.action as Action))
    throw new UsageError(`unknown action "${o.action}" (actions: ${ACTIONS.join(', ')})`);
  const action = o.action as Action;
  if (o.savepoint !== undefined && action !== 'start')
    throw new UsageError('--savepoint is for start (the savepoint to start from)');
  if (o.allowNonRestoredState && action !== 'start' && action !== 'restore')
    throw new UsageError('--allow-non-restored-state is for start and restore');
  if ((o.vars?.length || penv.FLINKOPS_VARS?.trim()) && action !== 'run')
    throw new UsageError('--var (FLINKOPS_VARS) is for run (the run variables of a batch job)');
  if (o.from !== undefined && action !== 'restore') throw new UsageError('--from is for restore');
  if (action === 'restore' && !o.from)
    throw new UsageError('restore needs --from PATH|latest|none (a savepoint, the newest one, or empty state)');
  const secret = penv.FLINKOPS_CALLBACK_SECRET;
  if (o.callback) {
    if (!/^https?:\/\//.test(o.callback))
      throw new UsageError(`--callback must be an http(s) URL, not "${o.callback}"`);
    if (!secret)
      throw new UsageError(
        '--callback needs FLINKOPS_CALLBACK_SECRET (the key its HMAC-SHA256 signature is made with)',
      );
  }
  const { repo, diagnostics: loadDiagnostics } = loadRepo(o.repo);
  const env = requireEnv(repo, o.env);
  const job = selectJob(repo, o.job);
  // Nothing is patched from files that do not load (lib/repo/blocking.ts decides which problems stop it).
  const blocked = blockingDiagnostics('action', loadDiagnostics, [job.id]);
  if (blocked.length) return { stdout: '', stderr: formatDiagnostics(blocked, 'text'), exitCode: 1 };
  const caller = callerFromEnv(penv, repo.platform.owners?.spec.schedulers);
  // A trigger pipeline passes run variables as FLINKOPS_VARS ("biz_date=2024-06-30 city=bj").
  const given = o.vars?.length ? o.vars : (penv.FLINKOPS_VARS ?? '').split(/\s+/).filter(Boolean);
  const runVars = action === 'run' ? checkRun(repo, job, env, given) : undefined;

  const status: ActionStatus = {
    job: job.id,
    env,
    action,
    result: 'failed',
    message: '',
    triggeredBy: caller.description,
    ...(penv.CI_PIPELINE_URL ? { pipeline: penv.CI_PIPELINE_URL } : {}),
    at: '',
  };
  const finish = async (result: ActionResult, extra: Partial<ActionStatus>): Promise<ActionResult> => {
    Object.assign(status, extra, { at: new Date().toISOString() });
    if (o.json) result.stdout = `${JSON.stringify(status, null, 2)}\n`;
    if (o.callback && secret) {
      try {
        await postCallback(o.callback, status, secret);
      } catch (e) {
        return { ...result, stderr: `${result.stderr ?? ''}flinkops action: ${(e as Error).message}\n`, exitCode: 1 };
      }
    }
    return result;
  };

  const decision = authorize(job.owners?.spec, caller.principals, action, env);
  if (!decision.allowed) {
    const message = `${caller.description} may not ${action} ${job.id} in ${env}: ${decision.reason}`;
    return finish(
      {
        stdout: '',
        stderr: `flinkops action: refused: ${message}\n  hint: add a triggers entry to jobs/${job.id}/owners.yaml (principal, actions, envs), reviewed by the job's owners\n`,
        exitCode: 1,
      },
      { result: 'failed', message: `refused: ${decision.reason}` },
    );
  }

  const ref = flinkRef(repo, job, env);
  if (!ref)
    return finish(
      { stdout: '', stderr: `flinkops action: ${job.id} is not deployed in ${env}\n`, exitCode: 1 },
      { message: `not deployed in ${env}` },
    );

  let client: KubeClient | undefined;
  let lease: EnvLease | undefined;
  try {
    client = await connect(repo, env, o);
    const resources = new Resources(client);
    lease = new EnvLease(client, { namespace: systemNamespace(penv), name: `flinkops-apply-${env}`, waitMs: 120_000 });
    await lease.acquire();
    const live = await getObject(client, resources, ref);
    if (!live)
      return await finish(
        {
          stdout: '',
          stderr: `flinkops action: ${ref.kind} ${ref.namespace}/${ref.name} does not exist in ${env}\n  hint: it is created by \`flinkops apply\` when the job is merged\n`,
          exitCode: 1,
        },
        { message: `${ref.kind} ${ref.namespace}/${ref.name} does not exist` },
      );
    const nonce = Date.now();
    let savepoint = o.savepoint;
    if (action === 'restore') {
      savepoint = o.from === 'latest' ? (await savepointHistory(client, resources, live))[0]?.path : o.from;
      if (!savepoint)
        return await finish(
          {
            stdout: '',
            stderr: `flinkops action: ${job.id} in ${env} has no savepoint recorded\n  hint: \`flinkops savepoints ${job.id} --env ${env}\` lists them; restore --from PATH or --from none\n`,
            exitCode: 1,
          },
          { message: 'no savepoint recorded' },
        );
    }
    let applied: KubeObject;
    try {
      applied = (
        await serverSideApply(
          client,
          resources,
          actionPatch(live, {
            action,
            nonce,
            ...(savepoint ? { savepoint } : {}),
            ...(o.allowNonRestoredState ? { allowNonRestoredState: true } : {}),
            ...(runVars ? { vars: runVars } : {}),
          }),
          { fieldManager: MANAGER.action, force: true },
        )
      ).body;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const message = explainRefusal(err);
      return await finish(
        { stdout: '', stderr: `flinkops action: ${action} ${job.id} in ${env} failed: ${message}\n`, exitCode: 1 },
        { message },
      );
    }
    const fresh = savepoint === 'none';
    const outcome = await awaitOutcome(client, resources, ref, applied, action, nonce, {
      // restore --from none gives upgradeMode back once the operator has redeployed, so it always waits.
      wait: o.wait === true || fresh,
      timeoutMs: (o.timeoutSeconds ?? 600) * 1000,
      pollMs: o.pollMs ?? 2000,
      jobIdBefore: live.status?.jobStatus?.jobId,
    });
    if (fresh) {
      const now = await getObject(client, resources, ref);
      if (now) {
        const back = ownedPatch(now);
        back.spec!.job = { ...back.spec!.job, upgradeMode: live.spec?.job?.upgradeMode ?? 'stateless' };
        await serverSideApply(client, resources, back, { fieldManager: MANAGER.action, force: true });
      }
      outcome.message += `; started from empty state, upgradeMode back to ${live.spec?.job?.upgradeMode ?? 'stateless'} (Git's at the next apply)`;
    } else if (action === 'restore') outcome.message += `; restored from ${savepoint}`;
    if (runVars && Object.keys(runVars).length)
      outcome.message += ` (${Object.entries(runVars)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')})`;
    const text = `flinkops action ${action} ${job.id} --env ${env}: ${outcome.ok ? 'done' : 'FAILED'} — ${outcome.message}\n  by ${caller.description} (${decision.reason})\n`;
    return await finish(
      { stdout: text, exitCode: outcome.ok ? 0 : 1 },
      {
        result: outcome.ok ? 'succeeded' : 'failed',
        message: outcome.message,
        ...(outcome.savepoint ? { savepoint: outcome.savepoint } : {}),
        ...(outcome.state ? { state: outcome.state } : {}),
      },
    );
  } catch (err) {
    if (err instanceof KubeError || err instanceof ApiError) {
      const r = kubeFailure('action', err);
      return finish(r, { message: r.stderr!.split('\n')[0]!.replace(/^flinkops action: /, '') });
    }
    throw err;
  } finally {
    await lease?.release();
    client?.close();
  }
}

interface Outcome {
  ok: boolean;
  message: string;
  savepoint?: string;
  state?: string;
}

/** Waits for what the action promises: suspended (and where the state went), the savepoint's path, RUNNING. */
async function awaitOutcome(
  client: KubeClient,
  resources: Resources,
  ref: { apiVersion: string; kind: string; namespace: string; name: string },
  applied: KubeObject,
  action: Action,
  nonce: number,
  o: { wait: boolean; timeoutMs: number; pollMs: number; jobIdBefore?: string },
): Promise<Outcome> {
  const expect = expectationOf(action);
  // stop, start, restart, restore and run return once the cluster accepted them (--wait waits); suspend and savepoint report a path, so they always wait.
  if (!o.wait && (action === 'stop' || expect === 'running' || expect === 'observed' || expect === 'finished'))
    return {
      ok: true,
      message:
        action === 'restart' || action === 'run'
          ? `restartNonce set to ${nonce}`
          : action === 'restore'
            ? 'redeploy requested (a new savepointRedeployNonce)'
            : `job.state set to ${applied.spec?.job?.state}`,
      state: applied.spec?.job?.state,
    };
  const deadline = Date.now() + o.timeoutMs;
  let last = 'no status yet';
  for (;;) {
    const live = await getObject(client, resources, ref);
    if (!live) return { ok: false, message: 'the object was deleted' };
    const h = healthOf(live, applied.status?.error);
    last = h.message;
    const state = live.status?.jobStatus?.state as string | undefined;
    // A run is over when the job the operator deployed for it (a new job id: ApplicationReconciler
    // rotates it on every stateless deployment) reaches FINISHED or FAILED.
    if (expect === 'finished') {
      const jobId = live.status?.jobStatus?.jobId as string | undefined;
      const thisRun = h.health !== 'progressing' && jobId !== undefined && jobId !== o.jobIdBefore;
      if (thisRun && h.health === 'finished') return { ok: true, message: 'FINISHED', state: 'FINISHED' };
      if (thisRun && h.health === 'failed') return { ok: false, message: h.message, state: state ?? 'FAILED' };
    } else if (h.health === 'failed') return { ok: false, message: h.message, ...(state ? { state } : {}) };
    if (expect === 'suspended' && h.health === 'suspended') {
      const sp = savepointOf(live);
      return {
        ok: true,
        message: `suspended${sp ? `; resume from ${sp}` : ''}`,
        ...(sp ? { savepoint: sp } : {}),
        state: 'SUSPENDED',
      };
    }
    if (expect === 'savepoint') {
      const last = live.status?.jobStatus?.savepointInfo?.lastSavepoint;
      if (last?.triggerNonce === nonce && last.location)
        return {
          ok: true,
          message: `savepoint ${last.location}`,
          savepoint: last.location,
          ...(state ? { state } : {}),
        };
    }
    if ((expect === 'running' || expect === 'observed') && h.health === 'healthy')
      return { ok: true, message: h.message, ...(state ? { state } : {}) };
    if (Date.now() >= deadline)
      return {
        ok: false,
        message: `timed out after ${Math.round(o.timeoutMs / 1000)} s waiting for ${expect === 'savepoint' ? 'the savepoint' : expect === 'suspended' ? 'the suspension' : expect === 'finished' ? 'the run to end' : 'RUNNING'}: ${last}`,
      };
    await new Promise((r) => setTimeout(r, o.pollMs));
  }
}

/**
 * A run re-runs a batch job: the job must be one (execution.runtime-mode batch) and stateless (a
 * FINISHED job in savepoint mode would be redeployed from its last savepoint). Every runVar gets the
 * given value or Git's default, so one run's value never leaks into the next.
 */
function checkRun(repo: Repo, job: Job, env: string, given: string[]): Record<string, string> {
  const e = resolveJob(repo, job, env).effective;
  if (!e) throw new UsageError(`${job.id} has no configuration for ${env}`);
  if (String(e.flinkConf['execution.runtime-mode'] ?? '') !== 'batch')
    throw new UsageError(
      `run is for batch jobs; ${job.id} is streaming (set flinkConf execution.runtime-mode: batch), use start or restart`,
    );
  if (e.upgradeMode !== 'stateless')
    throw new UsageError(
      `run needs upgradeMode: stateless (${job.id} has ${e.upgradeMode}: the operator would redeploy a FINISHED job from its last savepoint)`,
    );
  const declared = job.job?.spec.runVars ?? {};
  const vars: Record<string, string> = {};
  for (const name of Object.keys(declared)) if (e.vars[name] !== undefined) vars[name] = e.vars[name]!;
  const seen = new Set<string>();
  for (const kv of given) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--var takes NAME=VALUE, not "${kv}"`);
    const name = kv.slice(0, eq);
    const value = kv.slice(eq + 1);
    if (seen.has(name)) throw new UsageError(`--var ${name} is given twice`);
    seen.add(name);
    const pattern = declared[name];
    if (pattern === undefined)
      throw new UsageError(
        `--var ${name}: ${job.id} has no run variable "${name}" (runVars: ${Object.keys(declared).join(', ') || 'none'}; declare it under runVars: in jobs/${job.id}/job.yaml)`,
      );
    if (!new RegExp(`^(?:${pattern})$`).test(value))
      throw new UsageError(
        `--var ${name}=${value} does not match ${pattern} (runVars.${name} in jobs/${job.id}/job.yaml)`,
      );
    vars[name] = value;
  }
  return vars;
}
