// The scheduler examples under examples/ run for real: DolphinScheduler's shell task and Airflow's
// Python task trigger the (fake) GitLab pipeline, the test plays the CI runner (the `action` job of
// .gitlab-ci.yml: `flinkops action run` with the trigger's variables) against the local API server,
// and plays the operator: a run deploys a new job id (ApplicationReconciler#setJobIdIfNecessary) that
// ends FINISHED (lifecycleState STABLE) or FAILED (lifecycleState FAILED, CommonStatus#getLifecycleState).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction } from '../../actions/action.js';
import type { KubeClient } from '../../lib/k8s/client.js';
import type { KubeCluster } from '../kube/harness.js';
import { FakeHosts } from '../support/fakeHosts.js';
import { Fixture, PROJECT } from '../support/fixture.js';
import { applyJob, closeCluster, flinkPath, get, isolate, openCluster, setStatus } from './support.js';

const run = promisify(execFile);
let kube: KubeCluster | undefined;
let k: KubeClient;
let fx: Fixture;
let ns: string;
let hosts: FakeHosts;
const systemNs = `flinkops-it-${randomBytes(3).toString('hex')}`;
/** What the next run of the job ends in, as the operator would report it. */
let outcome: 'FINISHED' | 'FAILED' = 'FINISHED';
const ran: Record<string, string>[] = [];
/** The owner of the trigger token the script uses: GitLab runs the pipeline as that user. */
let tokenOwner = 'dolphin-bot';

beforeAll(async () => {
  const cluster = await openCluster(systemNs);
  if (!cluster) return;
  ({ kube, k } = cluster);
  fx = new Fixture();
  ns = `flink-homeservice-${isolate(fx)}`;
  await applyJob(fx, kube, 'homeservice/daily-settlement');
  hosts = await new FakeHosts().start();
  // The CI runner: the `action` job with the trigger's variables, as GitLab sets them for a trigger pipeline.
  hosts.gitlab.runPipeline = async (vars) => {
    ran.push(vars);
    const p = flinkPath(ns, 'daily-settlement');
    const nonce = (await get(k, p))!.spec!.restartNonce;
    let refused = false;
    const operator = (async () => {
      for (let i = 0; i < 400 && !refused; i++) {
        const o = await get(k, p);
        if (o && o.spec!.restartNonce !== nonce)
          return setStatus(k, p, {
            lifecycleState: outcome === 'FINISHED' ? 'STABLE' : 'FAILED',
            jobStatus: { state: outcome, jobId: randomBytes(16).toString('hex') },
          });
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const result = await runAction({
      repo: fx.root,
      action: vars.FLINKOPS_ACTION!,
      job: vars.FLINKOPS_JOB!,
      env: vars.FLINKOPS_ENV,
      wait: vars.FLINKOPS_WAIT === 'true',
      kubeconfig: kube!.kubeconfig,
      context: 'flinkops-local',
      pollMs: 25,
      timeoutSeconds: 10,
      processEnv: {
        CI: 'true',
        CI_PIPELINE_SOURCE: 'trigger',
        FLINKOPS_NAMESPACE: systemNs,
        ...vars,
        GITLAB_USER_LOGIN: tokenOwner,
      },
    }).catch((e: Error) => {
      refused = true; // a usage error (a refused --var): the job fails before anything is sent
      return { exitCode: 2, stdout: '', stderr: e.message };
    });
    await operator;
    return result.exitCode === 0 ? 'success' : 'failed';
  };
}, 20 * 60_000);

afterAll(async () => {
  fx?.dispose();
  await hosts?.stop();
  await closeCluster(kube, k);
}, 120_000);

const gitlabEnv = () => ({
  ...process.env,
  GITLAB_URL: hosts.url,
  GITLAB_PROJECT: hosts.gitlab.project,
  GITLAB_TRIGGER_TOKEN: hosts.gitlab.triggerToken,
  GITLAB_READ_TOKEN: hosts.gitlab.token,
  FLINKOPS_POLL_SECONDS: '0.05',
});

describe('scheduler examples', () => {
  it('DolphinScheduler: the shell task runs the day and exits 0 when the job FINISHED, 1 when it FAILED', async (ctx) => {
    if (!kube) return ctx.skip();
    const script = path.join(PROJECT, 'examples/dolphinscheduler/flinkops-run.sh');
    outcome = 'FINISHED';
    tokenOwner = 'dolphin-bot';
    const ok = await run('bash', [script, 'homeservice/daily-settlement', 'test', 'biz_date=2024-06-30'], {
      env: gitlabEnv(),
    });
    expect(ok.stdout).toContain('flinkops-run: homeservice/daily-settlement FINISHED');
    expect(ran.at(-1)).toEqual({
      FLINKOPS_ACTION: 'run',
      FLINKOPS_JOB: 'homeservice/daily-settlement',
      FLINKOPS_ENV: 'test',
      FLINKOPS_VARS: 'biz_date=2024-06-30',
      FLINKOPS_WAIT: 'true',
    });
    const live = (await get(k, flinkPath(ns, 'daily-settlement')))!;
    expect(live.spec!.flinkConfiguration['containerized.master.env.FLINKOPS_RUN_BIZ_DATE']).toBe('2024-06-30');

    outcome = 'FAILED';
    const failed = await run('bash', [script, 'homeservice/daily-settlement', 'test', 'biz_date=2024-07-01'], {
      env: gitlabEnv(),
    }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(
      /flinkops-run: homeservice\/daily-settlement failed — see http:\/\/127\.0\.0\.1:\d+\//,
    );
  });

  it('Airflow: the Python task triggers the run for its day and raises when the job fails', async (ctx) => {
    if (!kube) return ctx.skip();
    const script = path.join(PROJECT, 'examples/airflow/flinkops_batch.py');
    outcome = 'FINISHED';
    tokenOwner = 'airflow-bot';
    const ok = await run('python3', [script, 'homeservice/daily-settlement', 'test', 'biz_date=2024-06-29'], {
      env: gitlabEnv(),
    });
    expect(ok.stdout).toContain('flinkops: homeservice/daily-settlement FINISHED');
    expect(ran.at(-1)).toEqual({
      FLINKOPS_ACTION: 'run',
      FLINKOPS_JOB: 'homeservice/daily-settlement',
      FLINKOPS_ENV: 'test',
      FLINKOPS_VARS: 'biz_date=2024-06-29',
      FLINKOPS_WAIT: 'true',
    });

    // A value the job's runVars pattern refuses never reaches the cluster: the pipeline fails.
    const bad = await run('python3', [script, 'homeservice/daily-settlement', 'test', 'biz_date=yesterday'], {
      env: gitlabEnv(),
    }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(bad?.code).toBe(1);
    expect(bad?.stderr).toMatch(/flinkops: homeservice\/daily-settlement failed - see /);
    expect(
      (await get(k, flinkPath(ns, 'daily-settlement')))!.spec!.flinkConfiguration[
        'containerized.master.env.FLINKOPS_RUN_BIZ_DATE'
      ],
    ).toBe('2024-06-29');
  });
});
