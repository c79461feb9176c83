// flinkops apply, prune, --wait, diff and the lease against a real kube-apiserver (tools/kube); the
// tests play the Flink operator by writing the status subresource.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, type ApplyActionOptions } from '../../actions/apply.js';
import { diff } from '../../actions/diff.js';
import { applyObjects } from '../../lib/apply/applyObjects.js';
import { EnvLease } from '../../lib/apply/lease.js';
import type { KubeClient } from '../../lib/k8s/client.js';
import { renderEnv } from '../../lib/render/render.js';
import { loadRepo } from '../../lib/repo/load.js';
import type { KubeCluster } from '../kube/harness.js';
import { Fixture } from '../support/fixture.js';
import {
  closeCluster,
  editByHand,
  ensureNamespace,
  flinkPath,
  get,
  isolate,
  limitedKubeconfig,
  openCluster,
  setStatus,
} from './support.js';

let kube: KubeCluster | undefined;
let k: KubeClient;
let fx: Fixture;
let sfx: string;
const systemNs = `flinkops-it-${randomBytes(3).toString('hex')}`;
const work = mkdtempSync(path.join(tmpdir(), 'flinkops-apply-'));

beforeAll(async () => {
  const cluster = await openCluster(systemNs);
  if (!cluster) return;
  ({ kube, k } = cluster);
  process.env.FLINKOPS_RETRY_BASE_MS = '20';
  fx = new Fixture();
  sfx = isolate(fx);
}, 20 * 60_000);

afterAll(async () => {
  fx?.dispose();
  rmSync(work, { recursive: true, force: true });
  await closeCluster(kube, k);
}, 120_000);

function run(o: Partial<ApplyActionOptions> & { jobs?: string[] }) {
  return apply({
    repo: fx.root,
    env: 'test',
    jobs: [],
    json: true,
    kubeconfig: kube!.kubeconfig,
    context: 'flinkops-local',
    pollMs: 50,
    artifacts: path.join(work, 'artifacts'),
    ...o,
  });
}

type Row = { kind: string; namespace: string; name: string; result: string; message: string; savepoint?: string };
const rows = (stdout: string): Row[] => JSON.parse(stdout).results;
const find = (rs: Row[], kind: string, name: string) => rs.find((r) => r.kind === kind && r.name === name)!;

describe('apply against a real API server', () => {
  const ns = () => `flink-datasync-${sfx}`;

  it('creates, then changes nothing, then updates exactly what changed', async (ctx) => {
    if (!kube) return ctx.skip();
    const first = await run({ jobs: ['datasync/kafka-orders-to-paimon', 'datasync/paimon-compact-orders'] });
    expect(first.exitCode, first.stderr).toBe(0);
    const r1 = rows(first.stdout);
    expect(find(r1, 'Namespace', ns()).result).toBe('created');
    for (const r of r1.filter((x) => x.kind !== 'Namespace' && x.namespace === ns()))
      expect(r.result, `${r.kind} ${r.name}`).toBe('created');
    const live = await get(k, flinkPath(ns(), 'kafka-orders-to-paimon'));
    expect(live!.metadata.managedFields!.some((m) => m.manager === 'flinkops' && m.operation === 'Apply')).toBe(true);
    expect(live!.metadata.labels!['applyset.kubernetes.io/part-of']).toMatch(/^applyset-[A-Za-z0-9_-]{43}-v1$/);

    const second = await run({ jobs: ['datasync/kafka-orders-to-paimon', 'datasync/paimon-compact-orders'] });
    expect(second.exitCode).toBe(0);
    expect(rows(second.stdout).every((r) => r.result === 'unchanged')).toBe(true);
    expect((await get(k, flinkPath(ns(), 'kafka-orders-to-paimon')))!.metadata.resourceVersion).toBe(
      live!.metadata.resourceVersion,
    );

    fx.edit('jobs/datasync/kafka-orders-to-paimon/job.yaml', 'parallelism: 1', 'parallelism: 3');
    const third = await run({ jobs: ['datasync/kafka-orders-to-paimon'] });
    const r3 = rows(third.stdout);
    expect(find(r3, 'FlinkDeployment', 'kafka-orders-to-paimon')).toMatchObject({
      result: 'configured',
      message: 'changed: spec.job.parallelism',
    });
    expect(r3.filter((r) => r.result !== 'unchanged')).toHaveLength(1);
    expect((await get(k, flinkPath(ns(), 'kafka-orders-to-paimon')))!.spec!.job.parallelism).toBe(3);
  });

  it('--dry-run asks the server and stores nothing', async (ctx) => {
    if (!kube) return ctx.skip();
    fx.edit('jobs/datasync/kafka-orders-to-paimon/job.yaml', 'parallelism: 3', 'parallelism: 5');
    const r = await run({ jobs: ['datasync/kafka-orders-to-paimon'], dryRun: true });
    expect(find(rows(r.stdout), 'FlinkDeployment', 'kafka-orders-to-paimon')).toMatchObject({
      result: 'configured',
      message: 'changed: spec.job.parallelism; dry run',
    });
    expect((await get(k, flinkPath(ns(), 'kafka-orders-to-paimon')))!.spec!.job.parallelism).toBe(3);
    fx.edit('jobs/datasync/kafka-orders-to-paimon/job.yaml', 'parallelism: 5', 'parallelism: 3');
  });

  it('a field another manager changed is a conflict, reported with its owner; --force-conflicts takes it back', async (ctx) => {
    if (!kube) return ctx.skip();
    await editByHand(k, flinkPath(ns(), 'kafka-orders-to-paimon'), { spec: { job: { parallelism: 7 } } });
    const r = await run({ jobs: ['datasync/kafka-orders-to-paimon'] });
    expect(r.exitCode).toBe(1);
    const rs = rows(r.stdout);
    expect(find(rs, 'FlinkDeployment', 'kafka-orders-to-paimon')).toMatchObject({ result: 'failed' });
    expect(find(rs, 'FlinkDeployment', 'kafka-orders-to-paimon').message).toBe(
      'conflict: another field manager changed fields flinkops owns: .spec.job.parallelism (kubectl-edit); change them in Git, or apply with --force-conflicts to take them back',
    );
    // The Ingress of that job waits for its deployment.
    expect(find(rs, 'Ingress', 'kafka-orders-to-paimon')).toMatchObject({
      result: 'failed',
      message: `not applied: FlinkDeployment ${ns()}/kafka-orders-to-paimon failed before it`,
    });

    const d = await diff({
      repo: fx.root,
      env: 'test',
      exitCode: true,
      json: true,
      kubeconfig: kube!.kubeconfig,
      context: 'flinkops-local',
    });
    expect(d.exitCode).toBe(1);
    expect(JSON.parse(d.stdout).drift).toContainEqual({
      kind: 'FlinkDeployment',
      namespace: ns(),
      name: 'kafka-orders-to-paimon',
      drift: 'changed',
      message: 'changed: spec.job.parallelism',
    });

    const forced = await run({ jobs: ['datasync/kafka-orders-to-paimon'], force: true });
    expect(forced.exitCode).toBe(0);
    expect((await get(k, flinkPath(ns(), 'kafka-orders-to-paimon')))!.spec!.job.parallelism).toBe(3);
  });

  it('diff finds no drift when the cluster matches Git, and lists what is missing', async (ctx) => {
    if (!kube) return ctx.skip();
    const d = await diff({
      repo: fx.root,
      env: 'test',
      exitCode: true,
      json: true,
      kubeconfig: kube!.kubeconfig,
      context: 'flinkops-local',
    });
    const drift = JSON.parse(d.stdout).drift as { kind: string; namespace: string; name: string; drift: string }[];
    // Only what was never applied (the other teams) is missing; datasync's two jobs match.
    expect(
      drift.filter((x) => x.namespace === ns() && ['kafka-orders-to-paimon', 'paimon-compact-orders'].includes(x.name)),
    ).toEqual([]);
    expect(drift.some((x) => x.drift === 'missing' && x.name === 'rental-metrics-1m')).toBe(true);
    expect(d.exitCode).toBe(1);
  });

  it('an object the server refuses in the middle of a batch: the others apply, the report is exact', async (ctx) => {
    if (!kube) return ctx.skip();
    const { repo } = loadRepo(fx.root);
    const objects = renderEnv(repo, {
      env: 'test',
      kubernetesVersion: '1.37',
      jobs: repo.jobs.filter((j) => j.team === 'rental'),
    }).objects;
    const bad = objects.find((o) => o.kind === 'FlinkDeployment' && o.name === 'orders-enrich-house')!;
    (bad.object.spec as { job: { upgradeMode: string } }).job.upgradeMode = 'sometimes';
    const out = await applyObjects(k, { env: 'test', project: 'rent/flink-jobs', objects });
    const rs = out.results;
    expect(find(rs, 'FlinkDeployment', 'orders-enrich-house').result).toBe('failed');
    expect(find(rs, 'FlinkDeployment', 'orders-enrich-house').message).toMatch(
      /^invalid: .*spec\.job\.upgradeMode: Unsupported value: "sometimes"/,
    );
    expect(find(rs, 'Ingress', 'orders-enrich-house')).toMatchObject({ result: 'failed' });
    expect(find(rs, 'FlinkDeployment', 'rental-metrics-1m').result).toBe('created');
    expect(find(rs, 'ConfigMap', 'orders-enrich-house-sql').result).toBe('created');
    // What the report says is what the cluster has.
    for (const r of rs.filter((x) => x.kind === 'FlinkDeployment'))
      expect(Boolean(await get(k, flinkPath(r.namespace, r.name))), r.name).toBe(r.result === 'created');
  });

  it('a namespace the token may not write: those objects fail as forbidden, the rest is applied', async (ctx) => {
    if (!kube) return ctx.skip();
    const allowed = `flink-homeservice-${sfx}`;
    await ensureNamespace(k, allowed);
    const kubeconfig = await limitedKubeconfig(k, work, {
      server: kube.server,
      caPem: kube.caPem,
      systemNs,
      allowed: [allowed],
    });
    const r = await run({
      jobs: ['homeservice/workorder-sla', 'acquisition/listing-score'],
      kubeconfig,
      context: 'limited',
    });
    expect(r.exitCode).toBe(1);
    const rs = rows(r.stdout);
    expect(find(rs, 'FlinkDeployment', 'workorder-sla').result).toBe('created');
    const denied = find(rs, 'FlinkDeployment', 'listing-score');
    expect(denied.result).toBe('failed');
    expect(find(rs, 'ConfigMap', 'hadoop-config-test') ?? denied).toBeTruthy();
    expect(
      rs
        .filter(
          (x) => x.namespace === `flink-acquisition-${sfx}` && x.kind !== 'Ingress' && x.kind !== 'FlinkDeployment',
        )
        .every((x) => x.result === 'failed' && x.message.startsWith('forbidden: ')),
    ).toBe(true);
    expect(await get(k, flinkPath(`flink-acquisition-${sfx}`, 'listing-score'))).toBeUndefined();
  });
});

describe('apply --wait', () => {
  const ns = () => `flink-homeservice-${sfx}`;

  it('is healthy once the operator reports STABLE and RUNNING for this generation', async (ctx) => {
    if (!kube) return ctx.skip();
    fx.edit('jobs/homeservice/workorder-sla/job.yaml', '\nparallelism: 1', '\nparallelism: 3');
    const p = flinkPath(ns(), 'workorder-sla');
    const operator = (async () => {
      for (let i = 0; i < 200; i++) {
        const o = await get(k, p);
        if (o?.spec?.job?.parallelism === 3)
          return setStatus(k, p, { lifecycleState: 'STABLE', jobStatus: { state: 'RUNNING' } });
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const r = await run({ jobs: ['homeservice/workorder-sla'], wait: true, timeoutSeconds: 20 });
    await operator;
    expect(r.exitCode, r.stdout).toBe(0);
    expect(JSON.parse(r.stdout).health).toEqual([
      {
        kind: 'FlinkDeployment',
        namespace: ns(),
        name: 'workorder-sla',
        health: 'healthy',
        message: 'lifecycleState STABLE, job RUNNING',
      },
    ]);
  });

  it('fails on FAILED with the error, and archives status and events', async (ctx) => {
    if (!kube) return ctx.skip();
    fx.edit('jobs/homeservice/workorder-sla/job.yaml', '\nparallelism: 3', '\nparallelism: 4');
    const p = flinkPath(ns(), 'workorder-sla');
    await k.request('POST', `/api/v1/namespaces/${ns()}/events`, {
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `workorder-sla.${Date.now()}`, namespace: ns() },
        involvedObject: { kind: 'FlinkDeployment', name: 'workorder-sla', namespace: ns() },
        reason: 'JobException',
        message: 'Could not find any factory for identifier kafka',
        type: 'Warning',
        lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    });
    const operator = (async () => {
      for (let i = 0; i < 200; i++) {
        const o = await get(k, p);
        if (o?.spec?.job?.parallelism === 4)
          return setStatus(k, p, {
            lifecycleState: 'FAILED',
            error: JSON.stringify({
              message:
                'org.apache.flink.table.api.ValidationException: Could not find any factory for identifier kafka',
            }),
            jobStatus: { state: 'FAILED' },
          });
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const r = await run({ jobs: ['homeservice/workorder-sla'], wait: true, timeoutSeconds: 20 });
    await operator;
    expect(r.exitCode).toBe(1);
    const h = JSON.parse(r.stdout).health[0];
    expect(h.health).toBe('failed');
    expect(h.message).toContain(
      'lifecycleState FAILED, job FAILED: org.apache.flink.table.api.ValidationException: Could not find any factory for identifier kafka',
    );
    expect(readFileSync(path.join(h.artifacts, 'events.txt'), 'utf8')).toContain(
      'JobException  Could not find any factory for identifier kafka',
    );
    expect(readFileSync(path.join(h.artifacts, 'status.yaml'), 'utf8')).toContain('lifecycleState: FAILED');
    expect(readFileSync(path.join(h.artifacts, 'NOTES.txt'), 'utf8')).toContain('no JobManager pod exists');
  });

  it('times out when the operator never catches up, with the last status', async (ctx) => {
    if (!kube) return ctx.skip();
    fx.edit('jobs/homeservice/workorder-sla/job.yaml', '\nparallelism: 4', '\nparallelism: 5');
    const r = await run({ jobs: ['homeservice/workorder-sla'], wait: true, timeoutSeconds: 1 });
    expect(r.exitCode).toBe(1);
    const h = JSON.parse(r.stdout).health[0];
    expect(h.health).toBe('timeout');
    expect(h.message).toMatch(/^not healthy after 1 s: the operator has not seen generation \d+ yet \(observed \d+\)/);
    expect(existsSync(path.join(h.artifacts, 'status.yaml'))).toBe(true);
  });

  it('a job suspended in Git is reported as suspended, not as a failure', async (ctx) => {
    if (!kube) return ctx.skip();
    fx.edit('jobs/homeservice/workorder-sla/job.yaml', '\nparallelism: 5', '\nparallelism: 2\nstate: suspended');
    const p = flinkPath(ns(), 'workorder-sla');
    const operator = (async () => {
      for (let i = 0; i < 200; i++) {
        const o = await get(k, p);
        if (o?.spec?.job?.state === 'suspended')
          return setStatus(k, p, { lifecycleState: 'SUSPENDED', error: null, jobStatus: { state: 'FINISHED' } });
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const r = await run({ jobs: ['homeservice/workorder-sla'], wait: true, timeoutSeconds: 20 });
    await operator;
    expect(r.exitCode, r.stdout).toBe(0);
    expect(JSON.parse(r.stdout).health[0]).toMatchObject({ health: 'suspended' });
  });
});

describe('prune and the lease', () => {
  it('deletes only the removed job, after suspending it with a savepoint, and reports the path', async (ctx) => {
    if (!kube) return ctx.skip();
    const ns = `flink-rental-${sfx}`;
    // The earlier test left rental-metrics-1m (last-state: stateful) applied; run it.
    const p = flinkPath(ns, 'rental-metrics-1m');
    await setStatus(k, p, { lifecycleState: 'STABLE', jobStatus: { state: 'RUNNING' } });
    fx.remove('jobs/rental/rental-metrics-1m');
    const savepoint = `hdfs://test-nn/flink/savepoints/rental/rental-metrics-1m/savepoint-${sfx}`;
    const operator = (async () => {
      for (let i = 0; i < 400; i++) {
        const o = await get(k, p);
        if (o?.spec?.job?.state === 'suspended')
          return setStatus(k, p, {
            lifecycleState: 'SUSPENDED',
            jobStatus: { state: 'FINISHED', upgradeSavepointPath: savepoint },
          });
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const r = await run({ jobs: ['rental/orders-enrich-house'], prune: true, timeoutSeconds: 20 });
    await operator;
    const rs = rows(r.stdout);
    const deleted = rs.filter((x) => x.result === 'deleted');
    expect(deleted.map((x) => `${x.kind}/${x.name}`).sort()).toEqual([
      'ConfigMap/rental-metrics-1m-sql',
      'FlinkDeployment/rental-metrics-1m',
      'Ingress/rental-metrics-1m',
    ]);
    expect(find(rs, 'FlinkDeployment', 'rental-metrics-1m')).toMatchObject({
      savepoint,
      message: `job folder jobs/rental/rental-metrics-1m was removed; state saved in ${savepoint}`,
    });
    expect(await get(k, p)).toBeUndefined();
    // The other rental job and the shared Hadoop ConfigMap stay.
    expect(await get(k, flinkPath(ns, 'orders-enrich-house'))).toBeDefined();
    expect(await get(k, `/api/v1/namespaces/${ns}/configmaps/hadoop-config-test`)).toBeDefined();
  });

  it('a second apply waits for the environment lease and gives up naming the holder', async (ctx) => {
    if (!kube) return ctx.skip();
    const other = new EnvLease(k, {
      namespace: systemNs,
      name: 'flinkops-apply-test',
      holder: 'https://gitlab.example/jobs/41',
      durationSeconds: 60,
    });
    await other.acquire();
    try {
      const r = await run({ jobs: ['datasync/kafka-orders-to-paimon'], timeoutSeconds: 1 });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(
        `another run holds the lease ${systemNs}/flinkops-apply-test: https://gitlab.example/jobs/41`,
      );
    } finally {
      await other.release();
    }
    expect((await run({ jobs: ['datasync/kafka-orders-to-paimon'] })).exitCode).toBe(0);
  });
});
