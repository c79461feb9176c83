import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newJob } from '../../actions/new.js';
import { test as runTestsAction } from '../../actions/test.js';
import type { resultsJson } from '../../lib/testrun/format.js';
import { HelperPool } from '../../lib/testrun/run.js';
import { Fixture } from '../support/fixture.js';
import { flinkAvailable } from '../support/flink.js';

const HAVE_FLINK = flinkAvailable();

type Results = ReturnType<typeof resultsJson>;

// One helper JVM per Flink release for the whole file, as one `flinkops test` run has.
const pool = new HelperPool();
afterAll(() => pool.close());

async function run(fx: Fixture, jobs: string[], format: 'json' | 'text' | 'junit' = 'json', env?: string) {
  return runTestsAction({ repo: fx.root, jobs, format, pool, ...(env ? { env } : {}) });
}

describe('test files are checked without Flink (validate: test/tables, test/file)', () => {
  let fx: Fixture;
  beforeAll(() => {
    fx = new Fixture();
  });
  afterAll(() => fx.dispose());

  it('the sample repository’s tests validate clean', () => {
    const problems = fx.validate().filter((d) => d.file.includes('/tests/'));
    expect(problems).toEqual([]);
  });

  it('an unknown table, an unknown column and a wrong-typed value are errors at their file:line:column', () => {
    const file = 'jobs/rental/rental-metrics-1m/tests/broken.yaml';
    fx.write(
      file,
      [
        'given:',
        '  oders:',
        '    - { order_id: 1 }',
        '  orders:',
        '    - { order_id: 1, cty: beijing, created_at: "2024-03-01 10:00:05" }',
        '    - { order_id: one, amount: 1.5, created_at: "yesterday" }',
        'expect:',
        '  paimon_dw.dws.rental_metrics_1m:',
        '    rows:',
        '      - { city: beijing, orders: "2" }',
        '      - { city: beijing, gmv: true }',
        '',
      ].join('\n'),
    );
    try {
      const ds = fx.validate(['rental/rental-metrics-1m']).filter((d) => d.file === file);
      const shown = ds.map((d) => `${d.line}:${d.column} ${d.rule} ${d.message}`);
      // both environments find the same problems; each is reported once
      expect(shown).toEqual(
        [
          '2:3 test/tables unknown source table "oders" in prod — did you mean "orders"?',
          '5:7 test/tables unknown column "cty" of default_catalog.default_database.orders — did you mean "city"?',
          '6:7 test/tables "created_at" of orders: "yesterday" is not a timestamp (write "2024-01-01 10:00:00", fraction optional)',
          '6:7 test/tables "order_id" of orders: "one" is not an integer (BIGINT)',
          '11:9 test/tables "gmv" of paimon_dw.dws.rental_metrics_1m: true is not a number (DECIMAL(18, 2))',
          '2:3 test/tables unknown source table "oders" in test — did you mean "orders"?',
        ].sort((a, b) => Number(a.split(':')[0]) - Number(b.split(':')[0]) || (a < b ? -1 : 1)),
      );
      expect(ds.every((d) => d.severity === 'error' && d.hint)).toBe(true);
    } finally {
      fx.remove(file);
    }
  });

  it('a schema error and a sink without rows or changelog are diagnostics, not stack traces', () => {
    const file = 'jobs/rental/rental-metrics-1m/tests/bad-schema.yaml';
    fx.write(file, 'given:\n  orders: []\nexpct: {}\nexpect:\n  paimon_dw.dws.rental_metrics_1m:\n    ordered: true\n');
    try {
      const ds = fx.validate(['rental/rental-metrics-1m']).filter((d) => d.file === file);
      expect(ds.map((d) => `${d.line}:${d.column} ${d.rule}`)).toEqual(['3:1 schema/unknown-key']);
      expect(ds[0]!.message).toContain('did you mean "expect"?');
      fx.write(file, 'given:\n  orders: []\nexpect:\n  paimon_dw.dws.rental_metrics_1m:\n    ordered: true\n');
      const again = fx.validate(['rental/rental-metrics-1m']).filter((d) => d.file === file);
      expect(again.map((d) => `${d.line}:${d.column} ${d.rule}`)).toEqual(['4:3 test/file']);
    } finally {
      fx.remove(file);
    }
  });

  it('a .jsonl row file that is not JSON is an error at its line', () => {
    const file = 'jobs/homeservice/workorder-sla/tests/work-orders.jsonl';
    const before = fx.read(file);
    fx.write(file, `${before}{"order_id": 5, oops}\n`);
    try {
      const ds = fx.validate(['homeservice/workorder-sla']).filter((d) => d.file === file);
      expect(ds.map((d) => `${d.line}:${d.column} ${d.rule}`)).toEqual(['5:1 test/file']);
    } finally {
      fx.write(file, before);
    }
  });
});

describe.runIf(HAVE_FLINK)('flinkops test runs the tests in real Flink', { timeout: 600_000 }, () => {
  let fx: Fixture;
  beforeAll(() => {
    fx = new Fixture();
  });
  afterAll(() => fx.dispose());

  it('every test of the sample repository passes, in every environment it names (both Flink releases)', async () => {
    const r = await run(fx, []);
    const json = JSON.parse(r.stdout) as Results;
    const failing = json.tests.filter((t) => t.status !== 'passed');
    expect(failing, JSON.stringify(failing, null, 2)).toEqual([]);
    expect(r.exitCode).toBe(0);
    // the window job, the lookup join, the statement set, the CDC jobs, the batch job, and the rest
    expect(new Set(json.tests.map((t) => t.job))).toEqual(
      new Set([
        'acquisition/viewings-funnel',
        'datasync/kafka-orders-to-paimon',
        'datasync/mongo-tickets-to-clickhouse',
        'datasync/mysql-contracts-to-paimon',
        'homeservice/daily-settlement',
        'homeservice/workorder-sla',
        'rental/orders-enrich-house',
        'rental/rental-metrics-1m',
      ]),
    );
    expect(new Set(json.tests.map((t) => t.flinkVersion))).toEqual(new Set(['1.20.4', '2.2.1']));
    // envs: [prod] runs in prod only
    expect(json.tests.filter((t) => t.test === 'staff-orders-hidden-in-prod').map((t) => t.env)).toEqual(['prod']);
  });

  it('a wrong expectation fails with a row diff at the expectation’s line; exit 1', async () => {
    const file = 'jobs/rental/rental-metrics-1m/tests/orders-per-city-minute.yaml';
    const before = fx.read(file);
    // line 13: the beijing 10:00 window really has gmv 250.50
    fx.edit(file, 'orders: 2, gmv: 250.50', 'orders: 2, gmv: 350.50');
    // line 15: a window that does not exist
    fx.edit(file, 'window_start: "2024-03-01 10:01:00"', 'window_start: "2024-03-01 10:05:00"');
    try {
      const r = await run(fx, ['rental/rental-metrics-1m'], 'text', 'test');
      expect(r.exitCode).toBe(1);
      const lines = r.stdout.split('\n');
      expect(lines[0]).toMatch(/^✖ rental\/rental-metrics-1m › orders-per-city-minute \[test\]/);
      expect(r.stdout).toContain('    paimon_dw.dws.rental_metrics_1m (final rows): 2 changed\n');
      expect(r.stdout).toContain(`      ~ changed     ${file}:13:9  {city: beijing,`);
      expect(r.stdout).toContain('                    gmv: expected 350.5, got 250.50\n');
      expect(r.stdout).toContain(`      ~ changed     ${file}:15:9  {city: beijing, window_start: 2024-03-01 10:05:00`);
      expect(r.stdout).toContain(
        '                    window_start: expected 2024-03-01 10:05:00, got 2024-03-01 10:01:00.000\n',
      );
      expect(r.stdout).toContain('Tests: 0 passed, 1 failed, 0 errors (1 test of 1 job)');

      // a row nobody expects is "unexpected", a row that never came is "missing"
      fx.write(file, before.replace(/ {6}- \{ city: shanghai.*\n/, ''));
      fx.edit(
        file,
        'gmv: 60.00, unique_users: 1 }',
        'gmv: 60.00, unique_users: 1 }\n      - { city: hangzhou, orders: 9 }',
      );
      const r2 = await run(fx, ['rental/rental-metrics-1m'], 'json', 'test');
      const t = (JSON.parse(r2.stdout) as Results).tests[0]!;
      expect(t.status).toBe('failed');
      expect(t.sinks[0]!.differences.map((d) => `${d.kind} ${d.origin.line}`)).toEqual(['unexpected 11', 'missing 15']);
      expect(t.sinks[0]!.differences[0]!.actual).toMatchObject({ city: 'shanghai', orders: 1, gmv: '200.00' });
    } finally {
      fx.write(file, before);
    }
  });

  it('tolerance, order and the exact changelog are compared as asked', async () => {
    const file = 'jobs/datasync/mongo-tickets-to-clickhouse/tests/ticket-changelog.yaml';
    const before = fx.read(file);
    try {
      // swapping two changes breaks an ordered changelog…
      const lines = before.split('\n');
      const i = lines.findIndex((l) => l.includes('$op: +U, ticket_id: t1'));
      [lines[i], lines[i + 1]] = [lines[i + 1]!, lines[i]!];
      fx.write(file, lines.join('\n'));
      const r = await run(fx, ['datasync/mongo-tickets-to-clickhouse'], 'json', 'test');
      expect(r.exitCode).toBe(1);
      const kinds = (JSON.parse(r.stdout) as Results).tests[0]!.sinks[0]!.differences.map((d) => d.kind);
      expect(kinds).toEqual(['changed', 'changed']);
      // …but not an unordered one
      fx.write(file, lines.join('\n').replace('ordered: true', 'ordered: false'));
      expect((await run(fx, ['datasync/mongo-tickets-to-clickhouse'], 'json', 'test')).exitCode).toBe(0);
    } finally {
      fx.write(file, before);
    }
    const metrics = 'jobs/rental/rental-metrics-1m/tests/orders-per-city-minute.yaml';
    const m = fx.read(metrics);
    try {
      fx.edit(metrics, 'gmv: 250.50', 'gmv: 250.49');
      expect((await run(fx, ['rental/rental-metrics-1m'], 'json', 'test')).exitCode).toBe(1);
      fx.edit(metrics, '    rows:', '    tolerance: 0.01\n    rows:');
      expect((await run(fx, ['rental/rental-metrics-1m'], 'json', 'test')).exitCode).toBe(0);
    } finally {
      fx.write(metrics, m);
    }
  });

  it('the environment’s data-security policies apply: a mask a team must see is in its test', async () => {
    // The rental team reads the contracts through tenant-phone-last4 (it is not a pii-reader).
    fx.write('jobs/rental/contracts-copy/job.yaml', 'type: sql\nflinkVersion: "1.20"\nupgradeMode: stateless\n');
    fx.write('jobs/rental/contracts-copy/owners.yaml', 'owners: ["@zhao.min"]\n');
    fx.write(
      'jobs/rental/contracts-copy/main.sql',
      `CREATE TEMPORARY TABLE c (contract_id BIGINT, tenant_name STRING, tenant_phone STRING) WITH (
  'connector' = 'mysql-cdc', 'hostname' = 'h', 'database-name' = 'rent', 'table-name' = 'contracts');
CREATE TEMPORARY TABLE out_c (contract_id BIGINT, tenant_phone STRING) WITH ('connector' = 'blackhole');
INSERT INTO out_c SELECT contract_id, tenant_phone FROM c;
`,
    );
    const testFile = 'jobs/rental/contracts-copy/tests/phone-masked.yaml';
    fx.write(
      testFile,
      'given:\n  c:\n    - { contract_id: 1, tenant_phone: "13812345678" }\nexpect:\n  out_c:\n    rows:\n      - { contract_id: 1, tenant_phone: "13812345678" }\n',
    );
    // Ranger/Hive MASK_SHOW_LAST_4: digits become n (mask_show_last_n of Hive: upper X, lower x, digit n).
    const r = await run(fx, ['rental/contracts-copy'], 'text', 'test');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('tenant_phone: expected 13812345678, got nnnnnnn5678');
    fx.write(
      testFile,
      'given:\n  c:\n    - { contract_id: 1, tenant_phone: "13812345678" }\nexpect:\n  out_c:\n    rows:\n      - { contract_id: 1, tenant_phone: "nnnnnnn5678" }\n',
    );
    expect((await run(fx, ['rental/contracts-copy'], 'text', 'test')).exitCode).toBe(0);
  });

  it('flinkops new scaffolds a job whose one test passes', async () => {
    const created = newJob({ repo: fx.root, target: 'rental/occupancy', type: 'sql' });
    expect(created.exitCode).toBe(0);
    expect(created.stdout).toContain('  created jobs/rental/occupancy/tests/events-pass-through.yaml\n');
    const r = await run(fx, ['rental/occupancy'], 'json', 'test');
    const json = JSON.parse(r.stdout) as Results;
    expect(json.tests.map((t) => `${t.test} ${t.status}`)).toEqual(['events-pass-through passed']);
    expect(r.exitCode).toBe(0);
  });

  it('JUnit: one suite per job, one case per test and environment, failures carry the diff', async () => {
    const r = await run(fx, ['homeservice/workorder-sla', 'rental/rental-metrics-1m'], 'junit');
    expect(r.stdout).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="flinkops test" tests="5" failures="0" errors="0"/,
    );
    expect(r.stdout).toContain('<testsuite name="homeservice/workorder-sla" tests="2" failures="0" errors="0"');
    expect(r.stdout).toContain(
      '<testcase classname="rental/rental-metrics-1m" name="staff-orders-hidden-in-prod [prod]"',
    );
  });
});
