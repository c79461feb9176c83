import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultKeys } from '../lib/validation/keys.js';
import { RACY_MS } from '../lib/cache/folderStats.js';
import { ResultStore } from '../lib/cache/store.js';
import { validateRepository } from '../lib/validation/incremental.js';
import { RepoLoader } from '../lib/repo/load.js';
import { Fixture } from './support/fixture.js';

const ALL = [
  'acquisition/listing-score',
  'acquisition/viewings-funnel',
  'datasync/kafka-orders-to-paimon',
  'datasync/mongo-tickets-to-clickhouse',
  'datasync/mysql-contracts-to-paimon',
  'datasync/paimon-compact-orders',
  'homeservice/daily-settlement',
  'homeservice/workorder-sla',
  'rental/orders-enrich-house',
  'rental/rental-metrics-1m',
];

describe('validate: results cached by the bytes of their inputs', () => {
  let fx: Fixture;
  let cache: string;
  beforeAll(() => {
    fx = new Fixture();
    cache = fx.results;
  });
  afterAll(() => {
    fx.dispose();
  });

  /** A cached run: which jobs it checked, and whether it says exactly what an uncached run says. */
  async function run(jobs: string[] = []) {
    const cached = await validateRepository({ root: fx.root, jobs, cache });
    const fresh = await validateRepository({ root: fx.root, jobs, cache: false });
    expect(fresh.checked).toHaveLength(fresh.jobs);
    expect(cached.diagnostics).toEqual(fresh.diagnostics);
    return cached;
  }

  it('checks every job once, then none while nothing changes', async () => {
    expect(fx.read('platform/policies/pii.yaml')).toContain('principals: ["team:rental"]');
    expect((await run()).checked).toEqual(ALL);
    expect((await run()).checked).toEqual([]);
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(cache, 'validate.json')).mode & 0o777).toBe(0o600);
  });

  it('a job file: that job only', async () => {
    fx.edit('jobs/homeservice/workorder-sla/job.yaml', 'description:', 'description: Edited.');
    expect((await run()).checked).toEqual(['homeservice/workorder-sla']);
    fx.write('jobs/homeservice/daily-settlement/99-extra.sql', 'SELECT 1;\n');
    expect((await run()).checked).toEqual(['homeservice/daily-settlement']);
    // A broken file is a result too: cached, and reported again from the cache.
    fx.write('jobs/homeservice/daily-settlement/99-extra.sql', 'SELEC 1;\n');
    const broken = await run();
    expect(broken.checked).toEqual(['homeservice/daily-settlement']);
    const again = await run();
    expect(again.checked).toEqual([]);
    expect(again.diagnostics.filter((d) => d.rule === 'sql/syntax').map((d) => d.file)).toEqual([
      'jobs/homeservice/daily-settlement/99-extra.sql',
    ]);
    // Files below the folder (a test's rows) are read by rules on their own: they are inputs too.
    fx.write(
      'jobs/homeservice/workorder-sla/tests/work-orders.jsonl',
      `${fx.read('jobs/homeservice/workorder-sla/tests/work-orders.jsonl')}\n`,
    );
    expect((await run()).checked).toEqual(['homeservice/workorder-sla']);
    // Back to bytes seen before: content-addressed, so the earlier result is found again.
    fx.remove('jobs/homeservice/daily-settlement/99-extra.sql');
    expect((await run()).checked).toEqual([]);
  });

  it("a team.yaml: that team's jobs", async () => {
    fx.write('jobs/homeservice/team.yaml', `${fx.read('jobs/homeservice/team.yaml')}# reviewed\n`);
    expect((await run()).checked).toEqual(['homeservice/daily-settlement', 'homeservice/workorder-sla']);
  });

  it('a platform file every job reads: every job', async () => {
    fx.write('platform/envs/prod.yaml', `${fx.read('platform/envs/prod.yaml')}# reviewed\n`);
    expect((await run()).checked).toEqual(ALL);
  });

  it('a policy file: the jobs its policies reach (rental only here), then those it reaches after the edit', async () => {
    fx.write(
      'platform/policies/rental.yaml',
      'policies:\n  - name: rental-house\n    resource: { connector: jdbc, table-name: house }\n    principals: ["team:rental"]\n    masks:\n      district: MASK_HASH\n',
    );
    expect((await run()).checked).toEqual(['rental/orders-enrich-house', 'rental/rental-metrics-1m']);
    fx.edit('platform/policies/rental.yaml', '["team:rental"]', '["team:rental", "team:homeservice"]');
    expect((await run()).checked).toEqual([
      'homeservice/daily-settlement',
      'homeservice/workorder-sla',
      'rental/orders-enrich-house',
      'rental/rental-metrics-1m',
    ]);
    // A policy file that fails its schema fails every job closed: every job is checked again.
    fx.edit('platform/policies/rental.yaml', 'masks:', 'maskz:');
    const bad = await run();
    expect(bad.checked).toEqual(ALL);
    expect(bad.diagnostics.find((d) => d.rule === 'security/unenforceable')).toMatchObject({
      file: 'platform/policies/rental.yaml',
      message: expect.stringContaining('does not pass its schema'),
    });
    fx.remove('platform/policies/rental.yaml');
  });

  it('cross-job rules run over all jobs, cached or not', async () => {
    await run();
    // The same job name in a second team that shares the namespace: both folders were cached clean.
    const ns = /namespace: (\S+)/.exec(fx.read('jobs/rental/team.yaml'))![1]!;
    fx.write('jobs/lettings/team.yaml', `namespace: ${ns}\nowners: ["@rent/lettings"]\n`);
    fx.write('jobs/lettings/rental-metrics-1m/job.yaml', fx.read('jobs/rental/rental-metrics-1m/job.yaml'));
    fx.write('jobs/lettings/rental-metrics-1m/owners.yaml', fx.read('jobs/rental/rental-metrics-1m/owners.yaml'));
    for (const f of ['01-orders.sql', '02-metrics.sql'])
      fx.write(`jobs/lettings/rental-metrics-1m/${f}`, fx.read(`jobs/rental/rental-metrics-1m/${f}`));
    const r = await run();
    expect(r.checked).toEqual(['lettings/rental-metrics-1m']);
    expect(r.diagnostics.filter((d) => d.rule === 'job/duplicate-name').map((d) => d.job)).toEqual([
      'rental/rental-metrics-1m',
    ]);
    fx.remove('jobs/lettings');
  });

  it('a folder that looks as it did is not read again; any edit, even of the same size, is', async () => {
    // Folders changed within RACY_MS are read every time (an edit in the same timestamp tick could look the same).
    await new Promise((r) => setTimeout(r, RACY_MS + 200));
    await run();
    const quiet = await run();
    expect(quiet.checked).toEqual([]);
    expect(quiet.read).toBe(0);
    const file = 'jobs/rental/rental-metrics-1m/01-orders.sql';
    const text = fx.read(file);
    expect(text).toContain('BIGINT');
    fx.write(file, text.replace('BIGINT', 'bigint'));
    expect(statSync(path.join(fx.root, file)).size).toBe(Buffer.byteLength(text));
    const edited = await run();
    expect(edited.checked).toEqual(['rental/rental-metrics-1m']);
    expect(edited.read).toBe(1);
    fx.write(file, text);
  });

  it('named jobs use the same results', async () => {
    await run();
    expect((await run(['rental/rental-metrics-1m'])).checked).toEqual([]);
  });

  it('another flinkops build gets other keys', () => {
    const loader = new RepoLoader(fx.root);
    const { repo } = loader.base();
    const files = loader.readJob('rental/rental-metrics-1m');
    expect(new ResultKeys(repo, 'a').job(files)).toBe(new ResultKeys(repo, 'a').job(files));
    expect(new ResultKeys(repo, 'a').job(files)).not.toBe(new ResultKeys(repo, 'b').job(files));
  });

  it('refuses a results folder other users may write to, and runs uncached', async () => {
    const open = mkdtempSync(path.join(tmpdir(), 'flinkops-open-'));
    try {
      const dir = path.join(open, 'results');
      mkdirSync(dir);
      chmodSync(dir, 0o777);
      expect(ResultStore.open('validate', dir).problem).toMatch(/writable by other users \(mode 777\)/);
      const first = await validateRepository({ root: fx.root, jobs: [], cache: dir });
      const second = await validateRepository({ root: fx.root, jobs: [], cache: dir });
      expect(first.cacheProblem).toMatch(/writable by other users/);
      expect(second.checked).toEqual(ALL);
      // Only readable by others: tightened to 0700 and used.
      chmodSync(dir, 0o755);
      expect(ResultStore.open('validate', dir).problem).toBeUndefined();
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    } finally {
      rmSync(open, { recursive: true, force: true });
    }
  });
});
