import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { deepValidate } from '../../lib/flink/deep.js';
import { javaAvailable } from '../../lib/flink/launch.js';
import { loadRepo } from '../../lib/repo/load.js';
import { SecurityFixture } from './support.js';

/**
 * Fast validate keeps lint-level checks of the policies (names, principals, filters and masks as
 * written, code SQL cannot police); whether a policy can be enforced is decided by Flink's planner
 * in `validate --deep`, at the statement's file:line:column.
 */
let fx: SecurityFixture;
afterEach(() => fx?.dispose());

const rules = (ds: { rule: string }[]) => ds.map((d) => d.rule);

function withPolicy(yaml: string): SecurityFixture {
  fx = new SecurityFixture();
  fx.write('platform/policies/test.yaml', `policies:\n${yaml}`);
  return fx;
}

const SINK = "CREATE TEMPORARY TABLE snk (id BIGINT, phone STRING) WITH ('connector' = 'blackhole');\n";
const P = '  - name: p\n    resource: { connector: kafka, topic: crm.customers }\n    principals: ["team:analysts"]\n';

describe('security lint (fast validate)', () => {
  test('the sample repository validates clean', () => {
    fx = new SecurityFixture();
    fx.remove('platform/policies/test.yaml');
    expect(fx.validate().filter((d) => d.severity === 'error')).toEqual([]);
  });

  test('fast validate says enforcement is proven by --deep', () => {
    fx = new SecurityFixture();
    const r = fx.cli('validate');
    expect(r.stdout).toMatch(/note: \d+ jobs are under data-security policies.*validate --deep/);
  });

  test('security/duplicate-policy and security/unknown-principal', () => {
    withPolicy(
      '  - name: p\n    resource: { table: x }\n    principals: ["team:nobody"]\n  - name: p\n    resource: { table: y }\n    principals: ["role:ghost"]\n',
    );
    const ds = fx.validate();
    expect(ds.filter((d) => d.rule === 'security/duplicate-policy').map((d) => [d.line, d.column])).toEqual([[5, 5]]);
    expect(ds.filter((d) => d.rule === 'security/unknown-principal').map((d) => [d.line, d.column])).toEqual([
      [4, 18],
      [7, 18],
    ]);
  });

  test('security/bad-filter and security/bad-mask at the policy', () => {
    withPolicy(`${P}    rowFilter: "region = = 'x'"\n    masks:\n      phone: "CUSTOM: UPPER(name)"\n`);
    const ds = fx.validate();
    const filter = ds.find((d) => d.rule === 'security/bad-filter')!;
    expect([filter.file, filter.line]).toEqual(['platform/policies/test.yaml', 5]);
    expect(rules(ds)).toContain('security/bad-mask');
  });

  test('security/unenforceable: ADD JAR and CREATE FUNCTION … USING JAR in a job under a policy', () => {
    withPolicy(P).job(
      'analysts/j',
      `${SINK}ADD JAR '/tmp/x.jar';\nCREATE TEMPORARY FUNCTION f AS 'a.F' USING JAR '/tmp/f.jar';\nINSERT INTO snk SELECT id, phone FROM customers;`,
    );
    const ds = fx.validate(['analysts/j']).filter((d) => d.rule === 'security/unenforceable');
    expect(ds.map((d) => [d.file, d.line])).toEqual([
      ['jobs/analysts/j/main.sql', 41],
      ['jobs/analysts/j/main.sql', 42],
    ]);
    expect(ds[0]!.hint).toContain('unpolicedCode');
  });

  test('security/unenforceable: a jar job under a policy, unless the policy names it in unpolicedCode', () => {
    withPolicy(P).remove('platform/policies/pii.yaml');
    fx.write('jobs/analysts/jarjob/job.yaml', 'type: jar\njar:\n  uri: local:///opt/flink/usrlib/x.jar\n');
    fx.write('jobs/analysts/jarjob/owners.yaml', 'owners: ["@rent/someone"]\n');
    expect(rules(fx.validate(['analysts/jarjob']))).toContain('security/unenforceable');
    fx.write('platform/policies/test.yaml', `policies:\n${P}    unpolicedCode: [analysts/jarjob]\n`);
    expect(rules(fx.validate(['analysts/jarjob']))).not.toContain('security/unenforceable');
  });
});

const deep = javaAvailable() ? test : test.skip;
const fxDeep = new SecurityFixture();
afterAll(() => fxDeep.dispose());

describe('validate --deep: the enforcer in Flink decides', () => {
  deep(
    'a policy that cannot be enforced on a statement is an error at that statement, naming the policy',
    async () => {
      fxDeep.write('platform/policies/test.yaml', `policies:\n${P}    masks:\n      mobile: MASK\n`);
      fxDeep.job('analysts/j', `${SINK}INSERT INTO snk SELECT id, phone FROM customers;`);
      fxDeep.job('other/j', `${SINK}INSERT INTO snk SELECT id, phone FROM customers;`);
      const { repo } = loadRepo(fxDeep.root);
      const jobs = repo.jobs.filter((j) => j.id === 'analysts/j' || j.id === 'other/j');
      const r = await deepValidate(repo, jobs, ['test']);
      const security = r.diagnostics.filter((d) => d.rule === 'security/unenforceable');
      expect(security.map((d) => [d.job, d.file, d.line, d.column])).toEqual([
        ['analysts/j', 'jobs/analysts/j/main.sql', 41, 1],
      ]);
      expect(security[0]!.message).toMatch(/policy "p" \(platform\/policies\/test\.yaml:2:5\) masks "mobile"/);
    },
    120_000,
  );
});
