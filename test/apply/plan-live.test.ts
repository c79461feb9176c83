// plan --live: the plan's objects dry-run against a real kube-apiserver (tools/kube).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply } from '../../actions/apply.js';
import { plan } from '../../actions/plan.js';
import type { KubeClient } from '../../lib/k8s/client.js';
import { startKubeForTests, type KubeCluster } from '../kube/harness.js';
import { GitFixture } from '../support/gitRepo.js';
import { admin, ensureNamespace, flinkPath, get, isolate } from './support.js';

let kube: KubeCluster | undefined;
let k: KubeClient;
let fx: GitFixture;
let sfx: string;
const systemNs = `flinkops-live-${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  kube = await startKubeForTests();
  if (!kube) return;
  process.env.FLINKOPS_NAMESPACE = systemNs;
  k = await admin(kube.kubeconfig);
  await ensureNamespace(k, systemNs);
  fx = new GitFixture();
  sfx = isolate(fx);
  fx.commit('isolated namespaces');
}, 20 * 60_000);

afterAll(async () => {
  fx?.dispose();
  if (!kube) return;
  k.close();
  await kube.stop();
}, 120_000);

describe('plan --live', () => {
  it('says what the cluster would do, and stores nothing', async (ctx) => {
    if (!kube) return ctx.skip();
    const target = { kubeconfig: kube.kubeconfig, context: 'flinkops-local' };
    const applied = await apply({
      repo: fx.root,
      env: 'test',
      jobs: ['datasync/paimon-compact-orders'],
      json: true,
      pollMs: 50,
      ...target,
    });
    expect(applied.exitCode, applied.stderr).toBe(0);
    fx.git('checkout', '-q', '-b', 'feature');
    fx.edit('jobs/datasync/paimon-compact-orders/job.yaml', 'parallelism: 2', 'parallelism: 3');
    fx.write(
      'jobs/datasync/new-sync/job.yaml',
      'type: jar\nupgradeMode: stateless\njar: { uri: "local:///opt/flink/usrlib/new.jar" }\n',
    );
    fx.write('jobs/datasync/new-sync/owners.yaml', 'owners: ["@zhang.wei"]\n');
    fx.commit('change one job, add one');
    const r = await plan({
      repo: fx.root,
      env: 'test',
      base: 'main',
      format: 'json',
      comment: false,
      classify: false,
      live: true,
      ...target,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout);
    const obj = (job: string, kind: string) =>
      p.jobs.find((j: { job: string }) => j.job === job).objects.find((o: { kind: string }) => o.kind === kind);
    expect(obj('datasync/paimon-compact-orders', 'FlinkDeployment').live.result).toBe('configured');
    expect(obj('datasync/paimon-compact-orders', 'FlinkDeployment').live.message).toContain('parallelism');
    expect(obj('datasync/new-sync', 'FlinkDeployment').live.result).toBe('created');
    // A dry run: the live object still has the old parallelism, the new job does not exist.
    const live = await get(k, flinkPath(`flink-datasync-${sfx}`, 'paimon-compact-orders'));
    expect((live as unknown as { spec: { job: { parallelism: number } } }).spec.job.parallelism).toBe(2);
    expect(await get(k, flinkPath(`flink-datasync-${sfx}`, 'new-sync'))).toBeUndefined();
  }, 300_000);
});
