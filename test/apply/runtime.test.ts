// Run-time operations against a real API server, in a fixture that is a Git repository (so every
// object carries the flinkops.io/commit annotation): drift, batch runs, restore, state ownership,
// status and the savepoint history. The tests play the Flink Kubernetes Operator (release 1.15) by
// writing the status subresource as it writes it:
// - lifecycleState: CommonStatus#getLifecycleState — STABLE for a reconciled stable spec, SUSPENDED
//   when the last reconciled spec is suspended; a job that ran to its end keeps STABLE with
//   jobStatus.state FINISHED (org.apache.flink.api.common.JobStatus).
// - a deployment rotates jobStatus.jobId and sets state RECONCILING (ApplicationReconciler#deploy,
//   #setJobIdIfNecessary); observedGeneration follows the reconciled generation
//   (ReconciliationUtils#updateReconciliationMetadata).
// - savepoints: jobStatus.savepointInfo.lastSavepoint / savepointHistory entries {timeStamp,
//   location, triggerType, formatType, triggerNonce} (status/SavepointInfo.java, Savepoint.java).
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction, type RunActionOptions } from '../../actions/action.js';
import { apply } from '../../actions/apply.js';
import { diff } from '../../actions/diff.js';
import { savepoints } from '../../actions/savepoints.js';
import { status } from '../../actions/status.js';
import type { KubeClient } from '../../lib/k8s/client.js';
import type { KubeCluster } from '../kube/harness.js';
import { GitFixture } from '../support/gitRepo.js';
import { closeCluster, editByHand, flinkPath, get, isolate, openCluster, setStatus } from './support.js';

let kube: KubeCluster | undefined;
let k: KubeClient;
let fx: GitFixture;
let sfx: string;
let head: string;
let hook: Server;
let hookUrl = '';
const received: Record<string, unknown>[] = [];
const secret = 'callback-secret';
const systemNs = `flinkops-it-${randomBytes(3).toString('hex')}`;

const scheduler = {
  CI: 'true',
  CI_PIPELINE_SOURCE: 'trigger',
  FLINKOPS_TRIGGERED_BY: 'scheduler:dolphinscheduler',
  GITLAB_USER_LOGIN: 'dolphin-bot',
  FLINKOPS_CALLBACK_SECRET: secret,
  FLINKOPS_NAMESPACE: systemNs,
};
// An owner of datasync/kafka-orders-to-paimon (its owners.yaml), running a pipeline by hand.
const owner = { CI: 'true', CI_PIPELINE_SOURCE: 'web', GITLAB_USER_LOGIN: 'zhang.wei', FLINKOPS_NAMESPACE: systemNs };
const target = () => ({ kubeconfig: kube!.kubeconfig, context: 'flinkops-local' });

beforeAll(async () => {
  const cluster = await openCluster(systemNs);
  if (!cluster) return;
  ({ kube, k } = cluster);
  fx = new GitFixture();
  sfx = isolate(fx);
  head = fx.commit('isolate the namespaces');
  hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const ok =
        req.headers['x-flinkops-signature-256'] === `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      if (ok) received.push(JSON.parse(body));
      res.writeHead(ok ? 204 : 401).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/flinkops`;
}, 20 * 60_000);

afterAll(async () => {
  fx?.dispose();
  hook?.close();
  await closeCluster(kube, k);
}, 120_000);

const applyJobs = (jobs: string[], extra: { json?: boolean } = { json: true }) =>
  apply({ repo: fx.root, env: 'test', jobs, ...target(), pollMs: 25, ...extra });
const act = (action: string, job: string, penv: NodeJS.ProcessEnv, extra: Partial<RunActionOptions> = {}) =>
  runAction({
    repo: fx.root,
    action,
    job,
    env: 'test',
    ...target(),
    processEnv: penv,
    pollMs: 25,
    timeoutSeconds: 10,
    ...extra,
  });

/** Plays the operator once the live object satisfies `when`. */
function operator(path: string, when: (o: any) => boolean, next: (o: any) => Record<string, unknown>): Promise<void> {
  return (async () => {
    for (let i = 0; i < 400; i++) {
      const o = await get(k, path);
      if (o && when(o)) return setStatus(k, path, next(o));
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`the operator stand-in never saw what it waited for on ${path}`);
  })();
}

const settlement = () => flinkPath(`flink-homeservice-${sfx}`, 'daily-settlement');
const orders = () => flinkPath(`flink-datasync-${sfx}`, 'kafka-orders-to-paimon');
const jobId = () => randomBytes(16).toString('hex');

describe('drift', () => {
  it('diff --exit-code is clean right after a full apply with the commit annotation, and fires on real drift only', async (ctx) => {
    if (!kube) return ctx.skip();
    const r = await applyJobs([]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const live = (await get(k, orders()))!;
    expect(live.metadata.annotations!['flinkops.io/commit']).toBe(head);

    // A later commit that changes nothing in the manifests: the annotation on the cluster is older than HEAD.
    fx.write('NOTES.md', 'a commit that no manifest sees\n');
    fx.commit('notes');
    const clean = await diff({ repo: fx.root, env: 'test', exitCode: true, ...target() });
    expect(clean.stdout).toMatch(/^flinkops diff --env test: the cluster matches Git \(\d+ objects\)\n$/);
    expect(clean.exitCode).toBe(0);

    await editByHand(k, orders(), { spec: { job: { parallelism: 9 } } });
    const drifted = await diff({ repo: fx.root, env: 'test', exitCode: true, json: true, ...target() });
    expect(drifted.exitCode).toBe(1);
    expect(JSON.parse(drifted.stdout).drift).toEqual([
      {
        kind: 'FlinkDeployment',
        namespace: `flink-datasync-${sfx}`,
        name: 'kafka-orders-to-paimon',
        drift: 'changed',
        message: 'changed: spec.job.parallelism',
      },
    ]);
    const back = await apply({
      repo: fx.root,
      env: 'test',
      jobs: ['datasync/kafka-orders-to-paimon'],
      force: true,
      ...target(),
    });
    expect(back.exitCode, back.stdout).toBe(0);
  });
});

describe('batch runs for schedulers', () => {
  it('run passes the day into the job, waits for FINISHED, exits 0, and the callback carries the final state', async (ctx) => {
    if (!kube) return ctx.skip();
    const before = (await get(k, settlement()))!;
    // Git renders the default for the runner's ${run:biz_date}.
    expect(before.spec!.flinkConfiguration['containerized.master.env.FLINKOPS_RUN_BIZ_DATE']).toBe('2024-01-01');
    const first = jobId();
    const op = operator(
      settlement(),
      (o) => typeof o.spec.restartNonce === 'number',
      () => ({
        lifecycleState: 'STABLE',
        jobStatus: { state: 'FINISHED', jobId: first, startTime: String(Date.now()) },
      }),
    );
    const r = await act('run', 'homeservice/daily-settlement', scheduler, {
      vars: ['biz_date=2024-06-30'],
      wait: true,
      callback: hookUrl,
      json: true,
    });
    await op;
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      action: 'run',
      result: 'succeeded',
      state: 'FINISHED',
      message: 'FINISHED (biz_date=2024-06-30)',
    });
    expect(received.at(-1)).toMatchObject({ action: 'run', result: 'succeeded', state: 'FINISHED' });
    const live = (await get(k, settlement()))!;
    expect(live.spec!.job.state).toBe('running');
    expect(live.spec!.flinkConfiguration['containerized.master.env.FLINKOPS_RUN_BIZ_DATE']).toBe('2024-06-30');
    const mine = live.metadata.managedFields!.find((m) => m.manager === 'flinkops-action')!;
    expect(Object.keys((mine.fieldsV1 as any)['f:spec']['f:flinkConfiguration'])).toEqual([
      'f:containerized.master.env.FLINKOPS_RUN_BIZ_DATE',
    ]);
  });

  it('the next day re-runs the FINISHED job (a new restartNonce) and a FAILED run exits 1', async (ctx) => {
    if (!kube) return ctx.skip();
    const nonceBefore = (await get(k, settlement()))!.spec!.restartNonce;
    // The old run's FINISHED is not this run's: the wait needs the new job id.
    const op = operator(
      settlement(),
      (o) => o.spec.restartNonce !== nonceBefore,
      // A FAILED job makes the lifecycle FAILED (CommonStatus#getLifecycleState).
      () => ({
        lifecycleState: 'FAILED',
        jobStatus: { state: 'FAILED', jobId: jobId() },
        error:
          '{"type":"org.apache.flink.runtime.JobException","message":"Recovery is suppressed by NoRestartBackoffTimeStrategy"}',
      }),
    );
    const r = await act('run', 'homeservice/daily-settlement', scheduler, {
      vars: ['biz_date=2024-07-01'],
      wait: true,
      callback: hookUrl,
    });
    await op;
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(
      'FAILED — lifecycleState FAILED, job FAILED: Recovery is suppressed by NoRestartBackoffTimeStrategy (biz_date=2024-07-01)',
    );
    expect(received.at(-1)).toMatchObject({ action: 'run', result: 'failed', state: 'FAILED' });
    expect((await get(k, settlement()))!.spec!.restartNonce).not.toBe(nonceBefore);
  });

  it('refuses a variable the job does not declare, a value its pattern rejects, and a streaming job', async (ctx) => {
    if (!kube) return ctx.skip();
    await expect(act('run', 'homeservice/daily-settlement', scheduler, { vars: ['day=2024-06-30'] })).rejects.toThrow(
      '--var day: homeservice/daily-settlement has no run variable "day" (runVars: biz_date;',
    );
    await expect(
      act('run', 'homeservice/daily-settlement', scheduler, { vars: ["biz_date=2024-06-30' OR '1'='1"] }),
    ).rejects.toThrow(/does not match \[0-9\]\{4\}-\[0-9\]\{2\}-\[0-9\]\{2\}/);
    await expect(act('run', 'datasync/kafka-orders-to-paimon', owner)).rejects.toThrow(/run is for batch jobs/);
  });
});

describe('restore', () => {
  const sp = (location: string, timeStamp: number, triggerType = 'MANUAL') => ({
    location,
    timeStamp,
    triggerType,
    formatType: 'CANONICAL',
  });

  it('--from PATH redeploys from it with a new savepointRedeployNonce; --from latest takes the newest savepoint', async (ctx) => {
    if (!kube) return ctx.skip();
    const t = Date.now();
    await setStatus(k, orders(), {
      lifecycleState: 'STABLE',
      jobStatus: {
        state: 'RUNNING',
        jobId: jobId(),
        savepointInfo: {
          lastSavepoint: sp('hdfs://test-nn/sp/savepoint-2', t - 60_000, 'PERIODIC'),
          savepointHistory: [
            sp('hdfs://test-nn/sp/savepoint-1', t - 3_600_000),
            sp('hdfs://test-nn/sp/savepoint-2', t - 60_000, 'PERIODIC'),
          ],
        },
        checkpointInfo: { lastCheckpoint: { timeStamp: t - 30_000, triggerType: 'PERIODIC', formatType: 'FULL' } },
      },
    });
    const r = await act('restore', 'datasync/kafka-orders-to-paimon', owner, { from: 'hdfs://test-nn/sp/savepoint-1' });
    expect(r.exitCode, r.stderr).toBe(0);
    const job1 = (await get(k, orders()))!.spec!.job;
    expect(job1).toMatchObject({ state: 'running', initialSavepointPath: 'hdfs://test-nn/sp/savepoint-1' });
    expect(typeof job1.savepointRedeployNonce).toBe('number');

    const latest = await act('restore', 'datasync/kafka-orders-to-paimon', owner, { from: 'latest', json: true });
    expect(latest.exitCode).toBe(0);
    const job2 = (await get(k, orders()))!.spec!.job;
    expect(job2.initialSavepointPath).toBe('hdfs://test-nn/sp/savepoint-2');
    expect(job2.savepointRedeployNonce).not.toBe(job1.savepointRedeployNonce);

    const list = await savepoints({
      repo: fx.root,
      env: 'test',
      job: 'datasync/kafka-orders-to-paimon',
      json: true,
      ...target(),
    });
    expect(JSON.parse(list.stdout).savepoints.map((s: any) => [s.path, s.trigger, s.format])).toEqual([
      ['hdfs://test-nn/sp/savepoint-2', 'PERIODIC', 'CANONICAL'],
      ['hdfs://test-nn/sp/savepoint-1', 'MANUAL', 'CANONICAL'],
    ]);
  });

  it('--from none restarts with upgradeMode stateless, gives upgradeMode back, and the next apply returns it to Git', async (ctx) => {
    if (!kube) return ctx.skip();
    const gitMode = (await get(k, orders()))!.spec!.job.upgradeMode;
    expect(gitMode).not.toBe('stateless');
    const op = operator(
      orders(),
      (o) => o.spec.job.upgradeMode === 'stateless',
      () => ({ lifecycleState: 'STABLE', jobStatus: { state: 'RUNNING', jobId: jobId() } }),
    );
    const r = await act('restore', 'datasync/kafka-orders-to-paimon', owner, { from: 'none', json: true });
    await op;
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).message).toContain(`started from empty state, upgradeMode back to ${gitMode}`);
    const live = (await get(k, orders()))!;
    expect(live.spec!.job.upgradeMode).toBe(gitMode);
    expect(live.spec!.job.initialSavepointPath).toBeUndefined();

    const a = await applyJobs(['datasync/kafka-orders-to-paimon']);
    expect(a.exitCode, a.stdout).toBe(0);
    const fd = JSON.parse(a.stdout).results.find((x: any) => x.kind === 'FlinkDeployment');
    expect(fd.message).toContain(`spec.job.upgradeMode returns to Git ("${gitMode}")`);
    const owned = (await get(k, orders()))!.metadata.managedFields!.find((m) => m.manager === 'flinkops-action')!;
    expect(JSON.stringify(owned.fieldsV1)).not.toContain('upgradeMode');
  });
});

describe('state ownership', () => {
  it("an action's state stays and apply names it; a Git change of state: wins and says so", async (ctx) => {
    if (!kube) return ctx.skip();
    const stop = await act('stop', 'datasync/kafka-orders-to-paimon', owner);
    expect(stop.exitCode, stop.stderr).toBe(0);
    const kept = await applyJobs(['datasync/kafka-orders-to-paimon'], {});
    expect(kept.exitCode).toBe(0);
    expect(kept.stdout).toContain(
      'spec.job.state stays "suspended" (set by flinkops action; Git says "running" — change state: in Git to take it back)',
    );
    expect((await get(k, orders()))!.spec!.job.state).toBe('suspended');

    // Git now says suspended (agrees), then running again: that change wins over the action.
    fx.edit('jobs/datasync/kafka-orders-to-paimon/job.yaml', 'type: sql', 'type: sql\nstate: suspended');
    fx.commit('suspend kafka-orders-to-paimon');
    expect((await applyJobs(['datasync/kafka-orders-to-paimon'])).exitCode).toBe(0);
    expect(await act('start', 'datasync/kafka-orders-to-paimon', owner)).toMatchObject({ exitCode: 0 });
    expect((await get(k, orders()))!.spec!.job.state).toBe('running');
    fx.edit(
      'jobs/datasync/kafka-orders-to-paimon/job.yaml',
      'type: sql\nstate: suspended',
      'type: sql\nstate: suspended\n# parked',
    );
    fx.commit('a comment');
    const stays = await applyJobs(['datasync/kafka-orders-to-paimon'], {});
    expect(stays.stdout).toContain('spec.job.state stays "running" (set by flinkops action; Git says "suspended"');

    expect((await get(k, orders()))!.metadata.annotations!['flinkops.io/git-state']).toBe('suspended');
    fx.edit('jobs/datasync/kafka-orders-to-paimon/job.yaml', 'state: suspended\n# parked', 'state: running');
    fx.commit('resume in Git');
    await act('stop', 'datasync/kafka-orders-to-paimon', owner);
    const wins = await applyJobs(['datasync/kafka-orders-to-paimon'], {});
    expect(wins.exitCode, wins.stdout).toBe(0);
    expect(wins.stdout).toContain(
      'spec.job.state becomes "running": Git changed state: "suspended" → "running", which wins over flinkops action\'s "suspended"',
    );
    const live = (await get(k, orders()))!;
    expect(live.spec!.job.state).toBe('running');
    const action = live.metadata.managedFields!.find((m) => m.manager === 'flinkops-action');
    expect(JSON.stringify(action?.fieldsV1 ?? {})).not.toContain('f:state');
  });

  it('a job whose lifecycle a scheduler drives keeps its live state whatever Git says', async (ctx) => {
    if (!kube) return ctx.skip();
    expect((await get(k, settlement()))!.spec!.job.state).toBe('running');
    const r = await applyJobs(['homeservice/daily-settlement'], {});
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(
      'spec.job.state stays "running" (lifecycle: scheduler — a scheduler drives it; Git says "suspended")',
    );
    expect((await get(k, settlement()))!.spec!.job.state).toBe('running');
  });
});

describe('status', () => {
  it('shows the deployed commit against HEAD, links, ages, what Git does not decide, and FINISHED as finished', async (ctx) => {
    if (!kube) return ctx.skip();
    // The operator stamps jobStatus.updateTime (epoch ms, as a string) when the job's state changes
    // (JobStatusObserver#updateJobStatus).
    const finishedAt = Date.now() - 90_000;
    await setStatus(k, settlement(), {
      lifecycleState: 'STABLE',
      jobStatus: { state: 'FINISHED', jobId: jobId(), updateTime: String(finishedAt) },
      error: null,
    });
    const deployed = (await get(k, settlement()))!.metadata.annotations!['flinkops.io/commit'];
    const ordersDeployed = (await get(k, orders()))!.metadata.annotations!['flinkops.io/commit'];
    fx.write('NOTES.md', 'merged, not applied yet\n');
    fx.commit('a commit not applied yet');
    // A change of daily-settlement's own folder, merged and not applied: that job drifts, the others do not.
    fx.edit('jobs/homeservice/daily-settlement/job.yaml', 'type: sql', '# settled by the night batch\ntype: sql');
    const currentHead = fx.commit('a change not applied yet');
    const now = Date.now();
    const r = await status({
      repo: fx.root,
      env: 'test',
      jobs: ['homeservice/daily-settlement', 'datasync/kafka-orders-to-paimon'],
      json: true,
      now,
      ...target(),
    });
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.head).toBe(currentHead);
    expect(out.takenAt).toBe(new Date(now).toISOString());
    const ds = out.jobs.find((j: any) => j.job === 'homeservice/daily-settlement');
    expect(ds).toMatchObject({ health: 'finished', jobState: 'FINISHED', atHead: false, restarts: 0 });
    expect(ds.commit).toBe(deployed);
    expect(ds.changedSince).toEqual(['jobs/homeservice/daily-settlement/job.yaml']);
    expect(ds.jobStateSince).toBe(new Date(finishedAt).toISOString());
    expect(ds.links.flinkUi).toBe(`http://flink-test.rent.example/flink-homeservice-${sfx}/daily-settlement/`);
    expect(ds.notFromGit).toMatchObject({
      'spec.job.state': 'running',
      'spec.flinkConfiguration.containerized.master.env.FLINKOPS_RUN_BIZ_DATE': '2024-07-01',
    });
    const ko = out.jobs.find((j: any) => j.job === 'datasync/kafka-orders-to-paimon');
    expect(ko.checkpointAgeSeconds).toBeGreaterThanOrEqual(30);
    expect(ko.savepointAgeSeconds).toBeGreaterThanOrEqual(60);
    // Older than HEAD, but nothing of the job changed since: no drift.
    expect(ko).toMatchObject({ commit: ordersDeployed, atHead: false, changedSince: [] });
    // The times as the operator wrote them (restore's scene above): the PERIODIC checkpoint it triggered
    // (CheckpointInfo#updateLastCheckpoint) and the newest savepoint of savepointInfo.
    const written = (await get(k, orders()))!.status!.jobStatus;
    expect(ko.lastCheckpoint).toEqual({
      time: new Date(written.checkpointInfo.lastCheckpoint.timeStamp).toISOString(),
      trigger: 'PERIODIC',
      source: 'status',
    });
    expect(ko.lastSavepoint).toEqual({
      time: new Date(written.savepointInfo.lastSavepoint.timeStamp).toISOString(),
      path: 'hdfs://test-nn/sp/savepoint-2',
      trigger: 'PERIODIC',
      source: 'status',
    });
    expect(ko.checkpointAgeSeconds).toBe(Math.round((now - written.checkpointInfo.lastCheckpoint.timeStamp) / 1000));

    const text = await status({ repo: fx.root, env: 'test', jobs: ['homeservice/daily-settlement'], now, ...target() });
    expect(text.stdout).toContain(`${deployed!.slice(0, 12)} (not HEAD, 1 file changed since)`);
    expect(text.stdout).toContain('homeservice/daily-settlement: not from Git (flinkops action): ');
  });
});
