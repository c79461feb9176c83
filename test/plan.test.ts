import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { plan as planAction } from '../actions/plan.js';
import { formatPlanMarkdown } from '../lib/plan/format.js';
import { computePlan } from '../lib/plan/plan.js';
import { FakeHosts } from './support/fakeHosts.js';
import { flinkAvailable } from './support/flink.js';
import { GitFixture } from './support/gitRepo.js';

let fx: GitFixture;
beforeEach(() => {
  fx = new GitFixture();
  fx.git('checkout', '-q', '-b', 'feature');
});
afterEach(() => fx.dispose());

const plan = async (env = 'prod', classify = false) => {
  const r = await computePlan({ root: fx.root, env, base: 'main', classify });
  if ('refused' in r) throw new Error(r.refused.map((d) => `${d.file}: ${d.message}`).join('\n'));
  return r;
};

describe('flinkops plan', () => {
  it('no change, no plan', async () => {
    const { plan: p } = await plan();
    expect(p.summary).toEqual({ add: 0, change: 0, destroy: 0 });
    expect(p.jobs).toEqual([]);
  });

  it('a SQL change updates the job: source and effective SQL diffs, object diffs, restart warning', async () => {
    fx.edit(
      'jobs/rental/rental-metrics-1m/02-metrics.sql',
      "WHERE order_status <> 'CANCELLED'",
      "WHERE order_status NOT IN ('CANCELLED', 'TEST')",
    );
    fx.commit('exclude test orders');
    const { plan: p, diagnostics } = await plan();
    expect(diagnostics).toEqual([]);
    expect(p.summary).toEqual({ add: 0, change: 1, destroy: 0 });
    const j = p.jobs[0]!;
    expect(j.job).toBe('rental/rental-metrics-1m');
    expect(j.sqlDiff).toContain("+WHERE order_status NOT IN ('CANCELLED', 'TEST')");
    expect(j.effectiveSqlDiff).toContain("-WHERE order_status <> 'CANCELLED'");
    expect(
      j.objects
        .filter((o) => o.action === 'update')
        .map((o) => o.kind)
        .sort(),
    ).toEqual(['ConfigMap', 'FlinkDeployment']);
    expect(j.warnings.join('\n')).toContain('restart needed');
    expect(p.planHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('an alert threshold change updates the PrometheusRules it reaches, and nothing restarts', async () => {
    fx.edit('platform/alerts.yaml', 'kafkaLag: { maxRecords: 100000', 'kafkaLag: { maxRecords: 200000');
    fx.commit('tolerate more Kafka lag');
    const { plan: p, diagnostics } = await plan();
    expect(diagnostics).toEqual([]);
    // rental-metrics-1m sets its own threshold; jobs without a Kafka source have no lag rule.
    const changed = p.jobs.filter((j) => j.action !== 'noop');
    expect(changed.map((j) => j.job).sort()).toEqual([
      'datasync/kafka-orders-to-paimon',
      'homeservice/workorder-sla',
      'rental/orders-enrich-house',
    ]);
    expect(p.summary).toEqual({ add: 0, change: 3, destroy: 0 });
    for (const j of changed) {
      expect(j.action).toBe('update');
      expect(j.objects.filter((o) => o.action !== 'noop').map((o) => `${o.kind} ${o.name}`)).toEqual([
        `PrometheusRule ${j.job.split('/')[1]}-alerts`,
      ]);
      expect(j.warnings.join('\n')).not.toContain('restart needed');
      expect(j.reasons).toContain('platform/alerts.yaml changed');
    }
    expect(changed[0]!.manifestDiff).toContain('> 200000');
  });

  it('a new job is created, a removed job destroyed, a renamed job both', async () => {
    fx.write(
      'jobs/rental/occupancy/job.yaml',
      'type: jar\nupgradeMode: stateless\njar: { uri: "local:///opt/flink/usrlib/occ.jar" }\n',
    );
    fx.write('jobs/rental/occupancy/owners.yaml', 'owners: ["@zhao.min"]\n');
    fx.git('rm', '-rq', 'jobs/homeservice/workorder-sla');
    fx.git('mv', 'jobs/acquisition/listing-score', 'jobs/acquisition/listing-score-v2');
    fx.commit('add, remove, rename');
    const { plan: p } = await plan();
    const byJob = Object.fromEntries(p.jobs.map((j) => [j.job, j.action]));
    expect(byJob).toMatchObject({
      'rental/occupancy': 'create',
      'homeservice/workorder-sla': 'delete',
      'acquisition/listing-score': 'delete',
      'acquisition/listing-score-v2': 'create',
    });
    expect(p.summary).toEqual({ add: 2, change: 0, destroy: 2 });
  });

  it('a central configuration change reaches every running job', async () => {
    fx.edit('platform/flink-conf.yaml', 'table.exec.state.ttl: 36h', 'table.exec.state.ttl: 48h');
    fx.commit('longer ttl');
    const { plan: p } = await plan();
    const changed = p.jobs.filter((j) => j.action === 'update').map((j) => j.job);
    expect(changed).toContain('datasync/kafka-orders-to-paimon');
    expect(changed).toContain('rental/rental-metrics-1m');
    expect(p.jobs.find((j) => j.job === 'rental/rental-metrics-1m')!.classification).toBe('config-only');
  });

  it('warns when a stateful job switches to stateless, and reports resource deltas per team', async () => {
    fx.edit(
      'jobs/datasync/kafka-orders-to-paimon/job.yaml',
      'parallelism: 4\n',
      'parallelism: 4\nupgradeMode: stateless\n',
    );
    fx.edit(
      'jobs/datasync/kafka-orders-to-paimon/job.yaml',
      'taskManager: { cpu: 4, memory: 8192m, slots: 4 }',
      'taskManager: { cpu: 4, memory: 8192m, slots: 2 }',
    );
    fx.commit('stateless, smaller slots');
    const { plan: p } = await plan();
    const j = p.jobs.find((x) => x.job === 'datasync/kafka-orders-to-paimon')!;
    expect(j.warnings.join('\n')).toMatch(/state at risk: upgradeMode changes from savepoint to stateless/);
    // prod: parallelism 8 with 4 slots = 2 TMs → with 2 slots = 4 TMs: +2 × (4 CPU, 8192 MiB)
    expect(p.teams.find((t) => t.team === 'datasync')).toEqual({ team: 'datasync', cpu: 8, memoryMi: 16384 });
  });

  it('a policy change is listed with the jobs it reaches', async () => {
    fx.edit('platform/policies/pii.yaml', 'tenant_name: MASK_HASH', 'tenant_name: MASK_NULL');
    fx.commit('null names');
    const { plan: p } = await plan();
    // Every job the policy applies to gets it in policies.json (datasync holds role:pii-reader, the exception).
    expect(p.policies).toEqual([
      {
        policy: 'tenant-phone-last4',
        jobs: [
          'acquisition/listing-score',
          'acquisition/viewings-funnel',
          'homeservice/daily-settlement',
          'homeservice/workorder-sla',
          'rental/orders-enrich-house',
          'rental/rental-metrics-1m',
        ],
      },
    ]);
  });

  it('markdown: a <details> section per job, the Terraform summary line, truncated at the host limit', async () => {
    fx.edit('platform/flink-conf.yaml', 'table.exec.state.ttl: 36h', 'table.exec.state.ttl: 48h');
    fx.commit('ttl');
    const { plan: p } = await plan();
    const md = formatPlanMarkdown(p);
    expect(md).toContain(`**Plan: 0 to add, ${p.summary.change} to change, 0 to destroy.**`);
    expect(md.match(/<details>/g)!.length).toBe(p.summary.change);
    const short = formatPlanMarkdown(p, { limit: 4000, artifactUrl: 'https://ci.example/artifacts' });
    expect(short.length).toBeLessThanOrEqual(4000);
    expect(short).toContain('Full plan: https://ci.example/artifacts');
    expect(short).toContain('Plan: 0 to add');
  });
});

describe('state classification with Flink compiled plans', () => {
  const HAVE_FLINK = flinkAvailable();
  it.runIf(HAVE_FLINK)(
    'filter change: state-compatible; grouping change: state-breaking with a warning; parallelism only: config-only',
    async () => {
      fx.edit(
        'jobs/rental/rental-metrics-1m/02-metrics.sql',
        "WHERE order_status <> 'CANCELLED'",
        "WHERE order_status NOT IN ('CANCELLED', 'TEST')",
      );
      fx.edit(
        'jobs/homeservice/workorder-sla/02-statement-set.sql',
        'GROUP BY city, window_start, window_end;',
        'GROUP BY city, service_type, window_start, window_end;',
      );
      fx.edit(
        'jobs/homeservice/workorder-sla/02-statement-set.sql',
        '    city,\n    window_start,',
        '    city || service_type AS city,\n    window_start,',
      );
      fx.edit('jobs/datasync/kafka-orders-to-paimon/job.yaml', 'parallelism: 8', 'parallelism: 12');
      fx.commit('three kinds of change');
      const { plan: p } = await plan('prod', true);
      const c = Object.fromEntries(p.jobs.map((j) => [j.job, j.classification]));
      expect(c['rental/rental-metrics-1m']).toBe('state-compatible');
      expect(c['homeservice/workorder-sla']).toBe('state-breaking');
      expect(c['datasync/kafka-orders-to-paimon']).toBe('config-only');
      expect(p.jobs.find((j) => j.job === 'homeservice/workorder-sla')!.warnings.join('\n')).toMatch(
        /state at risk: this SQL change is state-breaking/,
      );
    },
    300_000,
  );
});

describe('plan --comment', () => {
  let hosts: FakeHosts;
  const saved = { ...process.env };
  beforeAll(async () => {
    hosts = await new FakeHosts().start();
  });
  afterAll(async () => {
    await hosts.stop();
  });
  afterEach(() => {
    process.env = { ...saved };
  });
  /** The variables of a GitLab merge-request pipeline whose API is the fake host's. */
  const inGitLabPipeline = (token: string) =>
    Object.assign(process.env, {
      GITLAB_CI: 'true',
      CI_API_V4_URL: `${hosts.url}/api/v4`,
      CI_PROJECT_ID: hosts.gitlab.project,
      CI_MERGE_REQUEST_IID: String(hosts.gitlab.mr),
      GITLAB_TOKEN: token,
    });

  it('posts one sticky note on GitLab and a commit status; a second push updates the note', async () => {
    inGitLabPipeline(hosts.gitlab.token);
    delete process.env.GITHUB_ACTIONS;
    delete process.env.GITHUB_REPOSITORY;
    fx.edit('jobs/rental/rental-metrics-1m/job.yaml', '    parallelism: 6', '    parallelism: 7');
    fx.commit('p7');
    const first = await planAction({
      repo: fx.root,
      env: 'prod',
      base: 'main',
      format: 'text',
      comment: true,
      classify: false,
    });
    expect(first.exitCode).toBe(0);
    fx.edit('jobs/rental/rental-metrics-1m/job.yaml', '    parallelism: 7', '    parallelism: 9');
    fx.commit('p9');
    const second = await planAction({
      repo: fx.root,
      env: 'prod',
      base: 'main',
      format: 'text',
      comment: true,
      classify: false,
    });
    expect(second.stderr).toContain('plan note updated on gitlab');
    const notes = hosts.gitlab.notes.filter((n) => n.body.startsWith('<!-- flinkops:plan:prod -->'));
    expect(notes).toHaveLength(1);
    expect(notes[0]!.body).toContain('Plan: 0 to add, 1 to change, 0 to destroy.');
    expect(notes[0]!.body).toContain('rental/rental-metrics-1m');
    expect(hosts.gitlab.statuses.map((s) => s.name)).toEqual(['flinkops/plan:prod', 'flinkops/plan:prod']);
    expect(hosts.gitlab.statuses[1]!.sha).toBe(fx.git('rev-parse', 'HEAD').trim());
  });

  it('an owner change in the note pings none of the owners', async () => {
    inGitLabPipeline(hosts.gitlab.token);
    fx.edit(
      'jobs/rental/rental-metrics-1m/owners.yaml',
      'owners: ["@rent/rental-analysts", "@zhao.min"]',
      'owners: ["@rent/rental-analysts", "@zhao.min", "@rent/datasync-engineers"]',
    );
    fx.commit('datasync co-owns the metrics');
    const r = await planAction({
      repo: fx.root,
      env: 'prod',
      base: 'main',
      format: 'text',
      comment: true,
      classify: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const posted = hosts.gitlab.notes.at(-1)!.body;
    const owners = posted.split('\n').find((l) => l.startsWith('Owners:'))!;
    // Shown as written, but no `@` is followed by a name: GitLab and GitHub link (and notify) only that.
    expect(owners.replaceAll('\u2060', '')).toBe(
      'Owners: @rent/rental-analysts @zhao.min → @rent/rental-analysts @zhao.min @rent/datasync-engineers',
    );
    expect(owners).not.toMatch(/@[A-Za-z0-9_.]/);
  });

  it('fails clearly when the host refuses the token', async () => {
    inGitLabPipeline('expired');
    const r = await planAction({
      repo: fx.root,
      env: 'prod',
      base: 'main',
      format: 'text',
      comment: true,
      classify: false,
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/refused the token \(401\)/);
  });

  it('posts on GitHub from the pull request event', async () => {
    const event = `${fx.root}/event.json`;
    fx.write('event.json', JSON.stringify({ pull_request: { number: hosts.github.pr } }));
    for (const k of ['GITLAB_CI', 'CI_API_V4_URL']) delete process.env[k];
    Object.assign(process.env, {
      GITHUB_ACTIONS: 'true',
      GITHUB_API_URL: hosts.url,
      GITHUB_REPOSITORY: 'rent/flink-jobs',
      GITHUB_EVENT_PATH: event,
      GITHUB_TOKEN: hosts.github.token,
    });
    const r = await planAction({
      repo: fx.root,
      env: 'test',
      base: 'main',
      format: 'markdown',
      comment: true,
      classify: false,
    });
    expect(r.exitCode).toBe(0);
    expect(hosts.github.comments).toHaveLength(1);
    expect(hosts.github.statuses[0]).toMatchObject({ context: 'flinkops/plan:test', state: 'success' });
  });
});
