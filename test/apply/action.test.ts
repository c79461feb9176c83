// flinkops action against a real API server: authorisation by owners.yaml, its own field manager,
// the outcome read from the status the test writes as the operator, the signed callback.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction, type RunActionOptions } from '../../actions/action.js';
import { apply } from '../../actions/apply.js';
import type { KubeClient } from '../../lib/k8s/client.js';
import type { KubeCluster } from '../kube/harness.js';
import { Fixture } from '../support/fixture.js';
import { applyJob, closeCluster, flinkPath, get, isolate, openCluster, setStatus } from './support.js';

let kube: KubeCluster | undefined;
let k: KubeClient;
let fx: Fixture;
let ns: string;
let hook: Server;
let hookUrl = '';
const received: { body: string; signature: string; valid: boolean }[] = [];
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
const owner = { CI: 'true', CI_PIPELINE_SOURCE: 'web', GITLAB_USER_LOGIN: 'liu.yang', FLINKOPS_NAMESPACE: systemNs };

beforeAll(async () => {
  const cluster = await openCluster(systemNs);
  if (!cluster) return;
  ({ kube, k } = cluster);
  fx = new Fixture();
  ns = `flink-homeservice-${isolate(fx)}`;
  await applyJob(fx, kube, 'homeservice/daily-settlement');
  hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signature = String(req.headers['x-flinkops-signature-256'] ?? '');
      const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      const valid =
        signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
      received.push({ body, signature, valid });
      res.writeHead(valid ? 204 : 401).end();
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

const p = () => flinkPath(ns, 'daily-settlement');
function act(action: string, penv: NodeJS.ProcessEnv, extra: Partial<RunActionOptions> = {}) {
  return runAction({
    repo: fx.root,
    action,
    job: 'homeservice/daily-settlement',
    env: 'test',
    kubeconfig: kube!.kubeconfig,
    context: 'flinkops-local',
    processEnv: penv,
    pollMs: 25,
    timeoutSeconds: 10,
    ...extra,
  });
}

/** Plays the operator once the live object satisfies `when`. */
function operator(when: (o: any) => boolean, status: (o: any) => Record<string, unknown>): Promise<void> {
  return (async () => {
    for (let i = 0; i < 400; i++) {
      const o = await get(k, p());
      if (o && when(o)) return setStatus(k, p(), status(o));
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
}

describe('flinkops action', () => {
  it('a scheduler stops the job as owners.yaml allows; the field is its own, and the next apply keeps it', async (ctx) => {
    if (!kube) return ctx.skip();
    await setStatus(k, p(), { lifecycleState: 'STABLE', jobStatus: { state: 'RUNNING' } });
    const r = await act('stop', scheduler, { callback: hookUrl, json: true });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      job: 'homeservice/daily-settlement',
      env: 'test',
      action: 'stop',
      result: 'succeeded',
      triggeredBy: 'scheduler:dolphinscheduler as user:dolphin-bot',
      state: 'suspended',
    });
    const live = await get(k, p());
    expect(live!.spec!.job.state).toBe('suspended');
    const mine = live!.metadata.managedFields!.find((m) => m.manager === 'flinkops-action')!;
    expect(mine.fieldsV1).toEqual({ 'f:spec': { 'f:job': { 'f:state': {} } } });
    expect(received.at(-1)).toMatchObject({ valid: true });
    expect(JSON.parse(received.at(-1)!.body)).toMatchObject({ action: 'stop', result: 'succeeded' });

    const again = await apply({
      repo: fx.root,
      env: 'test',
      jobs: ['homeservice/daily-settlement'],
      kubeconfig: kube.kubeconfig,
      context: 'flinkops-local',
      json: true,
    });
    expect(again.exitCode).toBe(0);
    const fd = JSON.parse(again.stdout).results.find((x: any) => x.kind === 'FlinkDeployment');
    // daily-settlement says `lifecycle: scheduler`: the scheduler's state stays, and apply says so.
    expect(fd.message).toContain('spec.job.state stays "suspended" (lifecycle: scheduler — a scheduler drives it)');
    expect((await get(k, p()))!.spec!.job.state).toBe('suspended');
  });

  it('refuses what owners.yaml does not grant, and says so in the callback', async (ctx) => {
    if (!kube) return ctx.skip();
    const r = await act('savepoint', scheduler, { callback: hookUrl });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      'refused: scheduler:dolphinscheduler as user:dolphin-bot may not savepoint homeservice/daily-settlement in test: owners.yaml lets scheduler:dolphinscheduler only run/start/stop in test, prod',
    );
    expect(JSON.parse(received.at(-1)!.body)).toMatchObject({
      action: 'savepoint',
      result: 'failed',
      message: 'refused: owners.yaml lets scheduler:dolphinscheduler only run/start/stop in test, prod',
    });
  });

  it('nobody is impersonated: a claim names no user, no group and no other scheduler', async (ctx) => {
    if (!kube) return ctx.skip();
    const live = async () => (await get(k, p()))!.metadata.resourceVersion;
    const before = await live();
    // A user who may start API pipelines claims to be an owner, or the owners' group.
    const api = { CI: 'true', CI_PIPELINE_SOURCE: 'api', GITLAB_USER_LOGIN: 'mallory', FLINKOPS_NAMESPACE: systemNs };
    for (const claim of ['user:liu.yang', 'group:rent/homeservice-engineers', 'user:rent/homeservice-engineers']) {
      const r = await act('stop', { ...api, FLINKOPS_TRIGGERED_BY: claim });
      expect(r.exitCode, claim).toBe(1);
      expect(r.stderr).toContain(
        `refused: user:mallory (FLINKOPS_TRIGGERED_BY=${claim} ignored: identity comes from the pipeline user and platform/owners.yaml schedulers) may not stop`,
      );
    }
    // Another scheduler's token (its owner mapped to airflow in the sample platform/owners.yaml) claims
    // dolphinscheduler's name.
    const other = await act('stop', { ...scheduler, GITLAB_USER_LOGIN: 'airflow-bot' });
    expect(other.exitCode).toBe(1);
    expect(other.stderr).toContain(
      'refused: scheduler:airflow as user:airflow-bot (FLINKOPS_TRIGGERED_BY=scheduler:dolphinscheduler ignored: identity comes from the pipeline user) may not stop',
    );
    expect(await live()).toBe(before);
  });

  it('an owner starts it from a savepoint, allowing non-restored state, and waits for RUNNING', async (ctx) => {
    if (!kube) return ctx.skip();
    const op = operator(
      (o) => o.spec.job.state === 'running',
      () => ({ lifecycleState: 'STABLE', jobStatus: { state: 'RUNNING' } }),
    );
    const r = await act('start', owner, {
      savepoint: 'hdfs://test-nn/sp/savepoint-42',
      allowNonRestoredState: true,
      wait: true,
    });
    await op;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'flinkops action start homeservice/daily-settlement --env test: done — lifecycleState STABLE, job RUNNING\n  by user:liu.yang (user:liu.yang owns the job)',
    );
    const job = (await get(k, p()))!.spec!.job;
    expect(job).toMatchObject({
      state: 'running',
      initialSavepointPath: 'hdfs://test-nn/sp/savepoint-42',
      allowNonRestoredState: true,
    });
  });

  it('savepoint reports the path of the savepoint it triggered, and keeps the job running', async (ctx) => {
    if (!kube) return ctx.skip();
    const op = operator(
      (o) => typeof o.spec.job.savepointTriggerNonce === 'number',
      (o) => ({
        jobStatus: {
          state: 'RUNNING',
          savepointInfo: {
            lastSavepoint: {
              location: 'hdfs://test-nn/sp/savepoint-43',
              triggerNonce: o.spec.job.savepointTriggerNonce,
              triggerType: 'MANUAL',
              timeStamp: Date.now(),
            },
          },
        },
      }),
    );
    const r = await act('savepoint', owner, { json: true });
    await op;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ result: 'succeeded', savepoint: 'hdfs://test-nn/sp/savepoint-43' });
    expect((await get(k, p()))!.spec!.job.state).toBe('running');
  });

  it('suspend waits for the operator and reports where the state went; restart sets a new restartNonce', async (ctx) => {
    if (!kube) return ctx.skip();
    const op = operator(
      (o) => o.spec.job.state === 'suspended',
      () => ({
        lifecycleState: 'SUSPENDED',
        jobStatus: { state: 'FINISHED', upgradeSavepointPath: 'hdfs://test-nn/sp/savepoint-44' },
      }),
    );
    const r = await act('suspend', owner, { json: true });
    await op;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      result: 'succeeded',
      savepoint: 'hdfs://test-nn/sp/savepoint-44',
      state: 'SUSPENDED',
      message: 'suspended; resume from hdfs://test-nn/sp/savepoint-44',
    });

    const restart = await act('restart', owner);
    expect(restart.exitCode).toBe(0);
    expect(typeof (await get(k, p()))!.spec!.restartNonce).toBe('number');
    // The fields restart did not touch stay as the earlier actions left them.
    expect((await get(k, p()))!.spec!.job.state).toBe('suspended');
  });

  it('a timeout fails the action with the last status', async (ctx) => {
    if (!kube) return ctx.skip();
    const r = await act('savepoint', owner, { timeoutSeconds: 1 });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/FAILED — timed out after 1 s waiting for the savepoint/);
  });
});
