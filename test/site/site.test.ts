import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadRepo } from '../../lib/repo/load.js';
import { type SiteFlink, siteFlink } from '../../lib/site/flink.js';
import { datasetPath } from '../../lib/site/pages.js';
import { parseStatusReport, type StatusReport } from '../../lib/live/status.js';
import { buildSite } from '../../lib/site/site.js';
import { Fixture, PROJECT } from '../support/fixture.js';

const noInputs = { history: new Map(), tests: new Map() };
// Lineage and policy bindings come from Flink's planner (the jobs' own releases), asked once.
let flink: SiteFlink;
beforeAll(async () => {
  flink = await siteFlink(loadRepo(PROJECT).repo, 'prod');
  expect(flink.diagnostics).toEqual([]);
}, 600_000);
const sample = () => buildSite(loadRepo(PROJECT).repo, 'prod', { ...noInputs, flink });

describe('site: the job catalog of the sample repository', () => {
  it('has an index, a page per job and one per table or topic, all under 300 KB and without any network URL for assets', () => {
    const { files, catalog } = sample();
    expect(catalog.jobs).toHaveLength(10);
    for (const j of catalog.jobs) expect(files.has(`jobs/${j.job.id}.html`)).toBe(true);
    expect([...files.keys()].filter((f) => f.startsWith('tables/'))).toHaveLength(catalog.datasets.size);
    for (const [name, text] of files) {
      expect(Buffer.byteLength(text), name).toBeLessThan(300 * 1024);
      expect(text, name).not.toMatch(/<(script|link)[^>]+(src|href)="(https?:)?\/\//);
    }
  });

  it('is deterministic: the same repository gives the same bytes', () => {
    const a = sample().files;
    const b = sample().files;
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [k, v] of a) expect(b.get(k)).toBe(v);
  });

  it('flags the raw phone numbers mysql-contracts-to-paimon writes into a lake table no policy protects', () => {
    const { files, catalog } = sample();
    // Datasets are named by the physical identity Flink's enforcer resolves (security/identity/).
    const find = (part: string) =>
      [...catalog.datasets.values()].find((d) => `${d.namespace}/${d.name}`.includes(part))!;
    const lake = find('rent_contracts');
    const source = find(':3306/');
    expect(lake.key).toMatch(/^paimon:/);
    expect(source.key).toMatch(/^mysql:\/\/mysql-prod\.rent\.example:3306\//);
    expect(lake.leaks).toEqual([
      {
        job: 'datasync/mysql-contracts-to-paimon',
        column: 'tenant_phone',
        from: { dataset: source.key, column: 'tenant_phone', policies: ['tenant-phone-last4'] },
      },
    ]);
    expect([...source.protectedColumns.keys()].sort()).toEqual(['tenant_name', 'tenant_phone']);
    expect(source.leaks).toEqual([]);
    const page = files.get(datasetPath(lake))!;
    expect(page).toContain('Unprotected:');
    expect(page).toContain('href="../jobs/datasync/mysql-contracts-to-paimon.html"');
  });

  it('a job page shows owners, on-call, links, effective configuration with origins, highlighted SQL and policies', () => {
    const page = sample().files.get('jobs/rental/rental-metrics-1m.html')!;
    expect(page).toContain('@zhao.min');
    expect(page).toContain('href="http://flink.rent.example/flink-rental/rental-metrics-1m/"');
    expect(page).toMatch(
      /<td><code>state.backend.type<\/code><\/td><td><code>rocksdb<\/code><\/td><td>platform\/flink-conf.yaml:\d+<\/td>/,
    );
    expect(page).toContain('<span class="k">INSERT</span>');
    expect(page).toContain('rental-no-staff-orders');
    expect(page).toContain('<svg class="lineage"');
    // The lineage graph: one edge per column flow, window_start from orders.created_at.
    expect(page).toContain(
      '<title>default_catalog.default_database.orders.created_at → paimon_dw.dws.rental_metrics_1m.window_start</title>',
    );
  });

  describe('with a hostile repository', () => {
    let fx: Fixture;
    beforeEach(() => {
      fx = new Fixture();
    });
    afterEach(() => fx.dispose());

    it('escapes descriptions and owners: a job cannot inject markup into the catalog', () => {
      fx.edit(
        'jobs/rental/rental-metrics-1m/job.yaml',
        'description: Orders, GMV',
        'description: <script>alert(1)</script><img src=x onerror=alert(2)> Orders, GMV',
      );
      const { files } = buildSite(loadRepo(fx.root).repo, 'prod', noInputs);
      for (const f of ['index.html', 'jobs/rental/rental-metrics-1m.html']) {
        expect(files.get(f)).not.toContain('<script>alert');
        expect(files.get(f)).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;');
      }
    });
  });
});

/** A snapshot of prod as `flinkops status --env prod --json` prints it (fields per lib/live/status.ts). */
const prodSnapshot = (): StatusReport => ({
  env: 'prod',
  head: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00',
  takenAt: '2026-12-01T16:00:00.000Z',
  jobs: [
    {
      job: 'rental/rental-metrics-1m',
      kind: 'FlinkDeployment',
      namespace: 'flink-rental',
      name: 'rental-metrics-1m',
      exists: true,
      health: 'failed',
      lifecycleState: 'FAILED',
      jobState: 'FAILED',
      jobStateSince: '2026-12-01T15:40:00.000Z',
      commit: 'beef0000beef0000beef0000beef0000beef0000',
      atHead: false,
      changedSince: ['jobs/rental/rental-metrics-1m/02-metrics.sql'],
      restarts: 4,
      lastCheckpoint: { time: '2026-12-01T15:55:00.000Z', trigger: 'PERIODIC', source: 'status' },
      lastSavepoint: {
        time: '2026-12-01T10:00:00.000Z',
        path: 'hdfs://prod-nn/flink/savepoints/rental/rental-metrics-1m/savepoint-1',
        trigger: 'PERIODIC',
        source: 'status',
      },
      message: 'lifecycleState FAILED, job FAILED: java.lang.ArithmeticException: / by zero',
    },
    {
      job: 'datasync/kafka-orders-to-paimon',
      kind: 'FlinkDeployment',
      namespace: 'flink-datasync',
      name: 'kafka-orders-to-paimon',
      exists: true,
      health: 'healthy',
      lifecycleState: 'STABLE',
      jobState: 'RUNNING',
      commit: 'beef0000beef0000beef0000beef0000beef0000',
      atHead: false,
      changedSince: [],
      restarts: 0,
      message: 'lifecycleState STABLE, job RUNNING',
    },
  ],
});

describe('site: the live view', () => {
  const withLive = () => buildSite(loadRepo(PROJECT).repo, 'prod', { ...noInputs, live: [prodSnapshot()] });

  it('without a status snapshot, the site is the catalog it was and says the live view is not available', () => {
    const { files } = buildSite(loadRepo(PROJECT).repo, 'prod', noInputs);
    expect([...files.keys()].filter((f) => f.startsWith('live'))).toEqual(['live.html']);
    expect(files.get('live.html')).toContain('The live view is not available.');
    expect(files.get('jobs/rental/rental-metrics-1m.html')).toContain('The live view is not available.');
  });

  it('flags a failed job whose deployed commit Git has changed since; a healthy job at an older commit is not flagged', () => {
    const { files, catalog } = withLive();
    expect([...catalog.live.keys()]).toEqual(['prod']);
    const live = files.get('live.html')!;
    expect(live).toContain('2 jobs: 1 failed, 1 healthy; 1 with drift.');
    const attention = live.slice(
      live.indexOf('Needs attention in prod'),
      live.indexOf('</table>', live.indexOf('Needs attention in prod')),
    );
    expect(attention).toContain('href="jobs/rental/rental-metrics-1m.html"');
    expect(attention).toContain('<td class="bad"><strong>failed</strong></td>');
    expect(attention).toContain(
      '<code>beef0000beef</code> <strong>drift</strong>: behind HEAD <code>c0ffee00c0ff</code>, Git changed a file of the job since (jobs/rental/rental-metrics-1m/02-metrics.sql)',
    );
    expect(attention).not.toContain('kafka-orders-to-paimon');
    // Ages against the snapshot (the page is static); when it was taken, in UTC; no section for test.
    expect(live).toContain('2026-12-01 15:55:00 UTC <span class="muted">(5 min before the snapshot, periodic)</span>');
    expect(live).toContain('<time datetime="2026-12-01T16:00:00.000Z">2026-12-01 16:00:00 UTC</time>');
    expect(live).toContain('No snapshot of test');
    const env = files.get('live/prod.html')!;
    expect(env).toContain('older than HEAD; nothing of the job changed since');
    expect(env).toContain('href="../jobs/datasync/kafka-orders-to-paimon.html"');
    const job = files.get('jobs/rental/rental-metrics-1m.html')!;
    expect(job).toContain('java.lang.ArithmeticException: / by zero');
    expect(job).toContain('hdfs://prod-nn/flink/savepoints/rental/rental-metrics-1m/savepoint-1');
    expect(job).toContain('FAILED / FAILED<div class="muted">since 2026-12-01 15:40:00 UTC</div>');
    expect(job).toContain('<td>4</td>');
  });

  it('is deterministic and every page stays under 300 KB', () => {
    const a = withLive().files;
    const b = withLive().files;
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [k, v] of a) {
      expect(b.get(k), k).toBe(v);
      expect(Buffer.byteLength(v), k).toBeLessThan(300 * 1024);
    }
  });

  it('reads only the output of status --json: a syntax error at its line and column, a missing time, an unknown environment', () => {
    const envs = ['prod', 'test'];
    const bad = parseStatusReport('{\n  "env": "prod",\n  "jobs": [,]\n}', 'prod.json', envs);
    expect(bad).toMatchObject({ diagnostic: { file: 'prod.json', line: 3, rule: 'live/status-file' } });
    const { takenAt: _, ...old } = prodSnapshot();
    expect(parseStatusReport(JSON.stringify(old), 'old.json', envs)).toMatchObject({
      diagnostic: {
        message: expect.stringContaining('no "takenAt"'),
        hint: expect.stringContaining('status --env ENV --json'),
      },
    });
    expect(parseStatusReport(JSON.stringify({ ...prodSnapshot(), env: 'staging' }), 's.json', envs)).toMatchObject({
      diagnostic: { message: 'environment "staging" is not in platform/envs/ (environments: prod, test)' },
    });
    expect(parseStatusReport(JSON.stringify(prodSnapshot()), 'prod.json', envs)).toEqual({ report: prodSnapshot() });
  });
});

describe('flinkops site (the command)', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = new Fixture();
  });
  afterEach(() => fx.dispose());

  it('writes the site, lists a job’s tests, and refuses to empty a folder it did not write', () => {
    fx.write('jobs/rental/rental-metrics-1m/tests/minute.yaml', 'name: one order per minute\n');
    const out = path.join(fx.root, 'public');
    const r = fx.cli('site', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote \d+ files for 10 jobs and \d+ tables \(prod\) into /);
    const page = readFileSync(path.join(out, 'jobs/rental/rental-metrics-1m.html'), 'utf8');
    expect(page).toContain('jobs/rental/rental-metrics-1m/tests/minute.yaml');
    expect(page).toContain('name: one order per minute');
    expect(fx.cli('site', '--out', out).code).toBe(0);
    const foreign = path.join(fx.root, 'jobs');
    const refused = fx.cli('site', '--out', foreign);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('was not written by flinkops site');
    expect(fx.cli('site').code).toBe(2);
    expect(fx.cli('site', '--out', out, '--env', 'staging').stderr).toContain('no environment "staging"');
    // --live: the status snapshot of an environment; a file of another shape is the user's to fix (exit 1).
    const snapshot = path.join(fx.root, 'prod.json');
    writeFileSync(snapshot, JSON.stringify(prodSnapshot()));
    const live = fx.cli('site', '--out', out, '--live', snapshot);
    expect(live.code, live.stderr).toBe(0);
    expect(live.stdout).toContain('live view: prod taken 2026-12-01T16:00:00.000Z');
    expect(readFileSync(path.join(out, 'live/prod.html'), 'utf8')).toContain('<h1>Live: prod</h1>');
    writeFileSync(snapshot, '{"env": "prod", "jobs": []');
    const broken = fx.cli('site', '--out', out, '--live', snapshot);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(
      'prod.json\n  1:27     error  not JSON: Flow map must end with a }  live/status-file',
    );
    const missing = fx.cli('site', '--out', out, '--live', path.join(fx.root, 'nowhere.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--live');
  }, 600_000);
});
