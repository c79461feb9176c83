// Rollout waves (platform/rollout.yaml) against a real API server. The test plays the Flink Kubernetes
// Operator (release 1.15) and writes the status as it does: once it reconciled a new generation,
// observedGeneration catches up and lifecycleState follows CommonStatus#getLifecycleState
// (flink-kubernetes-operator-api/.../api/status/CommonStatus.java): STABLE for a stable reconciled
// spec with jobStatus.state RUNNING, SUSPENDED when the reconciled spec is suspended, FAILED when the
// job (org.apache.flink.api.common.JobStatus) FAILED — with `error` set. A session cluster reports its
// JobManager READY (JobManagerDeploymentStatus). Apply must send a wave only after every changed job
// of the wave before it is healthy, and stop on an unhealthy one.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply } from '../../actions/apply.js';
import type { KubeClient } from '../../lib/k8s/client.js';
import type { KubeObject } from '../../lib/k8s/objects.js';
import { loadRepo } from '../../lib/repo/load.js';
import { check } from '../../lib/rules/index.js';
import { startKubeForTests, type KubeCluster } from '../kube/harness.js';
import { Fixture } from '../support/fixture.js';
import { admin, ensureNamespace, FLINK, isolate } from './support.js';

let kube: KubeCluster | undefined;
let k: KubeClient;
let fx: Fixture;
let sfx: string;
const systemNs = `flinkops-it-${randomBytes(3).toString('hex')}`;

const ROLLOUT = `# yaml-language-server: $schema=../schemas/rollout.schema.json
envs: [test]
waves:
  - name: canary
    jobs: [rental/rental-metrics-1m]
  - name: sync
    teams: [datasync]
remaining: team-by-team
`;

/** The operator, played: every reconciled generation of a Flink object, in the order it was seen. */
interface Seen {
  job: string;
  generation: number;
  /** Index of the status write that reported it healthy or failed. */
  reported: number;
  /** How many status writes had happened when this generation was first seen. */
  seenAt: number;
}
const seen: Seen[] = [];
let writes = 0;
let failing = new Set<string>();
let operating = true;

async function operate(): Promise<void> {
  while (operating) {
    await step().catch(() => undefined); // an object deleted while read: the next round sees the truth
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * One round of the operator: every object with a generation it has not reconciled is seen first (all
 * with the same `seenAt`), then reported one by one after a moment of reconciling. An apply that sent
 * the next wave without waiting would have its objects seen in the same round as the wave before.
 */
async function step(): Promise<void> {
  const pending: { o: KubeObject; plural: string; entry: Seen }[] = [];
  const seenAt = writes;
  for (const plural of ['flinkdeployments', 'flinksessionjobs']) {
    const list = await k.request<{ items: KubeObject[] }>('GET', `/apis/${FLINK}/${plural}`);
    for (const o of list.body.items) {
      if (!o.metadata.namespace?.endsWith(sfx)) continue;
      const generation = o.metadata.generation ?? 0;
      if ((o.status?.observedGeneration ?? 0) >= generation) continue;
      const job = o.metadata.annotations?.['flinkops.io/job-folder']?.replace(/^jobs\//, '') ?? o.metadata.name;
      pending.push({ o, plural, entry: { job, generation, reported: -1, seenAt } });
    }
  }
  for (const { o, plural, entry } of pending) {
    const status = !o.spec?.job
      ? { lifecycleState: 'STABLE', jobManagerDeploymentStatus: 'READY' }
      : o.spec.job.state === 'suspended'
        ? { lifecycleState: 'SUSPENDED', jobStatus: { state: 'FINISHED' } }
        : failing.has(entry.job)
          ? {
              lifecycleState: 'FAILED',
              jobStatus: { state: 'FAILED' },
              error: '{"message":"org.apache.flink.runtime.JobException: Recovery is suppressed"}',
            }
          : { lifecycleState: 'STABLE', jobStatus: { state: 'RUNNING' }, error: null };
    await new Promise((r) => setTimeout(r, 40));
    await k.request('PATCH', `/apis/${FLINK}/namespaces/${o.metadata.namespace}/${plural}/${o.metadata.name}/status`, {
      body: { status: { observedGeneration: entry.generation, ...status } },
      contentType: 'application/merge-patch+json',
    });
    entry.reported = writes++;
    seen.push(entry);
  }
}

const run = (json = true) =>
  apply({
    repo: fx.root,
    env: 'test',
    jobs: [],
    kubeconfig: kube!.kubeconfig,
    context: 'flinkops-local',
    wait: true,
    timeoutSeconds: 20,
    pollMs: 25,
    artifacts: path.join(fx.root, '.artifacts'),
    json,
  });

let operator: Promise<void> | undefined;
beforeAll(async () => {
  kube = await startKubeForTests();
  if (!kube) return;
  process.env.FLINKOPS_NAMESPACE = systemNs;
  k = await admin(kube.kubeconfig);
  await ensureNamespace(k, systemNs);
  fx = new Fixture();
  sfx = isolate(fx);
  operator = operate();
  // Everything deployed and healthy before the platform change (no rollout file yet).
  const first = await run();
  if (first.exitCode !== 0) throw new Error(first.stdout + first.stderr);
}, 20 * 60_000);

afterAll(async () => {
  operating = false;
  await operator;
  fx?.dispose();
  if (!kube) return;
  k.close();
  await kube.stop();
}, 120_000);

describe('rollout waves', () => {
  it('a platform change reaches the canary, then datasync, then team by team, each wave healthy first', async (ctx) => {
    if (!kube) return ctx.skip();
    fx.write('platform/rollout.yaml', ROLLOUT);
    fx.edit(
      'platform/flink-conf.yaml',
      'execution.checkpointing.interval: 60s',
      'execution.checkpointing.interval: 30s',
    );
    const since = seen.length;
    const r = await run();
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const waves = out.rollout.waves as { name: string; jobs: string[]; result: string }[];
    expect(waves.map((w) => w.name)).toEqual(['canary', 'sync', 'acquisition', 'homeservice', 'rental']);
    expect(waves[0]!.jobs).toEqual(['rental/rental-metrics-1m']);
    expect(waves[1]!.jobs.every((j) => j.startsWith('datasync/'))).toBe(true);
    expect(waves[4]!.jobs).toEqual(['rental/orders-enrich-house']);
    // datasync's jobs set their own checkpoint interval (jobs/datasync/team.yaml): the change does not reach them.
    expect(waves.map((w) => w.result)).toEqual(['healthy', 'unchanged', 'healthy', 'healthy', 'healthy']);

    // Each wave's new generations reached the cluster only after the operator reported every job of
    // the wave before it: the first sighting of a wave comes after the last report of the one before.
    const changed = seen.slice(since);
    const waveOf = (job: string) => waves.findIndex((w) => w.jobs.includes(job));
    for (let i = 1; i < waves.length; i++) {
      const before = changed.filter((s) => waveOf(s.job) === i - 1);
      const now = changed.filter((s) => waveOf(s.job) === i);
      if (!before.length || !now.length) continue;
      const lastReport = Math.max(...before.map((s) => s.reported));
      expect(Math.min(...now.map((s) => s.seenAt)), `wave ${waves[i]!.name}`).toBeGreaterThan(lastReport);
    }
    expect(changed.some((s) => s.job === 'rental/rental-metrics-1m')).toBe(true);
    expect(changed.some((s) => s.job.startsWith('acquisition/'))).toBe(true);
  });

  it('an unhealthy wave stops the rollout: later waves are not sent, and the output names them', async (ctx) => {
    if (!kube) return ctx.skip();
    failing = new Set(['acquisition/listing-score']);
    fx.edit(
      'platform/flink-conf.yaml',
      'execution.checkpointing.interval: 30s',
      'execution.checkpointing.interval: 20s',
    );
    const r = await run(false);
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^wave 1\/5 canary: healthy — rental\/rental-metrics-1m$/m);
    expect(r.stdout).toMatch(/^wave 2\/5 sync: unchanged — datasync\/kafka-orders-to-paimon, /m);
    expect(r.stdout).toContain(
      `wave 3/5 acquisition: stopped — FlinkDeployment flink-acquisition-${sfx}/listing-score failed: lifecycleState FAILED, job FAILED: org.apache.flink.runtime.JobException: Recovery is suppressed; events and logs in `,
    );
    expect(r.stdout).toMatch(/^ {2}✔ healthy {4}FlinkSessionJob flink-shared-\w+\/viewings-funnel {2}/m);
    expect(r.stdout).toMatch(
      /^wave 4\/5 homeservice: not applied — homeservice\/daily-settlement, homeservice\/workorder-sla$/m,
    );
    expect(r.stdout).toMatch(/^wave 5\/5 rental: not applied — rental\/orders-enrich-house$/m);
    expect(r.stdout).toContain(
      'Rollout stopped at wave 3/5 (acquisition): 2 waves not applied (3 jobs: homeservice, rental).',
    );
    const json = JSON.parse((await run()).stdout);
    expect(json.rollout.waves[2]).toMatchObject({ name: 'acquisition', result: 'stopped' });

    // The cluster says the same: the canary and datasync carry 20s, the waves after them still 30s.
    const interval = async (ns: string, name: string) =>
      (await k.request<KubeObject>('GET', `/apis/${FLINK}/namespaces/${ns}-${sfx}/flinkdeployments/${name}`)).body.spec!
        .flinkConfiguration['execution.checkpointing.interval'];
    expect(await interval('flink-rental', 'rental-metrics-1m')).toBe('20s');
    expect(await interval('flink-acquisition', 'listing-score')).toBe('20s');
    expect(await interval('flink-homeservice', 'workorder-sla')).toBe('30s');
    expect(await interval('flink-rental', 'orders-enrich-house')).toBe('30s');
  });
});

describe('platform/rollout.yaml problems', () => {
  it('an environment that does not exist is an error, a job or team a warning, each at its file:line:column; apply refuses on the error', async () => {
    const f = new Fixture();
    try {
      f.write(
        'platform/rollout.yaml',
        'envs: [test, staging]\nwaves:\n  - name: canary\n    jobs: [rental/rental-metrics-1n]\n  - name: canary\n    teams: [datasyn]\n',
      );
      const { repo, diagnostics } = loadRepo(f.root);
      const found = check(repo, diagnostics).filter((d) => d.file === 'platform/rollout.yaml');
      expect(found.map((d) => `${d.line}:${d.column} ${d.severity} ${d.rule} ${d.message}`)).toEqual([
        '1:14 error platform/rollout environment "staging" does not exist',
        '4:12 warning platform/rollout job "rental/rental-metrics-1n" does not exist — did you mean "rental/rental-metrics-1m"?',
        '5:11 error platform/rollout wave "canary" is named twice',
        '6:13 warning platform/rollout team "datasyn" does not exist — did you mean "datasync"?',
      ]);
      const r = await apply({ repo: f.root, env: 'test', jobs: [], kubeconfig: '/nonexistent', context: 'none' });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(
        'platform/rollout.yaml\n  1:14     error  environment "staging" does not exist  platform/rollout\n',
      );
      expect(r.stderr).toContain('wave "canary" is named twice');
      expect(r.stderr).not.toContain('rental-metrics-1n');
      expect(r.stderr).toContain('nothing applied — platform/rollout.yaml names what the repository does not have');
    } finally {
      f.dispose();
    }
  });

  it('a key the schema does not know is reported where it is, with the one meant', () => {
    const f = new Fixture();
    try {
      f.write('platform/rollout.yaml', 'waves:\n  - name: canary\n    job: [rental/rental-metrics-1m]\n');
      const { diagnostics } = loadRepo(f.root);
      const d = diagnostics.find((x) => x.file === 'platform/rollout.yaml')!;
      expect(d).toMatchObject({ rule: 'schema/unknown-key', line: 3, column: 5 });
      expect(d.message).toContain('did you mean "jobs"?');
    } finally {
      f.dispose();
    }
  });
});
