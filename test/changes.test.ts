import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Git } from '../lib/git/git.js';
import { affectedJobs } from '../lib/plan/changes.js';
import { loadRepo } from '../lib/repo/load.js';
import { GitFixture } from './support/gitRepo.js';

let fx: GitFixture;
beforeEach(() => {
  fx = new GitFixture();
  fx.git('checkout', '-q', '-b', 'feature');
});
afterEach(() => fx.dispose());

/** Affected job ids from main to the working tree, loading the base revision from Git itself. */
function affected(): Map<string, string[]> {
  const git = new Git(fx.root);
  const base = git.mergeBase('main', 'HEAD');
  const dir = mkdtempSync(path.join(tmpdir(), 'flinkops-base-'));
  try {
    git.exportTree(base, dir);
    return affectedJobs(loadRepo(dir).repo, loadRepo(fx.root).repo, git.changes(base));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('which jobs a change reaches', () => {
  it('a SQL edit reaches its job only', () => {
    fx.edit('jobs/rental/rental-metrics-1m/02-metrics.sql', "<> 'CANCELLED'", "NOT IN ('CANCELLED', 'TEST')");
    fx.commit('filter test orders');
    expect([...affected().keys()]).toEqual(['rental/rental-metrics-1m']);
  });

  it('uncommitted and untracked files count too', () => {
    fx.write('jobs/rental/rental-metrics-1m/03-extra.sql', 'SELECT 1;\n');
    expect(affected().get('rental/rental-metrics-1m')).toEqual(['jobs/rental/rental-metrics-1m/03-extra.sql changed']);
  });

  it('team.yaml reaches every job of the team', () => {
    fx.edit('jobs/rental/team.yaml', 'parallelism: 2', 'parallelism: 3');
    fx.commit('more parallelism');
    expect([...affected().keys()].sort()).toEqual(['rental/orders-enrich-house', 'rental/rental-metrics-1m']);
  });

  it('the central configuration and an environment reach every job', () => {
    fx.edit('platform/flink-conf.yaml', 'table.exec.state.ttl: 36h', 'table.exec.state.ttl: 48h');
    fx.commit('ttl');
    expect(affected().size).toBe(10);
  });

  it('a version entry reaches the jobs on that version only', () => {
    fx.edit(
      'platform/versions.yaml',
      'image: registry.rent.example/flink/flink:2.2.1-java17-r1',
      'image: registry.rent.example/flink/flink:2.2.1-java17-r2',
    );
    fx.commit('new 2.2 image');
    expect([...affected().keys()]).toEqual(['rental/rental-metrics-1m']);
  });

  it('a catalog change reaches the jobs that use the catalog', () => {
    fx.edit(
      'platform/catalogs/hive.yaml',
      '- { name: worker_id, type: BIGINT }',
      '- { name: worker_id, type: BIGINT }\n              - { name: region, type: STRING }',
    );
    fx.commit('hive column');
    expect([...affected().keys()]).toEqual(['homeservice/daily-settlement']);
  });

  it('a policy change reaches the jobs it applies to (their policies.json changes; what it binds is Flink’s call)', () => {
    // principals ["*"] except role:pii-reader, which platform/owners.yaml grants to datasync
    fx.edit('platform/policies/pii.yaml', 'tenant_name: MASK_HASH', 'tenant_name: MASK_NULL');
    fx.commit('null names');
    expect([...affected().keys()].sort()).toEqual([
      'acquisition/listing-score',
      'acquisition/viewings-funnel',
      'homeservice/daily-settlement',
      'homeservice/workorder-sla',
      'rental/orders-enrich-house',
      'rental/rental-metrics-1m',
    ]);
  });

  it('a policy for one team reaches that team’s jobs only', () => {
    fx.edit('platform/policies/pii.yaml', 'rowFilter: "user_id >= 1000"', 'rowFilter: "user_id >= 2000"');
    fx.commit('more staff');
    expect([...affected().keys()].sort()).toEqual(['rental/orders-enrich-house', 'rental/rental-metrics-1m']);
  });

  it('a session cluster change reaches its session jobs', () => {
    fx.edit('platform/sessions.yaml', 'replicas: 2', 'replicas: 3');
    fx.commit('bigger session');
    expect([...affected().keys()]).toEqual(['acquisition/viewings-funnel']);
  });

  it('a renamed job folder is the old job and the new one; a deleted job is there too', () => {
    fx.git('mv', 'jobs/rental/orders-enrich-house', 'jobs/rental/orders-enrich');
    fx.git('rm', '-rq', 'jobs/homeservice/workorder-sla');
    fx.commit('rename and delete');
    expect([...affected().keys()].sort()).toEqual([
      'homeservice/workorder-sla',
      'rental/orders-enrich',
      'rental/orders-enrich-house',
    ]);
  });
});
