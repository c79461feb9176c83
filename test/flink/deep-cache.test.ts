import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deepWorkers, helperTasks, type Unit } from '../../lib/flink/deep.js';
import { validateRepository } from '../../lib/validation/incremental.js';
import { Fixture, locate } from '../support/fixture.js';
import { flinkAvailable } from '../support/flink.js';

const HAVE_FLINK = flinkAvailable();
const SQL_JOBS = [
  'datasync/kafka-orders-to-paimon',
  'datasync/mongo-tickets-to-clickhouse',
  'datasync/mysql-contracts-to-paimon',
  'homeservice/daily-settlement',
  'homeservice/workorder-sla',
  'rental/orders-enrich-house',
  'rental/rental-metrics-1m',
];

describe.runIf(HAVE_FLINK)('validate --deep with cached results: Flink sees only what changed', () => {
  let fx: Fixture;
  let cache: string;
  beforeAll(() => {
    fx = new Fixture();
    cache = fx.results;
  });
  afterAll(() => {
    fx.dispose();
  });

  it('validates every SQL job once, then only the job a change touches, with the same verdicts as an uncached run', async () => {
    const first = await validateRepository({ root: fx.root, jobs: [], cache, deep: true });
    expect(first.deepChecked.filter((id) => SQL_JOBS.includes(id))).toEqual(SQL_JOBS);
    expect(first.diagnostics).toEqual([]);

    const unchanged = await validateRepository({ root: fx.root, jobs: [], cache, deep: true });
    expect(unchanged.deepChecked).toEqual([]);
    expect(unchanged.deep?.jobs).toBe(0); // no JVM started

    const file = 'jobs/datasync/kafka-orders-to-paimon/02-sink.sql';
    fx.edit(file, 'LOWER(TRIM(city)) AS city', 'LOWER(TRIM(cty)) AS city');
    const changed = await validateRepository({ root: fx.root, jobs: [], cache, deep: true });
    expect(changed.deepChecked).toEqual(['datasync/kafka-orders-to-paimon']);
    const d = changed.diagnostics.find((x) => x.rule === 'sql/flink-validation');
    expect(d).toMatchObject({ file, ...locate(fx.read(file), 'cty)') });

    // The rejection is a cached result too, and an uncached run agrees with it.
    const again = await validateRepository({ root: fx.root, jobs: [], cache, deep: true });
    expect(again.deepChecked).toEqual([]);
    const fresh = await validateRepository({ root: fx.root, jobs: [], cache: false, deep: true });
    expect(again.diagnostics).toEqual(fresh.diagnostics);
  }, 900_000);
});

describe('helper JVMs: a bounded pool', () => {
  const units = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `j${i}` }) as unknown as Unit);

  it('one JVM per release for small requests, whatever the worker count', () => {
    const tasks = helperTasks(
      new Map([
        ['1.20.4', units(30)],
        ['2.2.1', units(20)],
      ]),
      4,
    );
    expect(tasks.map((t) => [t.release, t.units.length])).toEqual([
      ['1.20.4', 30],
      ['2.2.1', 20],
    ]);
  });

  it('large requests split over the workers, in proportion to each release’s share', () => {
    const tasks = helperTasks(
      new Map([
        ['1.20.4', units(3000)],
        ['2.2.1', units(1000)],
      ]),
      4,
    );
    expect(tasks.map((t) => [t.release, t.units.length])).toEqual([
      ['1.20.4', 1000],
      ['1.20.4', 1000],
      ['1.20.4', 1000],
      ['2.2.1', 1000],
    ]);
  });

  it('the worker count comes from FLINKOPS_DEEP_WORKERS, else the cores (at most 4)', () => {
    const before = process.env.FLINKOPS_DEEP_WORKERS;
    try {
      process.env.FLINKOPS_DEEP_WORKERS = '3';
      expect(deepWorkers()).toBe(3);
      delete process.env.FLINKOPS_DEEP_WORKERS;
      expect(deepWorkers()).toBeGreaterThanOrEqual(1);
      expect(deepWorkers()).toBeLessThanOrEqual(4);
    } finally {
      if (before === undefined) delete process.env.FLINKOPS_DEEP_WORKERS;
      else process.env.FLINKOPS_DEEP_WORKERS = before;
    }
  });
});
