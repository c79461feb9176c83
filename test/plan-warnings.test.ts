// What the plan warns about before a merge: a platform key reaching many jobs, a stateful job destroyed,
// a session cluster restart and the jobs on it, and no restart for a job suspended in Git.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatPlanText } from '../lib/plan/format.js';
import { computePlan } from '../lib/plan/plan.js';
import { GitFixture } from './support/gitRepo.js';

let fx: GitFixture;
beforeEach(() => {
  fx = new GitFixture();
  fx.git('checkout', '-q', '-b', 'feature');
});
afterEach(() => fx.dispose());

const plan = async (env = 'prod') => {
  const r = await computePlan({ root: fx.root, env, base: 'main', classify: false });
  if ('refused' in r) throw new Error(r.refused.map((d) => `${d.file}: ${d.message}`).join('\n'));
  return r;
};

describe('plan warnings', () => {
  it('a platform-wide key is one line naming how many jobs it reaches', async () => {
    fx.edit(
      'platform/flink-conf.yaml',
      'execution.checkpointing.interval: 60s',
      'execution.checkpointing.interval: 30s',
    );
    fx.commit('checkpoint more often');
    const { plan: p } = await plan();
    const c = p.platformKeys!.find((x) => x.key === 'execution.checkpointing.interval')!;
    expect(c).toMatchObject({ before: '60s', after: '30s' });
    const updated = p.jobs.filter((j) => j.action === 'update' && !j.job.startsWith('('));
    expect(c.jobs.length).toBeGreaterThan(1);
    expect(c.jobs.every((id) => updated.some((j) => j.job === id))).toBe(true);
    expect(formatPlanText(p)).toContain(`execution.checkpointing.interval: 60s → 30s reaches ${c.jobs.length} jobs (`);
  });

  it('destroying a stateful job says where its final savepoint lands', async () => {
    fx.remove('jobs/datasync/kafka-orders-to-paimon');
    fx.commit('retire kafka-orders-to-paimon');
    const { plan: p } = await plan('test');
    const j = p.jobs.find((x) => x.job === 'datasync/kafka-orders-to-paimon')!;
    expect(j.action).toBe('delete');
    expect(j.warnings).toContain(
      'stateful job destroyed: `apply --prune` suspends it with a final savepoint first, into hdfs://test-nn/flink/savepoints/datasync/kafka-orders-to-paimon (its path is in the apply result); to bring the state back, restore that path into a job with the same operators',
    );
  });

  it('a session cluster change warns that every job on it restarts, naming them', async () => {
    fx.edit(
      'platform/sessions.yaml',
      'taskManager: { cpu: 2, memory: 4096m, slots: 4, replicas: 2 }',
      'taskManager: { cpu: 2, memory: 4096m, slots: 4, replicas: 3 }',
    );
    fx.commit('a third TaskManager');
    const { plan: p } = await plan('test');
    const warnings = p.jobs.flatMap((j) => j.warnings);
    expect(warnings).toContain(
      'session cluster shared-1-20 restarts: every job on it restarts with it — acquisition/viewings-funnel',
    );
  });

  it('a job suspended in Git gets no restart warning', async () => {
    fx.edit('jobs/homeservice/daily-settlement/job.yaml', 'parallelism: 2', 'parallelism: 4');
    fx.commit('more parallelism');
    const { plan: p } = await plan('test');
    const j = p.jobs.find((x) => x.job === 'homeservice/daily-settlement')!;
    expect(j.action).toBe('update');
    expect(j.warnings.some((w) => w.startsWith('restart needed'))).toBe(false);
    expect(j.warnings).toContain(
      'no restart: the job is suspended in Git; the change takes effect at its next start or run',
    );
  });
});
