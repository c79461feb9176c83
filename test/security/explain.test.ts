import { afterAll, expect, test } from 'vitest';
import { javaAvailable } from '../../lib/flink/launch.js';
import { SecurityFixture } from './support.js';

/** `sql explain` asks the job's Flink release: where the enforcer applied each policy, the enforced plan, the lineage. */
const fx = new SecurityFixture();
afterAll(() => fx.dispose());
const run = javaAvailable() ? test : test.skip;

run(
  'sql explain --json: policies applied in the plan, the enforced plan, OpenLineage column lineage through views and joins',
  () => {
    fx.job(
      'analysts/explained',
      "CREATE TEMPORARY TABLE snk (order_id BIGINT, who STRING, phone STRING) WITH ('connector' = 'kafka', 'topic' = 'out.topic', 'properties.bootstrap.servers' = 'k:9092', 'format' = 'json');\n" +
        'CREATE TEMPORARY VIEW v AS SELECT o.order_id, c.name, c.phone FROM orders o JOIN customers c ON o.customer_id = c.id;\n' +
        "INSERT INTO snk SELECT order_id, CONCAT(name, '!') AS who, phone FROM v;",
    );
    const r = fx.cli('sql', 'explain', 'analysts/explained', '--env', 'test', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.secured).toBe(true);
    expect(
      out.policies.map((p: { policies: string[]; table: string; at: { line: number } }) => [
        p.policies.join('+'),
        p.table,
        p.at.line,
      ]),
    ).toEqual([
      ['orders-bj', 'default_catalog.default_database.orders', 42],
      ['cust-region+cust-adults', 'default_catalog.default_database.customers', 42],
    ]);
    // the filter and the masks sit directly on the scan, below the computed columns and the watermark
    const plan: string = out.enforcedPlans[0].plan;
    expect(plan).toMatch(
      /LogicalFilter\(condition=\[AND\(=\(\$3, _UTF-16LE'beijing'\), >=\(\$4, 18\)\)\]\)\n\s+LogicalTableScan\(table=\[\[default_catalog, default_database, customers\]\]\)/,
    );
    expect(plan).toMatch(
      /LogicalWatermarkAssigner[\s\S]*LogicalProject[\s\S]*PROCTIME[\s\S]*LogicalFilter[\s\S]*orders/,
    );
    const ev = out.lineage;
    expect(ev.eventType).toBe('COMPLETE');
    expect(ev.inputs.map((i: { namespace: string; name: string }) => `${i.namespace}/${i.name}`)).toEqual([
      'kafka://k:9092/crm.customers',
      'kafka://k:9092/shop.orders',
    ]);
    const fields = ev.outputs[0].facets.columnLineage.fields;
    expect(fields.who.inputFields).toEqual([
      {
        namespace: 'kafka://k:9092',
        name: 'crm.customers',
        field: 'name',
        transformations: [{ type: 'DIRECT', subtype: 'TRANSFORMATION', masking: true }],
      },
    ]);
    expect(fields.order_id.inputFields[0]).toMatchObject({ name: 'shop.orders', field: 'order_id' });
    expect(fields.order_id.inputFields[0].transformations[0].masking).toBe(false);
    expect(fields.phone.inputFields[0]).toMatchObject({ field: 'phone', transformations: [{ masking: true }] });
  },
  120_000,
);

run(
  'sql explain exits 1 and prints no SQL when a policy cannot be enforced',
  () => {
    fx.write(
      'platform/policies/broken.yaml',
      'policies:\n  - name: broken\n    resource: { connector: kafka, topic: crm.customers }\n    principals: ["team:analysts"]\n    masks: { mobile: MASK }\n',
    );
    fx.job(
      'analysts/broken',
      "CREATE TEMPORARY TABLE snk (n BIGINT) WITH ('connector' = 'blackhole');\nINSERT INTO snk SELECT COUNT(*) FROM customers;",
    );
    const r = fx.cli('sql', 'explain', 'analysts/broken', '--env', 'test');
    fx.remove('platform/policies/broken.yaml');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('(none: a policy cannot be enforced, see the errors)');
    expect(r.stderr).toContain('security/unenforceable');
    expect(r.stderr).toContain('policy "broken"');
  },
  120_000,
);

test('sql explain without --env is a usage error', () => {
  expect(fx.cli('sql', 'explain', 'analysts/broken').code).toBe(2);
});
