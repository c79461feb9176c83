import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fixture, locate } from './support/fixture.js';

let fx: Fixture;
beforeEach(() => {
  fx = new Fixture();
});
afterEach(() => fx.dispose());

const JOB = 'jobs/datasync/kafka-orders-to-paimon/job.yaml';

describe('flinkops validate', () => {
  it('exits 0 on the sample repository', () => {
    const r = fx.cli('validate');
    expect(r.stdout).toContain('no problems');
    expect(r.code).toBe(0);
  });

  it('prints the JSON shape of the brief and exits 1', () => {
    fx.edit(JOB, 'parallelism: 4', 'parallelism: four');
    const r = fx.cli('validate', '--format', 'json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(false);
    expect(out.diagnostics[0]).toMatchObject({
      severity: 'error',
      rule: 'schema/type',
      file: JOB,
      ...locate(fx.read(JOB), 'four'),
      job: 'datasync/kafka-orders-to-paimon',
    });
    expect(Object.keys(out.diagnostics[0]).slice(0, 7)).toEqual([
      'severity',
      'rule',
      'message',
      'file',
      'line',
      'column',
      'job',
    ]);
  });

  it('writes GitLab Code Quality and JUnit reports', () => {
    fx.edit(JOB, 'parallelism: 4', 'parallelism: four');
    const cq = JSON.parse(fx.cli('validate', '--format', 'codequality').stdout);
    expect(cq[0]).toMatchObject({
      check_name: 'schema/type',
      severity: 'major',
      location: { path: JOB, lines: { begin: locate(fx.read(JOB), 'four').line } },
    });
    expect(cq[0].fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(cq[0].description).toContain('parallelism');
    const junit = fx.cli('validate', '--format', 'junit').stdout;
    expect(junit).toMatch(/^<\?xml/);
    expect(junit).toContain('<failure message="&quot;parallelism&quot; must be an integer');
    expect(junit).toContain(`name="schema/type ${JOB}:`);
  });

  it('validates only the named jobs, but still the platform', () => {
    fx.edit('jobs/rental/orders-enrich-house/job.yaml', 'flinkVersion: "1.20"', 'flinkVersion: "1.17"');
    expect(fx.cli('validate', 'datasync/kafka-orders-to-paimon').code).toBe(0);
    expect(fx.cli('validate', 'orders-enrich-house').code).toBe(1);
  });

  it('never prints a stack trace, whatever the input', () => {
    fx.write(JOB, '\u0000\u0001: [\n{{{');
    fx.write('platform/versions.yaml', 'versions: 12\n');
    fx.write('jobs/rental/team.yaml', '- just\n- a list\n');
    const r = fx.cli('validate');
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    expect(r.stdout).toContain('platform/versions.yaml');
  });

  it('wrong usage exits 2', () => {
    expect(fx.cli('validate', '--format', 'xml').code).toBe(2);
    expect(fx.cli('frobnicate').code).toBe(2);
    expect(fx.cli('validate', 'no-such-job').stderr).toContain('no job "no-such-job"');
  });
});

describe('flinkops config', () => {
  it('shows the effective configuration and where each value came from', () => {
    const r = fx.cli('config', 'datasync/kafka-orders-to-paimon', '--env', 'prod', '--show-origin', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.config.parallelism).toBe(8);
    expect(out.config.flinkConf['state.backend.type']).toBe('rocksdb');
    expect(out.config.flinkConf['execution.checkpointing.dir']).toBe(
      'hdfs://prod-nn/flink/checkpoints/datasync/kafka-orders-to-paimon',
    );
    expect(out.config.vars.orders_topic).toBe('rent.orders');
    const envYaml = fx.read('platform/envs/prod.yaml');
    const dir = locate(envYaml, 'hdfs://prod-nn/flink/checkpoints');
    expect(out.origins['flinkConf.execution.checkpointing.dir']).toBe(
      `platform/envs/prod.yaml:${dir.line}:${dir.column}`,
    );
    expect(out.origins.parallelism).toMatch(/^jobs\/datasync\/kafka-orders-to-paimon\/job\.yaml:\d+:\d+$/);
    expect(out.origins['flinkConf.state.backend.type']).toBe(
      `platform/flink-conf.yaml:${locate(fx.read('platform/flink-conf.yaml'), 'rocksdb').line}:${locate(fx.read('platform/flink-conf.yaml'), 'rocksdb').column}`,
    );
    const mode = locate(fx.read('jobs/datasync/team.yaml'), 'savepoint');
    expect(out.origins.upgradeMode).toBe(`jobs/datasync/team.yaml:${mode.line}:${mode.column}`);
    // Every value has its origin: the image from its version line, the owners from owners.yaml.
    const image = locate(fx.read('platform/versions.yaml'), 'registry.rent.example/flink/flink:1.20');
    expect(out.origins.image).toBe(`platform/versions.yaml:${image.line}:${image.column}`);
    expect(out.origins.owners).toMatch(/^jobs\/datasync\/kafka-orders-to-paimon\/owners\.yaml:\d+:\d+$/);
    for (const key of ['type', 'namespace', 'flinkVersion', 'parallelism', 'image', 'owners'])
      expect(out.origins[key], key).toBeDefined();
    // --json carries the origins without --show-origin too.
    const plain = JSON.parse(fx.cli('config', 'datasync/kafka-orders-to-paimon', '--env', 'prod', '--json').stdout);
    expect(plain.origins).toEqual(out.origins);
  });

  it('applies the test override and the team environment settings', () => {
    const out = JSON.parse(fx.cli('config', 'kafka-orders-to-paimon', '--env', 'test', '--json').stdout);
    expect(out.config.parallelism).toBe(1);
    expect(out.config.flinkConf['execution.checkpointing.interval']).toBe('5min');
    expect(out.config.vars.orders_topic).toBe('rent.orders_test');
  });

  it('text output with --show-origin puts file:line first', () => {
    const r = fx.cli('config', 'rental-metrics-1m', '--env', 'prod', '--show-origin');
    expect(r.stdout).toMatch(/^jobs\/rental\/rental-metrics-1m\/job\.yaml:\d+ +parallelism +6$/m);
    expect(r.stdout).toMatch(/^platform\/envs\/prod\.yaml:\d+ +flinkConf\.high-availability\.type +kubernetes$/m);
  });

  it('an unknown environment is a usage error with a suggestion', () => {
    const r = fx.cli('config', 'rental-metrics-1m', '--env', 'prd');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('did you mean "prod"?');
  });
});

describe('flinkops new', () => {
  it('scaffolds a SQL job that validates clean and a JAR job the policies refuse', () => {
    const sql = fx.cli('new', 'rental/occupancy-rate', '--type', 'sql');
    expect(sql.code).toBe(0);
    expect(sql.stdout).toContain('created jobs/rental/occupancy-rate/01-main.sql');
    const jar = fx.cli('new', 'acquisition/lead-router', '--type', 'jar');
    expect(jar.stdout + jar.stderr).toContain('acquisition/lead-router');
    // The SQL job validates clean; the JAR job falls under the '*' policy of platform/policies/pii.yaml,
    // and code SQL cannot police needs the security team's explicit exception (unpolicedCode); its
    // jar is a placeholder until the user names a published one.
    const v = JSON.parse(fx.cli('validate', '--format', 'json').stdout);
    expect(v.diagnostics.map((d: { rule: string; job?: string }) => `${d.rule} ${d.job}`)).toEqual([
      'security/unenforceable acquisition/lead-router',
      'job/jar acquisition/lead-router',
    ]);
    expect(fx.read('jobs/rental/occupancy-rate/owners.yaml')).toContain('@rent/rental-leads');
  });

  it('refuses an unknown team and an existing job', () => {
    expect(fx.cli('new', 'nobody/x').code).toBe(1);
    expect(fx.cli('new', 'rental/rental-metrics-1m').code).toBe(1);
  });

  it('refuses a name Kubernetes rejects before writing anything (exit 1, a hint with a valid name)', () => {
    for (const target of ['rental/Bad_Name', 'nobody/Bad_Name']) {
      const r = fx.cli('new', target);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('job name "Bad_Name" is not a valid Kubernetes name');
      expect(r.stderr).toContain('e.g. "bad-name"');
    }
    expect(existsSync(path.join(fx.root, 'jobs/rental/Bad_Name'))).toBe(false);
    expect(existsSync(path.join(fx.root, 'jobs/nobody'))).toBe(false);
  });
});

describe('flinkops codeowners', () => {
  it('generates GitLab sections with approvals, and --check catches a stale file', () => {
    expect(fx.cli('codeowners').code).toBe(0);
    const text = fx.read('CODEOWNERS');
    expect(text).toContain('[homeservice][2] @rent/homeservice-leads');
    expect(text).toContain('[security] @rent/data-security\n/platform/policies/ @rent/data-security');
    expect(text).toContain(
      '/jobs/datasync/kafka-orders-to-paimon/ @zhang.wei @rent/datasync-engineers @rent/datasync-leads',
    );
    expect(fx.cli('codeowners', '--check').code).toBe(0);
    fx.edit('jobs/datasync/kafka-orders-to-paimon/owners.yaml', 'owners: ["@zhang.wei"', 'owners: ["@new.owner"');
    const stale = fx.cli('codeowners', '--check');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('CODEOWNERS:1:1');
  });

  it('has a GitHub flavour where later lines win', () => {
    const r = fx.cli('codeowners', '--flavor', 'github', '--stdout');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('[platform]');
    expect(r.stdout.indexOf('/platform/ ')).toBeLessThan(r.stdout.indexOf('/platform/policies/ '));
  });
});

describe('flinkops preview samples', () => {
  // Which tables a job reads is Flink's answer (the stand-in sources it planned), given after the preview ran.
  it('an unknown --sample table is wrong usage naming the job’s tables; a stray samples/ file is a repository error', () => {
    fx.write('x.jsonl', '{"house_id": 1}\n');
    const r = fx.cli(
      'preview',
      'orders-enrich-house',
      '--env',
      'test',
      '--sample',
      `dim_hose=${path.join(fx.root, 'x.jsonl')}`,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('rental/orders-enrich-house reads no table "dim_hose"; its tables: dim_house, orders');
    fx.write('jobs/rental/orders-enrich-house/samples/houses.jsonl', '{"house_id": 1}\n');
    const stray = fx.cli('preview', 'orders-enrich-house', '--env', 'test');
    expect(stray.code).toBe(1);
    expect(stray.stderr).toContain('jobs/rental/orders-enrich-house/samples/houses.jsonl');
    expect(stray.stderr).toContain('preview/unknown-sample');
  });

  it('every sample SQL job carries sample rows for each table it reads', () => {
    fx.write('x.jsonl', '{}\n');
    for (const job of ['rental/rental-metrics-1m', 'datasync/mysql-contracts-to-paimon', 'homeservice/workorder-sla']) {
      const r = fx.cli('preview', job, '--env', 'test', '--sample', `no_such_table=${path.join(fx.root, 'x.jsonl')}`);
      const tables = /its tables: (.*)$/m.exec(r.stderr)![1]!.split(', ');
      for (const t of tables)
        expect(existsSync(path.join(fx.root, 'jobs', job, 'samples', `${t.split('.').at(-1)}.jsonl`)), t).toBe(true);
    }
  });
});
