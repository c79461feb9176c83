// apply --prune against a real API server: exactly-once safe on retry, refuses on a broken or
// emptied repository, one ApplySet per repository, and a namespace move deletes what it replaced.
// The tests play the Flink operator: on suspension with upgradeMode savepoint it writes
// status.jobStatus.upgradeSavepointPath (flink-kubernetes-operator,
// flink-kubernetes-operator/src/main/java/org/apache/flink/kubernetes/operator/reconciler/deployment/
// AbstractJobReconciler.java#setUpgradeSavepointPath) and lifecycleState SUSPENDED
// (flink-kubernetes-operator-api/.../api/status/JobStatus.java, ResourceLifecycleState.java).
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, type ApplyActionOptions } from '../../actions/apply.js';
import { diff } from '../../actions/diff.js';
import type { KubeClient } from '../../lib/k8s/client.js';
import type { KubeCluster } from '../kube/harness.js';
import { Fixture } from '../support/fixture.js';
import { closeCluster, flinkPath, get, isolate, openCluster, setStatus } from './support.js';

let kube: KubeCluster | undefined;
let k: KubeClient;
let fx: Fixture;
let sfx: string;
const systemNs = `flinkops-prune-${randomBytes(3).toString('hex')}`;
const work = mkdtempSync(path.join(tmpdir(), 'flinkops-prune-'));

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

function run(o: Partial<ApplyActionOptions> & { jobs?: string[] }, root = fx.root) {
  return apply({
    repo: root,
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

type Row = { kind: string; name: string; namespace: string; result: string; message: string; savepoint?: string };
const rows = (stdout: string): Row[] => JSON.parse(stdout).results;
const find = (rs: Row[], kind: string, name: string, namespace?: string) =>
  rs.find((r) => r.kind === kind && r.name === name && (!namespace || r.namespace === namespace))!;

/** Plays the operator once the object asks to be suspended: SUSPENDED, with `upgradeSavepointPath` as given. */
function operatorSuspends(p: string, upgradeSavepointPath: string): Promise<void> {
  return (async () => {
    for (let i = 0; i < 400; i++) {
      const o = await get(k, p);
      if (o?.spec?.job?.state === 'suspended')
        return setStatus(k, p, { lifecycleState: 'SUSPENDED', jobStatus: { state: 'FINISHED', upgradeSavepointPath } });
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
}

describe('prune is exactly-once safe', () => {
  it('a retry after a time-out never deletes a stateful job without a savepoint newer than its request', async (ctx) => {
    if (!kube) return ctx.skip();
    const ns = `flink-rental-${sfx}`;
    const first = await run({ jobs: ['rental/rental-metrics-1m', 'rental/orders-enrich-house'] });
    expect(first.exitCode, first.stderr).toBe(0);
    const p = flinkPath(ns, 'rental-metrics-1m');
    // Running, with a savepoint from an earlier upgrade: it is not the state of today.
    const stale = `hdfs://test-nn/flink/savepoints/rental/rental-metrics-1m/savepoint-old-${sfx}`;
    await setStatus(k, p, {
      lifecycleState: 'STABLE',
      jobStatus: {
        state: 'RUNNING',
        upgradeSavepointPath: stale,
        savepointInfo: { lastSavepoint: { location: stale, timeStamp: 1, triggerType: 'UPGRADE' } },
      },
    });
    fx.remove('jobs/rental/rental-metrics-1m');

    // 1. The operator takes no savepoint in time: nothing deleted, and the output says the job is left suspended.
    const r1 = await run({ jobs: ['rental/orders-enrich-house'], prune: true, timeoutSeconds: 1 });
    expect(r1.exitCode).toBe(1);
    const row1 = find(rows(r1.stdout), 'FlinkDeployment', 'rental-metrics-1m');
    expect(row1).toMatchObject({ result: 'failed', state: expect.stringMatching(/^suspended \(prune asked/) });
    expect(row1.message).toMatch(/^not deleted: no savepoint after waiting 1 s .*; left suspended/);
    const live1 = (await get(k, p))!;
    expect(live1.spec!.job.state).toBe('suspended');
    expect(live1.metadata.annotations!['flinkops.io/prune-suspend-requested-at']).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(live1.metadata.annotations!['flinkops.io/prune-savepoint-before']).toBe(stale);
    expect(live1.metadata.annotations!['flinkops.io/prune-upgrade-mode-before']).toBe('last-state');

    // 2. The retried pipeline: the operator says SUSPENDED but reports only the old savepoint — still not deleted.
    await setStatus(k, p, {
      lifecycleState: 'SUSPENDED',
      jobStatus: { state: 'FINISHED', upgradeSavepointPath: stale },
    });
    const r2 = await run({ jobs: ['rental/orders-enrich-house'], prune: true, timeoutSeconds: 1 });
    expect(r2.exitCode).toBe(1);
    expect(find(rows(r2.stdout), 'FlinkDeployment', 'rental-metrics-1m').result).toBe('failed');
    expect(find(rows(r2.stdout), 'ConfigMap', 'rental-metrics-1m-sql').result).toBe('failed');
    expect(await get(k, p)).toBeDefined();

    // 3. The savepoint completes: the next retry deletes the job and names it.
    const fresh = `hdfs://test-nn/flink/savepoints/rental/rental-metrics-1m/savepoint-new-${sfx}`;
    await setStatus(k, p, {
      lifecycleState: 'SUSPENDED',
      jobStatus: { state: 'FINISHED', upgradeSavepointPath: fresh },
    });
    const r3 = await run({ jobs: ['rental/orders-enrich-house'], prune: true, timeoutSeconds: 5 });
    expect(r3.exitCode, r3.stdout).toBe(0);
    expect(find(rows(r3.stdout), 'FlinkDeployment', 'rental-metrics-1m')).toMatchObject({
      result: 'deleted',
      savepoint: fresh,
      message: `job folder jobs/rental/rental-metrics-1m was removed; state saved in ${fresh}`,
    });
    expect(await get(k, p)).toBeUndefined();
  });

  it('refuses when the repository does not validate (no jobs/ folder): nothing is deleted', async (ctx) => {
    if (!kube) return ctx.skip();
    const jobs = path.join(fx.root, 'jobs');
    renameSync(jobs, `${jobs}.away`);
    try {
      const r = await run({ prune: true });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain('repo/layout');
      expect(r.stderr).toContain('flinkops apply: nothing applied — prune needs a repository that validates');
    } finally {
      renameSync(`${jobs}.away`, jobs);
    }
    expect(await get(k, flinkPath(`flink-rental-${sfx}`, 'orders-enrich-house'))).toBeDefined();
  });

  it('refuses to delete more than prune.maxShare of the jobs without --allow-mass-prune; allowStateLoss gives state up', async (ctx) => {
    if (!kube) return ctx.skip();
    const ns = `flink-datasync-${sfx}`;
    const datasync = [
      'datasync/kafka-orders-to-paimon',
      'datasync/mysql-contracts-to-paimon',
      'datasync/paimon-compact-orders',
      'datasync/mongo-tickets-to-clickhouse',
    ];
    expect((await run({ jobs: datasync })).exitCode).toBe(0);
    for (const j of datasync.slice(0, 3)) fx.remove(`jobs/${j}`);
    // 3 of the 5 deployed jobs (these four and rental/orders-enrich-house): more than half.
    const refused = await run({ jobs: ['datasync/mongo-tickets-to-clickhouse'], prune: true });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('refused (apply/mass-prune): prune would delete 3 of the 5 jobs deployed in test');
    expect(refused.stderr).toContain('--allow-mass-prune');
    expect(await get(k, flinkPath(ns, 'kafka-orders-to-paimon'))).toBeDefined();

    fx.edit(
      'platform/envs/test.yaml',
      'approval:',
      'prune:\n  allowStateLoss: [datasync/kafka-orders-to-paimon, datasync/mysql-contracts-to-paimon]\napproval:',
    );
    const r = await run({ jobs: ['datasync/mongo-tickets-to-clickhouse'], prune: true, allowMassPrune: true });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(find(rows(r.stdout), 'FlinkDeployment', 'kafka-orders-to-paimon').message).toBe(
      'job folder jobs/datasync/kafka-orders-to-paimon was removed; state given up: prune.allowStateLoss lists the job',
    );
    for (const name of ['kafka-orders-to-paimon', 'mysql-contracts-to-paimon', 'paimon-compact-orders'])
      expect(await get(k, flinkPath(ns, name)), name).toBeUndefined();
  });
});

describe('one ApplySet per repository', () => {
  it('another repository using the same environment never prunes these jobs; a pipeline of another project is refused', async (ctx) => {
    if (!kube) return ctx.skip();
    const other = new Fixture();
    try {
      rmSync(path.join(other.root, 'jobs'), { recursive: true });
      rmSync(path.join(other.root, 'platform'), { recursive: true });
      cpSync(path.join(fx.root, 'jobs'), path.join(other.root, 'jobs'), { recursive: true });
      cpSync(path.join(fx.root, 'platform'), path.join(other.root, 'platform'), { recursive: true });
      other.edit('platform/owners.yaml', 'repository: rent/flink-jobs', 'repository: rent/other-jobs');
      // The other repository deploys one job of its own and nothing else.
      cpSync(
        path.join(other.root, 'jobs/homeservice/daily-settlement'),
        path.join(other.root, 'jobs/homeservice/other-settlement'),
        { recursive: true },
      );
      for (const j of ['homeservice/daily-settlement', 'homeservice/workorder-sla', 'rental/orders-enrich-house'])
        other.remove(`jobs/${j}`);
      other.remove('jobs/datasync');
      other.remove('jobs/acquisition');
      other.remove('jobs/rental');
      const r = await run({ prune: true, allowMassPrune: true }, other.root);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(rows(r.stdout).filter((x) => x.result === 'deleted')).toEqual([]);
      expect(await get(k, flinkPath(`flink-rental-${sfx}`, 'orders-enrich-house'))).toBeDefined();
      expect(await get(k, flinkPath(`flink-datasync-${sfx}`, 'mongo-tickets-to-clickhouse'))).toBeDefined();

      process.env.CI_PROJECT_PATH = 'rent/flink-jobs';
      const fork = await run({ prune: true }, other.root);
      expect(fork.exitCode).toBe(1);
      expect(fork.stderr).toContain(
        'this pipeline runs in rent/flink-jobs, but platform/owners.yaml says the jobs belong to rent/other-jobs  apply/repository',
      );
    } finally {
      delete process.env.CI_PROJECT_PATH;
      other.dispose();
    }
  });
});

describe('a namespace move', () => {
  it('diff reports the old objects, and apply --prune deletes them after a savepoint', async (ctx) => {
    if (!kube) return ctx.skip();
    const oldNs = `flink-homeservice-${sfx}`;
    const newNs = `flink-homeservice-moved-${sfx}`;
    expect((await run({ jobs: ['homeservice/workorder-sla'] })).exitCode).toBe(0);
    const oldP = flinkPath(oldNs, 'workorder-sla');
    await setStatus(k, oldP, { lifecycleState: 'STABLE', jobStatus: { state: 'RUNNING' } });
    fx.edit('jobs/homeservice/team.yaml', `namespace: ${oldNs}`, `namespace: ${newNs}`);

    const d = await diff({
      repo: fx.root,
      env: 'test',
      json: true,
      kubeconfig: kube.kubeconfig,
      context: 'flinkops-local',
    });
    const drift = JSON.parse(d.stdout).drift as { kind: string; namespace: string; name: string; drift: string }[];
    expect(drift).toContainEqual(
      expect.objectContaining({ kind: 'FlinkDeployment', namespace: oldNs, name: 'workorder-sla', drift: 'extra' }),
    );
    expect(drift).toContainEqual(
      expect.objectContaining({ kind: 'FlinkDeployment', namespace: newNs, name: 'workorder-sla', drift: 'missing' }),
    );

    const savepoint = `hdfs://test-nn/flink/savepoints/homeservice/workorder-sla/savepoint-move-${sfx}`;
    const operator = operatorSuspends(oldP, savepoint);
    const r = await run({ jobs: ['homeservice/workorder-sla'], prune: true, timeoutSeconds: 20 });
    await operator;
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const rs = rows(r.stdout);
    expect(find(rs, 'FlinkDeployment', 'workorder-sla', newNs).result).toBe('created');
    expect(find(rs, 'FlinkDeployment', 'workorder-sla', oldNs)).toMatchObject({
      result: 'deleted',
      savepoint,
      message: expect.stringMatching(/^replaced: jobs\/homeservice\/workorder-sla no longer deploys it here/),
    });
    expect(await get(k, oldP)).toBeUndefined();
    expect(await get(k, flinkPath(newNs, 'workorder-sla'))).toBeDefined();
  });
});
