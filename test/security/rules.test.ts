import { afterEach, describe, expect, test } from 'vitest';
import { SecurityFixture } from './support.js';

/** Every fail-closed rule, at the policy's or the SQL's file:line:column; and nothing is returned to render. */
let fx: SecurityFixture;
afterEach(() => fx?.dispose());

const pick = (ds: { rule: string; file: string; line: number; column: number; message: string }[], rule: string) =>
  ds
    .filter((d) => d.rule === rule)
    .map((d) => ({ rule: d.rule, file: d.file, line: d.line, column: d.column, message: d.message }));

function withPolicy(yaml: string): SecurityFixture {
  fx = new SecurityFixture();
  fx.write('platform/policies/test.yaml', `policies:\n${yaml}`);
  return fx;
}

const SINK = "CREATE TEMPORARY TABLE snk (id BIGINT, phone STRING) WITH ('connector' = 'blackhole');\n";

describe('security rules (fail closed)', () => {
  test('the sample repository validates clean', () => {
    fx = new SecurityFixture();
    fx.remove('platform/policies/test.yaml');
    expect(fx.validate().filter((d) => d.severity === 'error')).toEqual([]);
  });

  test('security/unknown-column: a mask on a column the table does not have', () => {
    withPolicy(
      '  - name: p\n    resource: { connector: kafka, topic: crm.customers }\n    principals: ["team:analysts"]\n    masks:\n      mobile: MASK\n',
    ).job('analysts/j', `${SINK}INSERT INTO snk SELECT id, phone FROM customers;`);
    const ds = fx.validate(['analysts/j']);
    expect(pick(ds, 'security/unknown-column')).toEqual([
      {
        rule: 'security/unknown-column',
        file: 'platform/policies/test.yaml',
        line: 6,
        column: 7,
        message:
          'policy "p" masks "mobile", which default_catalog.default_database.customers (jobs/analysts/j/main.sql:1) does not have',
      },
    ]);
    const eff = fx.effective('analysts/j');
    expect(eff.statements).toEqual([]); // nothing unprotected is rendered
    expect(eff.sql.script()).toBe('');
    expect(eff.secured).toBe(false);
  });

  test('security/unknown-column: a row filter over a missing column', () => {
    withPolicy(
      '  - name: p\n    resource: { connector: kafka, topic: crm.customers }\n    principals: ["team:analysts"]\n    rowFilter: "city = \'bj\'"\n',
    ).job('analysts/j', `${SINK}INSERT INTO snk SELECT id, phone FROM customers;`);
    expect(pick(fx.validate(['analysts/j']), 'security/unknown-column').map((d) => [d.file, d.line, d.column])).toEqual(
      [['platform/policies/test.yaml', 5, 5]],
    );
  });

  test('security/bad-mask: an unknown mask type, and a mask the column type cannot keep', () => {
    withPolicy(
      '  - name: p\n    resource: { connector: kafka, topic: crm.customers }\n    principals: ["team:analysts"]\n    masks:\n      age: MASK_HASH\n      phone: "CUSTOM: CONCAT({col}"\n',
    ).job('analysts/j', `${SINK}INSERT INTO snk SELECT id, phone FROM customers;`);
    const ds = pick(fx.validate(['analysts/j']), 'security/bad-mask');
    expect(
      [...new Set(ds.map((d) => `${d.file}:${d.line}:${d.column}`))].map((k) => [
        k.split(':')[0],
        Number(k.split(':')[1]),
        Number(k.split(':')[2]),
      ]),
    ).toEqual([
      ['platform/policies/test.yaml', 6, 7],
      ['platform/policies/test.yaml', 7, 7],
    ]);
    expect(ds[0]!.message).toContain('MASK_HASH cannot mask "age" of type INT');
    expect(ds[1]!.message).toContain('CUSTOM');
    // the schema rejects mask names it does not know; the rule reports it too (fail closed)
    withPolicy(
      '  - name: p\n    resource: { connector: kafka, topic: crm.customers }\n    principals: ["team:analysts"]\n    masks:\n      phone: MASK_LAST_4\n',
    ).job('analysts/j', `${SINK}INSERT INTO snk SELECT id, phone FROM customers;`);
    const all = fx.validate(['analysts/j']);
    expect(all.some((d) => d.file === 'platform/policies/test.yaml' && d.line === 6 && d.severity === 'error')).toBe(
      true,
    );
    expect(fx.effective('analysts/j').statements).toEqual([]);
  });

  test('security/bad-filter: a row filter that does not parse', () => {
    withPolicy(
      '  - name: p\n    resource: { connector: kafka, topic: crm.customers }\n    principals: ["team:analysts"]\n    rowFilter: "region = = 1"\n',
    ).job('analysts/j', `${SINK}INSERT INTO snk SELECT id, phone FROM customers;`);
    const ds = pick(fx.validate(['analysts/j']), 'security/bad-filter');
    expect(ds.map((d) => [d.file, d.line, d.column])).toEqual([['platform/policies/test.yaml', 5, 5]]);
    expect(fx.effective('analysts/j').statements).toEqual([]);
  });

  test('security/unknown-columns: a policy on a catalog table whose columns are unknown', () => {
    withPolicy(
      '  - name: p\n    resource: { table: hive_ods.ods.secret_table }\n    principals: ["team:analysts"]\n    rowFilter: "x = 1"\n',
    ).job('analysts/j', `${SINK}INSERT INTO snk SELECT id, phone FROM hive_ods.ods.secret_table;`);
    const ds = pick(fx.validate(['analysts/j']), 'security/unknown-columns');
    expect(ds.map((d) => [d.file, d.line, d.column])).toEqual([['platform/policies/test.yaml', 3, 5]]);
    expect(ds[0]!.message).toContain('hive_ods.ods.secret_table (jobs/analysts/j/main.sql:41)');
  });

  test('security/unenforceable: a masked time attribute used by a window TVF, at the SQL position', () => {
    withPolicy(
      '  - name: p\n    resource: { connector: kafka, topic: shop.orders }\n    principals: ["team:analysts"]\n    masks:\n      ts: MASK_DATE_SHOW_YEAR\n',
    ).job(
      'analysts/j',
      "CREATE TEMPORARY TABLE snk (n BIGINT) WITH ('connector' = 'blackhole');\nINSERT INTO snk SELECT COUNT(*) FROM TABLE(\n  TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end;",
    );
    const ds = pick(fx.validate(['analysts/j']), 'security/unenforceable');
    expect(ds.map((d) => [d.file, d.line, d.column])).toEqual([['jobs/analysts/j/main.sql', 42, 16]]);
  });

  test('security/unenforceable: SELECT * through a lookup join with masked columns', () => {
    withPolicy(
      '  - name: p\n    resource: { connector: jdbc, table-name: customers }\n    principals: ["team:analysts"]\n    masks:\n      phone: MASK\n',
    ).job(
      'analysts/j',
      "CREATE TEMPORARY TABLE snk (a BIGINT) WITH ('connector' = 'blackhole');\nINSERT INTO snk SELECT *\nFROM orders o JOIN dim_customer FOR SYSTEM_TIME AS OF o.proc AS d ON o.customer_id = d.id;",
    );
    const ds = pick(fx.validate(['analysts/j']), 'security/unenforceable');
    expect(ds.map((d) => [d.file, d.line, d.column])).toEqual([['jobs/analysts/j/main.sql', 41, 24]]);
  });

  test('security/unenforceable: a statement the grammar cannot parse that reads a protected table names the parser gap and line', () => {
    withPolicy(
      '  - name: p\n    resource: { connector: kafka, topic: crm.customers }\n    principals: ["team:analysts"]\n    rowFilter: "region = \'bj\'"\n',
    ).job(
      'analysts/j',
      "CREATE TEMPORARY TABLE snk (n BIGINT) WITH ('connector' = 'blackhole');\n\nINSERT INTO snk\nSELECT COUNT(*) FILTER (WHERE age > 1) FROM customers;",
    );
    const ds = pick(fx.validate(['analysts/j']), 'security/unenforceable');
    expect(ds.map((d) => [d.file, d.line, d.column])).toEqual([['jobs/analysts/j/main.sql', 42, 1]]);
    expect(ds[0]!.message).toMatch(
      /parser gap: .*line 43\), and it may read default_catalog\.default_database\.customers/,
    );
    expect(fx.effective('analysts/j').statements).toEqual([]);
  });

  test('an invalid policy file blocks every job (nothing rendered), reported at the file', () => {
    withPolicy(
      '  - name: p\n    resource: { connector: kafka, topic: crm.customers }\n    principals: ["team:analysts"]\n    masks: 5\n',
    ).job('analysts/j', `${SINK}INSERT INTO snk SELECT id, phone FROM customers;`);
    expect(fx.effective('analysts/j').statements).toEqual([]);
    expect(pick(fx.validate(['analysts/j']), 'security/unenforceable').map((d) => [d.file, d.line, d.column])).toEqual([
      ['platform/policies/test.yaml', 1, 1],
    ]);
  });

  test('security/duplicate-policy and security/unknown-principal', () => {
    withPolicy(
      '  - name: p\n    resource: { table: x }\n    principals: ["team:nobody"]\n  - name: p\n    resource: { table: y }\n    principals: ["role:ghost"]\n',
    );
    const ds = fx.validate();
    expect(pick(ds, 'security/duplicate-policy').map((d) => [d.line, d.column])).toEqual([[5, 5]]);
    expect(pick(ds, 'security/unknown-principal').map((d) => [d.line, d.column])).toEqual([
      [4, 18],
      [7, 18],
    ]);
  });

  test('the rewrite keeps comments, spacing and line numbers', () => {
    fx = new SecurityFixture();
    fx.job(
      'analysts/j',
      SINK +
        '-- a comment that stays\nINSERT INTO snk /* here too */\nSELECT id, phone\nFROM customers c\nWHERE id > 0;',
    );
    const eff = fx.effective('analysts/j');
    const last = eff.statements[eff.statements.length - 1]!;
    expect(last.text.split('\n').length).toBe(
      eff.sourceStatements![eff.sourceStatements!.length - 1]!.text.split('\n').length,
    );
    expect(last.text).toContain('INSERT INTO snk /* here too */\nSELECT id, phone\nFROM (SELECT `id`, ');
    expect(last.text).toMatch(/FROM customers WHERE \(region = 'beijing'\) AND \(age >= 18\)\) c\nWHERE id > 0$/);
    expect(eff.policies!.map((p) => [p.policies.join('+'), p.at.line, p.at.column])).toEqual([
      ['cust-region+cust-adults', 44, 6],
    ]);
  });
});
