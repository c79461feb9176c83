import { ownHeadCommit } from '../lib/git/git.js';
import { execFileSync } from 'node:child_process';
import { hasErrors, sortDiagnostics } from '../lib/diagnostics/diagnostic.js';
import { formatDiagnostics } from '../lib/diagnostics/format/index.js';
import { applyObjects, type ObjectResult } from '../lib/apply/applyObjects.js';
import { projectOf, systemNamespace } from '../lib/apply/applyset.js';
import { EnvLease } from '../lib/apply/lease.js';
import { findPrunable, prune, renderedByJob, type PrunePlan } from '../lib/apply/prune.js';
import { checkOwnerApproval, checkReviewedPlan, planHashInNote, type Refusal } from '../lib/apply/review.js';
import { applyInWaves, type WaveReport } from '../lib/apply/rollout.js';
import { waitForHealth, waitTargets, type WaitResult } from '../lib/apply/wait.js';
import type { KubeClient } from '../lib/k8s/client.js';
import { Resources } from '../lib/k8s/resources.js';
import { computePlan } from '../lib/plan/plan.js';
import { resolveRollout, rolloutProblems, ROLLOUT_FILE } from '../lib/resolve/rollout.js';
import type { Plan } from '../lib/plan/types.js';
import { renderEnv } from '../lib/render/render.js';
import { blockingDiagnostics } from '../lib/repo/blocking.js';
import { loadRepo } from '../lib/repo/load.js';
import { check } from '../lib/rules/index.js';
import type { Diagnostic } from '../lib/diagnostics/diagnostic.js';
import type { Job, Repo } from '../lib/repo/model.js';
import { requireEnv, selectJobs, UsageError } from '../lib/repo/select.js';
import { onDefaultBranch, platformForCommit } from '../lib/scm/merged.js';
import { ScmError } from '../lib/scm/types.js';
import { connect, kubeFailure, type KubeTarget } from './kube.js';
import type { ActionResult } from './result.js';

export interface ApplyActionOptions extends KubeTarget {
  repo: string;
  env: string | undefined;
  jobs: string[];
  /** Only the jobs a change since `base` reaches (and deletions of jobs). */
  changed?: boolean;
  base?: string;
  dryRun?: boolean;
  wait?: boolean;
  /** Seconds --wait (and prune's savepoints) may take; default 600. */
  timeoutSeconds?: number;
  prune?: boolean;
  /** Let prune delete more than the environment's `prune.maxShare` of its jobs. */
  allowMassPrune?: boolean;
  force?: boolean;
  json?: boolean;
  /** The reviewed plan hash (default $FLINKOPS_REVIEWED_PLAN_HASH, else the merge request's plan note). */
  planHash?: string;
  /** Check the reviewed plan and owner approvals even off the default branch (default: on the default branch only). */
  requireReview?: boolean;
  /** Where --wait archives status, events and logs of what failed (default flinkops-artifacts). */
  artifacts?: string;
  pollMs?: number;
  log?: (line: string) => void;
  /** Aborted with the signal's name (SIGINT, SIGTERM): requests in flight finish, nothing more is sent. */
  signal?: AbortSignal;
}

export async function apply(o: ApplyActionOptions): Promise<ActionResult> {
  const { repo, diagnostics: loadDiagnostics } = loadRepo(o.repo);
  const env = requireEnv(repo, o.env);
  if (o.changed && o.jobs.length) throw new UsageError('name jobs or use --changed, not both');
  if (o.changed && !o.base)
    throw new UsageError('--changed needs --base REF (the commit before the change, e.g. $CI_COMMIT_BEFORE_SHA)');
  const timeoutMs = (o.timeoutSeconds ?? 600) * 1000;
  const envSpec = repo.platform.envs.get(env)!.spec;

  // What to apply: the named jobs, the jobs a change reaches, or all.
  let plan: Plan | undefined;
  let jobs: Job[] | undefined = selectJobs(repo, o.jobs);
  if (o.changed) {
    const changed = await computePlan({ root: o.repo, env, base: o.base!, classify: false });
    if ('refused' in changed) return notApplied(changed.refused, 'the change cannot be planned');
    plan = changed.plan;
    const platformChanged = plan.jobs.some((j) => j.job.startsWith('(') && j.action !== 'noop');
    const ids = new Set(plan.jobs.filter((j) => j.action === 'create' || j.action === 'update').map((j) => j.job));
    jobs = platformChanged ? undefined : repo.jobs.filter((j) => ids.has(j.id));
  }

  // Only the reviewed plan, on the default branch (or when asked).
  const review = envSpec.approval ?? {};
  if (
    !o.dryRun &&
    (o.requireReview || onDefaultBranch()) &&
    (review.requireReviewedPlan || review.requireOwnerApproval)
  ) {
    const refusal = await checkReview(o, env, review);
    if (refusal) return refused(refusal, o.json);
  }

  // Prune deletes what Git no longer has: a repository that does not validate could look empty.
  const blocking = o.prune
    ? check(repo, loadDiagnostics).filter((d) => d.severity === 'error')
    : blockingDiagnostics(
        'apply',
        loadDiagnostics,
        (jobs ?? repo.jobs).map((j) => j.id),
      );
  if (blocking.length) return notApplied(blocking, o.prune ? 'prune needs a repository that validates' : '');
  const project = projectOf(repo);
  if ('rule' in project) return notApplied([project], '');

  let client: KubeClient | undefined;
  let lease: EnvLease | undefined;
  const results: ObjectResult[] = [];
  let health: WaitResult[] = [];
  let waves: WaveReport[] | undefined;
  // platform/rollout.yaml: the environment's jobs go wave by wave, health-checked in between.
  const inRollout = resolveRollout(repo, env, []) !== undefined;
  const problems = inRollout ? rolloutProblems(repo).filter((d) => d.severity === 'error') : [];
  if (problems.length)
    return notApplied(
      problems.map((d) => ({ ...d, rule: 'platform/rollout' })),
      `${ROLLOUT_FILE} names what the repository does not have`,
    );
  try {
    client = await connect(repo, env, o);
    const resources = new Resources(client);
    const version = await client.request<{ major?: string; minor?: string }>('GET', '/version');
    const kubernetesVersion = `1.${String(version.body.minor ?? '').replace(/\D+$/, '')}`;
    const commit = process.env.FLINKOPS_COMMIT ?? process.env.CI_COMMIT_SHA ?? ownHeadCommit(o.repo);
    const rendered = renderEnv(repo, {
      env,
      ...(jobs ? { jobs } : {}),
      kubernetesVersion,
      ...(commit ? { commit } : {}),
    });
    if (hasErrors(rendered.diagnostics)) return notApplied(rendered.diagnostics, '');

    const pruneOptions = {
      ref: { env, project: project.project },
      jobsInGit: new Set(repo.jobIds),
      rendered: renderedByJob(rendered.objects),
      allowStateLoss: new Set(envSpec.prune?.allowStateLoss ?? []),
      dryRun: o.dryRun === true,
      timeoutMs,
      ...(o.pollMs ? { pollMs: o.pollMs } : {}),
    };
    let prunePlan: PrunePlan | undefined;
    if (o.prune) {
      prunePlan = await findPrunable(client, resources, pruneOptions);
      const tooMany = massPrune(prunePlan, envSpec.prune?.maxShare ?? 0.5, env);
      if (tooMany && !o.allowMassPrune) return refused(tooMany, o.json);
    }

    if (!o.dryRun) {
      lease = new EnvLease(client, {
        namespace: systemNamespace(),
        name: `flinkops-apply-${env}`,
        waitMs: Math.min(timeoutMs, 300_000),
      });
      await lease.acquire();
    }
    const input = {
      env,
      project: project.project,
      objects: rendered.objects,
      dryRun: o.dryRun === true,
      force: o.force === true,
      schedulerDriven: schedulerDrivenJobs(repo),
      ...(o.signal ? { signal: o.signal } : {}),
    };
    const waitOptions = {
      timeoutMs,
      ...(o.pollMs ? { pollMs: o.pollMs } : {}),
      artifactsDir: o.artifacts ?? 'flinkops-artifacts',
    };
    const rollout = inRollout
      ? resolveRollout(repo, env, new Set(rendered.objects.flatMap((r) => (r.job ? [r.job] : []))))
      : undefined;
    if (rollout) {
      const r = await applyInWaves(client, resources, rollout, input, { ...waitOptions, waitLast: o.wait === true });
      results.push(...r.results);
      health = r.health;
      waves = r.waves;
      // Prune only after every wave went well: a stopped rollout changes nothing more.
      if (prunePlan && !r.waves.some((w) => w.result === 'stopped'))
        results.push(...(await prune(client, resources, prunePlan, pruneOptions)));
    } else {
      const outcome = await applyObjects(client, input, resources);
      results.push(...outcome.results);
      // An interrupted apply prunes nothing and waits for nothing: it reports and lets go of the lease.
      if (prunePlan && !o.signal?.aborted) results.push(...(await prune(client, resources, prunePlan, pruneOptions)));
      if (o.wait && !o.dryRun && !o.signal?.aborted)
        health = await waitForHealth(client, resources, waitTargets(outcome), waitOptions);
    }
  } catch (e) {
    // Whatever was applied before the failure is still reported, so nothing that changed goes unsaid.
    const partial = results.length ? format(env, results, health, o, waves) : '';
    return kubeFailure('apply', e, partial);
  } finally {
    await lease?.release();
    client?.close();
  }
  if (o.signal?.aborted) {
    const name = String(o.signal.reason);
    return { stdout: format(env, results, health, o, waves), exitCode: name === 'SIGTERM' ? 143 : 130 };
  }
  const failed =
    results.some((r) => r.result === 'failed') ||
    health.some((h) => h.health === 'failed' || h.health === 'timeout') ||
    !!waves?.some((w) => w.result === 'stopped');
  return { stdout: format(env, results, health, o, waves), exitCode: failed ? 1 : 0 };
}

/** Jobs whose lifecycle a scheduler drives (job.yaml `lifecycle: scheduler`). */
export function schedulerDrivenJobs(repo: Repo): Set<string> {
  return new Set(repo.jobs.filter((j) => j.job?.spec.lifecycle === 'scheduler').map((j) => j.id));
}

async function checkReview(
  o: ApplyActionOptions,
  env: string,
  review: { requireReviewedPlan?: boolean; requireOwnerApproval?: boolean },
): Promise<Refusal | undefined> {
  // The merge brought HEAD^1..HEAD: that plan is what the merge request reviewed.
  const git = (args: string[]) =>
    execFileSync('git', ['-C', o.repo, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  let head: string;
  let base: string;
  try {
    head = git(['rev-parse', 'HEAD']);
    base = git(['rev-parse', 'HEAD^1']);
  } catch {
    return {
      rule: 'apply/unreviewed-plan',
      message: 'cannot find the merge commit and its first parent in the repository',
      hint: 'fetch enough history (GIT_DEPTH of at least 2)',
    };
  }
  const computed = await computePlan({ root: o.repo, env, base, classify: false });
  if ('refused' in computed)
    return {
      rule: 'apply/unreviewed-plan',
      message: `the merge cannot be planned: ${computed.refused[0]!.file}: ${computed.refused[0]!.message}`,
      hint: 'fix the repository first; nothing unplanned is applied',
    };
  const { plan } = computed;
  const given = o.planHash ?? process.env.FLINKOPS_REVIEWED_PLAN_HASH;
  let host: Awaited<ReturnType<typeof platformForCommit>>;
  try {
    const needHost = review.requireOwnerApproval || (review.requireReviewedPlan && !given);
    host = needHost ? await platformForCommit(head) : undefined;
    if (needHost && !host)
      return {
        rule: 'apply/unreviewed-plan',
        message: `commit ${head.slice(0, 12)} did not come from a merge request`,
        hint: 'changes reach the default branch through merge requests, where their plan is reviewed',
      };
  } catch (e) {
    if (!(e instanceof ScmError)) throw e;
    return {
      rule: 'apply/unreviewed-plan',
      message: e.message,
      hint: 'apply on the default branch reads the reviewed plan and approvals from the Git host',
    };
  }
  const where = host ? `merge request !${host.number}` : 'the given --plan-hash';
  try {
    if (review.requireReviewedPlan) {
      const reviewed = given ?? planHashInNote((await host!.platform.readPlanNote(`plan:${env}`)) ?? '');
      const r = checkReviewedPlan(plan, reviewed, where);
      if (r) return r;
    }
    if (review.requireOwnerApproval) {
      const r = await checkOwnerApproval(
        plan,
        await host!.platform.listApprovals(),
        (g) => host!.platform.listGroupMembers(g),
        where,
      );
      if (r) return r;
    }
  } catch (e) {
    if (!(e instanceof ScmError)) throw e;
    return {
      rule: 'apply/unreviewed-plan',
      message: e.message,
      hint: 'apply on the default branch reads the reviewed plan and approvals from the Git host',
    };
  }
  return undefined;
}

function notApplied(diagnostics: Diagnostic[], why: string): ActionResult {
  return {
    stdout: '',
    stderr: `${formatDiagnostics(sortDiagnostics(diagnostics), 'text')}flinkops apply: nothing applied — ${why || 'fix the repository first'}\n`,
    exitCode: 1,
  };
}

/** Deleting most of an environment is more often a broken checkout than a decision: it needs saying twice. */
function massPrune(plan: PrunePlan, maxShare: number, env: string): Refusal | undefined {
  const removed = plan.targets.filter((t) => t.reason === 'removed').map((t) => t.job);
  if (!removed.length || removed.length <= maxShare * plan.deployedJobs) return undefined;
  return {
    rule: 'apply/mass-prune',
    message: `prune would delete ${removed.length} of the ${plan.deployedJobs} jobs deployed in ${env} (${removed.slice(0, 5).join(', ')}${removed.length > 5 ? ', …' : ''}); the limit is ${Math.round(maxShare * 100)}%`,
    hint: `if that is intended, run again with --allow-mass-prune (or raise prune.maxShare in platform/envs/${env}.yaml)`,
  };
}

function refused(r: Refusal, json?: boolean): ActionResult {
  const text = `flinkops apply: refused (${r.rule}): ${r.message}\n  hint: ${r.hint}\nnothing was applied\n`;
  return { stdout: json ? `${JSON.stringify({ results: [], refused: r }, null, 2)}\n` : '', stderr: text, exitCode: 1 };
}

const SIGN: Record<string, string> = {
  created: '+',
  configured: '~',
  unchanged: '=',
  deleted: '-',
  failed: '✖',
  'not-sent': '·',
};

function format(
  env: string,
  results: ObjectResult[],
  health: WaitResult[],
  o: ApplyActionOptions,
  waves?: WaveReport[],
): string {
  if (o.json)
    return `${JSON.stringify(
      {
        results: results.map(({ kind, namespace, name, result, message, ...rest }) => ({
          kind,
          namespace,
          name,
          result,
          message,
          ...rest,
        })),
        ...(o.wait || waves ? { health } : {}),
        ...(waves
          ? {
              rollout: {
                file: ROLLOUT_FILE,
                waves: waves.map(({ name, jobs, result, reason }) => ({
                  name,
                  jobs,
                  result,
                  ...(reason ? { reason } : {}),
                })),
              },
            }
          : {}),
      },
      null,
      2,
    )}\n`;
  const lines = [
    `flinkops apply --env ${env}${o.dryRun ? ' (server dry run: nothing stored)' : ''}${waves ? ` (rollout: ${waves.length} wave${waves.length === 1 ? '' : 's'} of ${ROLLOUT_FILE})` : ''}`,
  ];
  if (waves)
    waves.forEach((w, i) => {
      const head = `wave ${i + 1}/${waves.length} ${w.name}`;
      if (w.result === 'not-applied') {
        lines.push(`${head}: not applied — ${w.jobs.join(', ')}`);
        return;
      }
      const what = w.result === 'stopped' ? `stopped — ${w.reason}` : `${w.result} — ${w.jobs.join(', ')}`;
      lines.push(`${head}: ${what}`);
      lines.push(...objectLines(w.results), ...healthLines(w.health));
    });
  else {
    lines.push(...objectLines(results));
    if (health.length) lines.push('', 'health', ...healthLines(health));
  }
  const n = (k: string) => results.filter((r) => r.result === k).length;
  lines.push(
    '',
    `Apply: ${n('created')} created, ${n('configured')} configured, ${n('unchanged')} unchanged, ${n('deleted')} deleted, ${n('failed')} failed${n('not-sent') ? `, ${n('not-sent')} not sent` : ''}.`,
  );
  const notSent = results.filter((r) => r.result === 'not-sent');
  if (o.signal?.aborted)
    lines.push(
      `Interrupted (${String(o.signal.reason)}): ${notSent.length ? `${notSent.length} object${notSent.length === 1 ? ' was' : 's were'} not sent and stay as they were in the cluster` : 'every object was sent'}; nothing was pruned; the apply lease was released.`,
    );
  const stoppedAt = waves?.findIndex((w) => w.result === 'stopped') ?? -1;
  if (waves && stoppedAt >= 0) {
    const skipped = waves.slice(stoppedAt + 1);
    lines.push(
      `Rollout stopped at wave ${stoppedAt + 1}/${waves.length} (${waves[stoppedAt]!.name}): ${
        skipped.length
          ? `${skipped.length} wave${skipped.length === 1 ? '' : 's'} not applied (${skipped.reduce((k, w) => k + w.jobs.length, 0)} jobs: ${skipped.map((w) => w.name).join(', ')})`
          : 'it was the last wave'
      }.`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function objectLines(results: ObjectResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    // An unchanged object is shown when it has something to say: a field Git does not decide.
    if (r.result === 'unchanged' && !r.message.replace(/^dry run(; |$)/, '')) continue;
    lines.push(
      `  ${SIGN[r.result]} ${r.result.padEnd(10)} ${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}${r.message ? `  ${r.message}` : ''}`,
    );
  }
  return lines;
}

function healthLines(health: WaitResult[]): string[] {
  return health.map(
    (h) =>
      `  ${h.health === 'healthy' || h.health === 'finished' ? '✔' : h.health === 'suspended' ? '⏸' : '✖'} ${h.health.padEnd(10)} ${h.kind} ${h.namespace}/${h.name}  ${h.message}`,
  );
}
