import { afterAll, expect, test } from 'vitest';
import { SecurityFixture } from './support.js';

const fx = new SecurityFixture();
afterAll(() => fx.dispose());

test('sql explain --json: effective SQL, diff, policies applied, OpenLineage lineage with column lineage through views and joins', () => {
  fx.job(
    'analysts/explained',
    "CREATE TEMPORARY TABLE snk (order_id BIGINT, who STRING, phone STRING) WITH ('connector' = 'kafka', 'topic' = 'out.topic', 'properties.bootstrap.servers' = 'k:9092', 'format' = 'json');\n" +
      'CREATE TEMPORARY VIEW v AS SELECT o.order_id, c.name, c.phone FROM orders o LEFT JOIN customers c ON o.customer_id = c.id;\n' +
      "INSERT INTO snk SELECT order_id, CONCAT(name, '!') AS who, phone FROM v;",
  );
  const r = fx.cli('sql', 'explain', 'analysts/explained', '--env', 'test', '--json');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.secured).toBe(true);
  expect(
    out.policies.map((p: { policies: string[]; how: string; at: { line: number } }) => [
      p.policies.join('+'),
      p.how,
      p.at.line,
    ]),
  ).toEqual([
    ['orders-bj', 'subquery', 41],
    ['cust-region+cust-adults', 'subquery', 41],
  ]);
  expect(out.effectiveSql).toContain("FROM customers WHERE (region = 'beijing') AND (age >= 18)) c");
  expect(out.diff).toContain(
    '-CREATE TEMPORARY VIEW v AS SELECT o.order_id, c.name, c.phone FROM orders o LEFT JOIN customers c',
  );
  const ev = out.lineage;
  expect(ev.eventType).toBe('COMPLETE');
  expect(ev.inputs.map((i: { namespace: string; name: string }) => `${i.namespace}/${i.name}`)).toEqual([
    'kafka://k:9092/crm.customers',
    'kafka://k:9092/shop.orders',
  ]);
  expect(ev.outputs).toHaveLength(1);
  const fields = ev.outputs[0].facets.columnLineage.fields;
  expect(fields.who.inputFields).toEqual([
    {
      namespace: 'kafka://k:9092',
      name: 'crm.customers',
      field: 'name',
      transformations: [{ type: 'DIRECT', subtype: 'TRANSFORMATION', masking: true }],
    },
  ]);
  expect(fields.order_id.inputFields[0]).toMatchObject({
    name: 'shop.orders',
    field: 'order_id',
    transformations: [{ masking: false }],
  });
  expect(fields.phone.inputFields[0]).toMatchObject({
    name: 'crm.customers',
    field: 'phone',
    transformations: [{ masking: true }],
  });
});

test('sql explain exits 1 and prints no SQL when a policy cannot be enforced', () => {
  fx.job(
    'analysts/broken',
    "CREATE TEMPORARY TABLE snk (n BIGINT) WITH ('connector' = 'blackhole');\nINSERT INTO snk SELECT COUNT(*) FILTER (WHERE age > 1) FROM customers;",
  );
  const r = fx.cli('sql', 'explain', 'analysts/broken', '--env', 'test');
  expect(r.code).toBe(1);
  expect(r.stdout).toContain('(none: a policy cannot be enforced, see the errors)');
  expect(r.stderr).toContain('security/unenforceable');
});

test('sql explain without --env is a usage error', () => {
  expect(fx.cli('sql', 'explain', 'analysts/broken').code).toBe(2);
});
