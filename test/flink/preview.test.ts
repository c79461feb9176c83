import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preview } from '../../actions/preview.js';
import { Fixture } from '../support/fixture.js';
import { flinkAvailable } from '../support/flink.js';

const HAVE_FLINK = flinkAvailable();

/** A SQL job added to a copy of the sample repository. */
function addJob(fx: Fixture, name: string, sql: string, flinkVersion = '1.20'): string {
  fx.write(`jobs/rental/${name}/job.yaml`, `type: sql\nflinkVersion: "${flinkVersion}"\nupgradeMode: stateless\n`);
  fx.write(`jobs/rental/${name}/owners.yaml`, 'owners: ["@zhao.min"]\n');
  fx.write(`jobs/rental/${name}/main.sql`, sql);
  return `rental/${name}`;
}

function samples(fx: Fixture, table: string, rows: object[]): string {
  const file = path.join(fx.root, `${table}.jsonl`);
  writeFileSync(file, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return `${table}=${file}`;
}

/** Rows with every value as text, sorted: independent of how numbers and decimals are encoded. */
function norm(rows: Record<string, unknown>[]): string[] {
  return rows
    .map((r) =>
      Object.entries(r)
        .map(([k, v]) => `${k}=${v === null ? 'NULL' : typeof v === 'number' ? String(v) : String(v)}`)
        .join(' '),
    )
    .sort();
}

async function run(fx: Fixture, job: string, sampleArgs: string[], rows = 10) {
  const r = await preview({ repo: fx.root, job, env: 'test', samples: sampleArgs, rows, json: true });
  expect(r.stderr ?? '').toBe('');
  expect(r.exitCode).toBe(0);
  return JSON.parse(r.stdout) as { sinks: Record<string, Record<string, unknown>[]>; updating?: string[] };
}

const ORDERS = [
  { id: 1, city: 'beijing', amount: 5.5, ts: '2024-01-01 10:00:05' },
  { id: 2, city: 'beijing', amount: 20, ts: '2024-01-01 10:00:30' },
  { id: 3, city: 'shanghai', amount: 12.25, ts: '2024-01-01 10:00:59.999' },
  { id: 4, city: 'beijing', amount: 100, ts: '2024-01-01 10:01:00' },
  { id: 5, city: 'shanghai', amount: 1, ts: '2024-01-01 10:02:10' },
];
const ORDERS_DDL = `CREATE TEMPORARY TABLE orders (
  id BIGINT, city STRING, amount DECIMAL(10, 2), ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'kafka', 'topic' = 'rent.orders\${topic_suffix}', 'format' = 'json');
`;

describe.runIf(HAVE_FLINK)('preview runs the effective SQL on a local mini cluster', () => {
  let fx: Fixture;
  beforeAll(() => {
    fx = new Fixture();
  });
  afterAll(() => fx.dispose());

  it('a filter and a projection', async () => {
    const job = addJob(
      fx,
      'pv-filter',
      ORDERS_DDL +
        `CREATE TEMPORARY TABLE big_orders (id BIGINT, city STRING, amount DECIMAL(10, 2)) WITH ('connector' = 'blackhole');
INSERT INTO big_orders SELECT id, UPPER(city), amount FROM orders WHERE amount > 10;
`,
    );
    const out = await run(fx, job, [samples(fx, 'orders', ORDERS)]);
    expect(norm(out.sinks.big_orders!)).toEqual([
      'id=2 city=BEIJING amount=20.00',
      'id=3 city=SHANGHAI amount=12.25',
      'id=4 city=BEIJING amount=100.00',
    ]);
  }, 300_000);

  it('a tumbling window over event time fires at the end of bounded input', async () => {
    const job = addJob(
      fx,
      'pv-window',
      ORDERS_DDL +
        `CREATE TEMPORARY TABLE per_minute (city STRING, window_start TIMESTAMP(3), cnt BIGINT, total DECIMAL(20, 2)) WITH ('connector' = 'blackhole');
INSERT INTO per_minute
SELECT city, window_start, COUNT(*), SUM(amount)
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY city, window_start, window_end;
`,
    );
    const out = await run(fx, job, [samples(fx, 'orders', ORDERS)]);
    expect(norm(out.sinks.per_minute!)).toEqual([
      'city=beijing window_start=2024-01-01 10:00:00.000 cnt=2 total=25.50',
      'city=beijing window_start=2024-01-01 10:01:00.000 cnt=1 total=100.00',
      'city=shanghai window_start=2024-01-01 10:00:00.000 cnt=1 total=12.25',
      'city=shanghai window_start=2024-01-01 10:02:00.000 cnt=1 total=1.00',
    ]);
  }, 300_000);

  it('a statement set writes two sinks, on Flink 2.2', async () => {
    const job = addJob(
      fx,
      'pv-set',
      ORDERS_DDL +
        `CREATE TEMPORARY TABLE small_orders (id BIGINT) WITH ('connector' = 'blackhole');
CREATE TEMPORARY TABLE big_orders (id BIGINT) WITH ('connector' = 'blackhole');
EXECUTE STATEMENT SET BEGIN
  INSERT INTO small_orders SELECT id FROM orders WHERE amount < 10;
  INSERT INTO big_orders SELECT id FROM orders WHERE amount >= 10;
END;
`,
      '2.2',
    );
    const out = await run(fx, job, [samples(fx, 'orders', ORDERS)]);
    expect(norm(out.sinks.small_orders!)).toEqual(['id=1', 'id=5']);
    expect(norm(out.sinks.big_orders!)).toEqual(['id=2', 'id=3', 'id=4']);
  }, 300_000);

  it('a regular join; the sink receives updates and the final rows are reported', async () => {
    const job = addJob(
      fx,
      'pv-join',
      ORDERS_DDL +
        `CREATE TEMPORARY TABLE users (id BIGINT, name STRING) WITH ('connector' = 'mysql-cdc', 'table-name' = 'users');
CREATE TEMPORARY TABLE spend (name STRING, total DECIMAL(20, 2), PRIMARY KEY (name) NOT ENFORCED) WITH ('connector' = 'jdbc', 'table-name' = 'spend');
SET 'table.exec.state.ttl' = '1h';
CREATE TEMPORARY VIEW joined AS SELECT u.name, o.amount FROM orders AS o JOIN users AS u ON o.id % 2 = u.id;
INSERT INTO spend SELECT name, SUM(amount) FROM joined GROUP BY name;
`,
    );
    const out = await run(fx, job, [
      samples(fx, 'orders', ORDERS),
      samples(fx, 'users', [
        { id: 0, name: 'even' },
        { id: 1, name: 'odd' },
      ]),
    ]);
    // odd ids 1, 3, 5: 5.50 + 12.25 + 1.00; even ids 2, 4: 20.00 + 100.00
    expect(norm(out.sinks.spend!)).toEqual(['name=even total=120.00', 'name=odd total=18.75']);
    expect(out.updating).toContain('spend');
  }, 300_000);

  it('generates rows that respect the column types when no sample is given', async () => {
    const job = addJob(
      fx,
      'pv-generated',
      ORDERS_DDL +
        `CREATE TEMPORARY TABLE copy (id BIGINT, city STRING, amount DECIMAL(10, 2)) WITH ('connector' = 'blackhole');
INSERT INTO copy SELECT id, city, amount FROM orders;
`,
    );
    const out = await run(fx, job, [], 7);
    expect(out.sinks.copy).toHaveLength(7);
    for (const row of out.sinks.copy!) {
      expect(['number', 'string']).toContain(typeof row.id);
      expect(typeof row.city).toBe('string');
    }
  }, 300_000);
});
