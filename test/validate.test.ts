import { symlinkSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../lib/diagnostics/diagnostic.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { validateRepository } from '../lib/validation/incremental.js';
// @ts-expect-error: the bench generator is plain JavaScript without types
import { generateRepo } from '../tools/bench/generate.mjs';
import { Fixture, locate } from './support/fixture.js';

const SOURCE = 'jobs/datasync/kafka-orders-to-paimon/01-source.sql';
const JOB = 'jobs/datasync/kafka-orders-to-paimon/job.yaml';

let fx: Fixture;
beforeEach(() => {
  fx = new Fixture();
});
afterEach(() => fx.dispose());

function only(ds: Diagnostic[], rule: string): Diagnostic[] {
  const found = ds.filter((d) => d.rule === rule);
  expect(found, `expected ${rule} in ${JSON.stringify(ds, null, 1)}`).not.toHaveLength(0);
  return found;
}

function at(d: Diagnostic | undefined, file: string, pos: { line: number; column: number }) {
  expect(d).toBeDefined();
  expect({ file: d!.file, line: d!.line, column: d!.column }).toEqual({ file, ...pos });
}

describe('the sample repository', () => {
  it('validates clean', () => {
    expect(fx.validate()).toEqual([]);
  });
});

describe('the bench repository', () => {
  it('is valid, Flink 2.2 jobs included (their image has no jdbc connector: they look the house up in Paimon)', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'flinkops-bench-'));
    try {
      for (const diverse of [false, true]) {
        generateRepo(root, 14, process.cwd(), { diverse });
        const r = await validateRepository({ root, jobs: [], cache: false });
        expect(r.jobs).toBe(14);
        expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        expect(r.jobsUnderPolicies).toBeGreaterThan(0);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('bad input is reported at its file, line and column', () => {
  it('malformed YAML', () => {
    fx.edit(JOB, 'parallelism: 4', 'parallelism: [4, 5');
    const d = only(fx.validate(), 'yaml/syntax')[0];
    expect(d!.file).toBe(JOB);
    expect(d!.line).toBeGreaterThanOrEqual(locate(fx.read(JOB), 'parallelism').line);
  });

  it('a wrong type', () => {
    fx.edit(JOB, 'parallelism: 4', 'parallelism: four');
    const d = only(fx.validate(), 'schema/type')[0]!;
    at(d, JOB, locate(fx.read(JOB), 'four'));
    expect(d.message).toContain('"parallelism" must be an integer');
  });

  it('an unknown key, with "did you mean"', () => {
    fx.edit(JOB, 'parallelism: 4', 'paralelism: 4');
    const d = only(fx.validate(), 'schema/unknown-key')[0]!;
    at(d, JOB, locate(fx.read(JOB), 'paralelism'));
    expect(d.message).toContain('did you mean "parallelism"?');
  });

  it('an unknown key deep in an override', () => {
    fx.edit(
      JOB,
      'taskManager: { cpu: 4, memory: 8192m, slots: 4 }',
      'taskManager: { cpu: 4, memroy: 8192m, slots: 4 }',
    );
    const d = only(fx.validate(), 'schema/unknown-key')[0]!;
    at(d, JOB, locate(fx.read(JOB), 'memroy'));
    expect(d.message).toContain('did you mean "memory"?');
  });

  it('a missing required key', () => {
    fx.edit(JOB, 'type: sql\n', '');
    const d = only(fx.validate(), 'schema/required')[0]!;
    expect(d.file).toBe(JOB);
    expect(d.message).toContain('missing required key "type"');
  });

  it('a missing owners.yaml, and an empty owners list', () => {
    fx.remove('jobs/datasync/kafka-orders-to-paimon/owners.yaml');
    fx.edit(
      'jobs/rental/rental-metrics-1m/owners.yaml',
      'owners: ["@rent/rental-analysts", "@zhao.min"]',
      'owners: []',
    );
    const ds = only(fx.validate(), 'owners/missing');
    at(
      ds.find((d) => d.job === 'datasync/kafka-orders-to-paimon'),
      'jobs/datasync/kafka-orders-to-paimon/owners.yaml',
      { line: 1, column: 1 },
    );
    const empty = ds.find((d) => d.job === 'rental/rental-metrics-1m');
    at(
      empty,
      'jobs/rental/rental-metrics-1m/owners.yaml',
      locate(fx.read('jobs/rental/rental-metrics-1m/owners.yaml'), '[]'),
    );
  });

  it('a job name Kubernetes rejects', () => {
    fx.write('jobs/rental/Orders_Sync/job.yaml', 'type: jar\njar: { uri: "local:///opt/flink/usrlib/a.jar" }\n');
    fx.write('jobs/rental/Orders_Sync/owners.yaml', 'owners: ["@a"]\n');
    const d = only(fx.validate(), 'job/name-dns1035')[0]!;
    at(d, 'jobs/rental/Orders_Sync/job.yaml', { line: 1, column: 1 });
    expect(d.hint).toContain('"orders-sync"');
  });

  it('a name too long for the operator', () => {
    const name = 'a'.repeat(46);
    fx.write(`jobs/rental/${name}/job.yaml`, 'type: jar\njar: { uri: "local:///opt/flink/usrlib/a.jar" }\n');
    fx.write(`jobs/rental/${name}/owners.yaml`, 'owners: ["@a"]\n');
    expect(only(fx.validate(), 'job/name-dns1035')[0]!.message).toContain('46 characters');
  });

  it('two jobs with the same name in one namespace', () => {
    fx.write(
      'jobs/rental-bj/team.yaml',
      'namespace: flink-rental\nowners: ["@bj"]\ndefaults: { flinkVersion: "2.2" }\n',
    );
    fx.write(
      'jobs/rental-bj/rental-metrics-1m/job.yaml',
      'type: jar\njar: { uri: "local:///opt/flink/usrlib/a.jar" }\n',
    );
    fx.write('jobs/rental-bj/rental-metrics-1m/owners.yaml', 'owners: ["@bj"]\n');
    const d = only(fx.validate(), 'job/duplicate-name')[0]!;
    expect(d.message).toContain('namespace "flink-rental"');
    expect([d.job, d.file]).toEqual(['rental/rental-metrics-1m', 'jobs/rental/rental-metrics-1m/job.yaml']);
  });

  it('a flinkVersion not in platform/versions.yaml', () => {
    fx.edit('jobs/rental/orders-enrich-house/job.yaml', 'flinkVersion: "1.20"', 'flinkVersion: "1.17"');
    const d = only(fx.validate(), 'job/flink-version')[0]!;
    at(
      d,
      'jobs/rental/orders-enrich-house/job.yaml',
      locate(fx.read('jobs/rental/orders-enrich-house/job.yaml'), '"1.17"'),
    );
  });

  it('an override for an environment that does not exist', () => {
    fx.edit(JOB, '  prod:\n    parallelism: 8', '  prd:\n    parallelism: 8');
    const d = only(fx.validate(), 'job/unknown-env')[0]!;
    at(d, JOB, locate(fx.read(JOB), 'prd:'));
    expect(d.message).toContain('did you mean "prod"?');
  });

  it('a SQL syntax error on a line with ${var} placeholders', () => {
    // The placeholders expand to text of another length; the column must still be the original one.
    fx.edit(
      SOURCE,
      `'properties.group.id' = 'flink-\${job}-\${env}',`,
      `'properties.group.id' = 'flink-\${job}-\${env}' 'oops',`,
    );
    const d = only(fx.validate(), 'sql/syntax')[0]!;
    at(d, SOURCE, locate(fx.read(SOURCE), `'oops'`));
  });

  it('a SQL syntax error after multi-byte characters and in a later statement', () => {
    fx.edit(
      'jobs/rental/rental-metrics-1m/02-metrics.sql',
      "WHERE order_status <> 'CANCELLED'",
      "WHERE order_status <> '已取消😀' AND AND 1 = 1",
    );
    const text = fx.read('jobs/rental/rental-metrics-1m/02-metrics.sql');
    const d = only(fx.validate(), 'sql/syntax')[0]!;
    const second = locate(text, 'AND AND');
    // The second AND is the error; columns count characters, so the emoji counts once.
    at(d, 'jobs/rental/rental-metrics-1m/02-metrics.sql', { line: second.line, column: second.column + 4 });
  });

  it('statements that parsed clean in other jobs hide no error beside them; a statement set is not cut at its inner ;', () => {
    // Validate parses each statement shape once (a text whose statements each parse clean alone is clean):
    // the statements of the sample's first job are known clean before this job's file is checked.
    const sink = 'jobs/rental/rental-metrics-1m/03-more.sql';
    const source = fx.read(SOURCE);
    fx.write(sink, `${source}\nINSERT INTO kafka_orders SELEC * FROM kafka_orders;\n`);
    const set = 'jobs/rental/orders-enrich-house/03-set.sql';
    fx.write(
      set,
      'EXECUTE STATEMENT SET BEGIN\nINSERT INTO a SELECT * FROM b;\nINSERT INTO c SELECT * FROM b;\nEND;\n',
    );
    const ds = fx.validate();
    const errors = ds.filter((d) => d.rule === 'sql/syntax');
    expect(errors.map((d) => d.file)).toEqual([sink]);
    at(errors[0], sink, locate(fx.read(sink), 'SELEC *'));
  });

  it('an undefined ${var}', () => {
    fx.edit(SOURCE, `'scan.startup.mode' = 'group-offsets'`, `'scan.startup.mode' = '\${startup_mode}'`);
    const ds = only(fx.validate(), 'vars/undefined');
    at(ds[0], SOURCE, locate(fx.read(SOURCE), '${startup_mode}'));
    expect(ds[0]!.message).toContain('${startup_mode}');
  });

  it('a plaintext password in SQL WITH options', () => {
    fx.edit('jobs/datasync/mysql-contracts-to-paimon/contracts.sql', `'\${secret:MYSQL_CDC_PASSWORD}'`, `'hunter2'`);
    const d = only(fx.validate(), 'security/plaintext-secret')[0]!;
    at(
      d,
      'jobs/datasync/mysql-contracts-to-paimon/contracts.sql',
      locate(fx.read('jobs/datasync/mysql-contracts-to-paimon/contracts.sql'), `'hunter2'`),
    );
  });

  it('a password inside a JAAS config, and a secret key in Flink configuration', () => {
    fx.edit(
      SOURCE,
      `'\${secret:KAFKA_JAAS}'`,
      `'org.apache.kafka.common.security.plain.PlainLoginModule required username="flink" password="s3cret";'`,
    );
    fx.edit(JOB, 'flinkConf:\n', 'flinkConf:\n  s3.secret-key: AKIAEXAMPLE\n');
    const ds = only(fx.validate(), 'security/plaintext-secret');
    expect(ds.map((d) => d.file).sort()).toEqual([SOURCE, JOB].sort());
    at(
      ds.find((d) => d.file === JOB),
      JOB,
      locate(fx.read(JOB), 'AKIAEXAMPLE'),
    );
  });

  it('upgradeMode savepoint without checkpoint and savepoint directories', () => {
    for (const env of ['test', 'prod']) {
      const f = `platform/envs/${env}.yaml`;
      fx.write(f, fx.read(f).replace(/ {2}execution\.checkpointing\.(dir|savepoint-dir): .*\n/g, ''));
    }
    const ds = only(fx.validate(), 'job/checkpoint-dirs');
    const d = ds.find((x) => x.job === 'datasync/kafka-orders-to-paimon')!;
    at(d, 'jobs/datasync/team.yaml', locate(fx.read('jobs/datasync/team.yaml'), 'savepoint'));
    expect(d.message).toContain('execution.checkpointing.dir');
    // A stateless job is not affected.
    expect(ds.find((x) => x.job === 'homeservice/daily-settlement')).toBeUndefined();
  });

  it('reports all problems in one run', () => {
    fx.edit(JOB, 'parallelism: 4', 'paralelism: 4');
    fx.edit(SOURCE, `'scan.startup.mode' = 'group-offsets'`, `'scan.startup.mode' = '\${nope}'`);
    fx.edit('jobs/rental/orders-enrich-house/job.yaml', 'flinkVersion: "1.20"', 'flinkVersion: "1.17"');
    const rules = new Set(fx.validate().map((d) => d.rule));
    expect([...rules].sort()).toEqual(['job/flink-version', 'schema/unknown-key', 'vars/undefined']);
  });
});

describe('hostile input is refused quickly', () => {
  it('a YAML alias bomb', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [n, p] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
      ['f', 'e'],
      ['g', 'f'],
    ])
      bomb.push(`${n}: &${n} [*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p}]`);
    fx.write(JOB, `${bomb.join('\n')}\ntype: sql\n`);
    const started = Date.now();
    const d = only(fx.validate(), 'yaml/aliases')[0]!;
    expect(d.file).toBe(JOB);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('a file over the size limit', () => {
    fx.write('jobs/datasync/kafka-orders-to-paimon/03-huge.sql', `-- ${'x'.repeat(1024 * 1024 + 10)}\n`);
    at(only(fx.validate(), 'repo/file-too-large')[0], 'jobs/datasync/kafka-orders-to-paimon/03-huge.sql', {
      line: 1,
      column: 1,
    });
  });

  it('a symlink that leaves the repository', () => {
    symlinkSync('/etc/hostname', path.join(fx.root, 'jobs/datasync/kafka-orders-to-paimon/03-link.sql'));
    mkdirSync(path.join(fx.root, 'outside'), { recursive: true });
    at(only(fx.validate(), 'repo/symlink-escape')[0], 'jobs/datasync/kafka-orders-to-paimon/03-link.sql', {
      line: 1,
      column: 1,
    });
  });

  it('a job path with ".." is a usage error, not a read outside the repository', () => {
    const r = fx.cli('validate', '../../etc/passwd');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no job');
  });
});
