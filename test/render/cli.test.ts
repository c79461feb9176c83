import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Fixture, PROJECT } from '../support/fixture.js';
import { CRD_DIR } from './support.js';

// The CLI validates against the CRDs the repository carries, unless FLINKOPS_CRDS names others.
delete process.env.FLINKOPS_CRDS;

let fx: Fixture;
let out: string;
beforeEach(() => {
  fx = new Fixture();
  out = mkdtempSync(path.join(tmpdir(), 'flinkops-out-'));
});
afterEach(() => {
  fx.dispose();
  rmSync(out, { recursive: true, force: true });
});

describe('flinkops render', () => {
  it('prints one sorted multi-document stream and exits 0', () => {
    const r = fx.cli('render', '--env', 'test');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout);
    expect(docs.length).toBeGreaterThan(20);
    expect(r.stdout).toBe(fx.cli('render', '--env', 'test').stdout);
  });

  it('--out DIR writes DIR/<namespace>/<kind>-<name>.yaml, and empties it on the next run', () => {
    const dir = path.join(out, 'manifests');
    expect(fx.cli('render', '--env', 'prod', '--out', dir).code).toBe(0);
    const file = path.join(dir, 'flink-datasync/flinkdeployment-kafka-orders-to-paimon.yaml');
    expect(readFileSync(file, 'utf8')).toMatch(
      /^apiVersion: flink.apache.org\/v1beta1\nkind: FlinkDeployment\nmetadata:\n {2}name: kafka-orders-to-paimon\n/,
    );
    expect(existsSync(path.join(dir, 'flink-shared/flinksessionjob-viewings-funnel.yaml'))).toBe(true);
    fx.edit(
      'jobs/datasync/kafka-orders-to-paimon/job.yaml',
      '  prod:\n    parallelism: 8',
      '  prod:\n    enabled: false\n    parallelism: 8',
    );
    expect(fx.cli('render', '--env', 'prod', '--out', dir).code).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it('refuses to empty a folder it did not write (exit 2)', () => {
    writeFileSync(path.join(out, 'precious.txt'), 'keep me');
    const r = fx.cli('render', '--env', 'prod', '--out', out);
    expect(r.code).toBe(2);
    expect(readFileSync(path.join(out, 'precious.txt'), 'utf8')).toBe('keep me');
  });

  it('--out FILE is a usage error with a hint (exit 2, no stack), and the file is kept', () => {
    const file = path.join(out, 'manifests.yaml');
    writeFileSync(file, 'keep me');
    const r = fx.cli('render', '--env', 'prod', '--out', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is a file, not a folder');
    expect(r.stderr).toContain('name a new or empty folder');
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('--out . twice re-renders in place, removing only the files it wrote', () => {
    const here = path.join(out, 'here');
    mkdirSync(here);
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(PROJECT, 'bin/flinkops.mjs'), ...args, '--repo', fx.root], {
        encoding: 'utf8',
        cwd: here,
      });
    expect(cli('render', '--env', 'prod', '--out', '.').status).toBe(0);
    writeFileSync(path.join(here, 'notes.txt'), 'mine');
    const second = cli('render', '--env', 'prod', '--out', '.');
    expect(second.stderr).toBe('');
    expect(second.status).toBe(0);
    expect(existsSync(path.join(here, 'flink-datasync/flinkdeployment-kafka-orders-to-paimon.yaml'))).toBe(true);
    // Not written by flinkops: kept.
    expect(readFileSync(path.join(here, 'notes.txt'), 'utf8')).toBe('mine');
    fx.edit(
      'jobs/datasync/kafka-orders-to-paimon/job.yaml',
      '  prod:\n    parallelism: 8',
      '  prod:\n    enabled: false\n    parallelism: 8',
    );
    expect(cli('render', '--env', 'prod', '--out', '.').status).toBe(0);
    expect(existsSync(path.join(here, 'flink-datasync/flinkdeployment-kafka-orders-to-paimon.yaml'))).toBe(false);
    expect(readFileSync(path.join(here, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('renders only the named jobs', () => {
    const r = fx.cli('render', '--env', 'prod', 'listing-score');
    expect(r.code).toBe(0);
    const names = parseAllDocuments(r.stdout).map(
      (d) => `${d.get('kind')} ${(d.toJS() as { metadata: { name: string } }).metadata.name}`,
    );
    expect(names).toEqual([
      'ConfigMap hadoop-config-prod',
      'FlinkDeployment listing-score',
      'Ingress listing-score',
      'PodMonitor flinkops-flink-metrics',
      'PrometheusRule flinkops-savepoints',
      'PrometheusRule listing-score-alerts',
    ]);
  });

  it('exits 1 with file:line:column and renders nothing when the repository has a problem', () => {
    fx.edit('jobs/datasync/kafka-orders-to-paimon/job.yaml', 'parallelism: 4', 'parallelism: four');
    const r = fx.cli('render', '--env', 'prod');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('jobs/datasync/kafka-orders-to-paimon/job.yaml');
    expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+\)/);
  });

  it('checks operator objects against the pinned CRDs by default; --crds and FLINKOPS_CRDS name others', () => {
    fx.edit('platform/versions.yaml', 'operator: v1_20', 'operator: v1_99');
    const r = fx.cli('render', '--env', 'test', 'listing-score');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/spec/flinkVersion must be equal to one of the allowed values');
    expect(r.stderr).not.toContain('render/crds');
    // A folder whose CRDs accept v1_99 (the same CRD, its enum widened) lets the object through.
    const crd = readFileSync(path.join(CRD_DIR, 'flinkdeployments.flink.apache.org-v1.yml'), 'utf8');
    expect(crd).toContain('- v2_2\n');
    writeFileSync(path.join(out, 'fd.yml'), crd.replace(/( +)- v2_2\n/, '$1- v2_2\n$1- v1_99\n'));
    expect(fx.cli('render', '--env', 'test', 'listing-score', '--crds', out).code).toBe(0);
    const env = { ...process.env, FLINKOPS_CRDS: out };
    expect(fx.cliWithEnv(env, 'render', '--env', 'test', 'listing-score').code).toBe(0);
  });

  it('wrong usage exits 2', () => {
    expect(fx.cli('render').code).toBe(2);
    expect(fx.cli('render', '--env', 'staging').stderr).toContain('no environment "staging"');
    expect(fx.cli('render', '--env', 'test', '--crds', '/nonexistent').code).toBe(2);
  });
});

describe('flinkops image render', () => {
  it('prints a Dockerfile with the connectors from Maven Central, the SQL runner and the Paimon action jar', () => {
    const r = fx.cli('image', 'render', '--flink', '1.20');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^FROM flink:1\.20\.\d+-java17$/m);
    expect(r.stdout).toContain(
      'ADD --chown=flink:flink ${MAVEN_REPO}/org/apache/flink/flink-sql-connector-kafka/3.4.0-1.20/flink-sql-connector-kafka-3.4.0-1.20.jar /opt/flink/lib/flink-sql-connector-kafka-3.4.0-1.20.jar',
    );
    expect(r.stdout).toMatch(
      /COPY --chown=flink:flink flinkops-sql-runner-1\.20\.\d+\.jar \/opt\/flink\/usrlib\/flinkops-sql-runner-1\.20\.\d+\.jar/,
    );
    expect(r.stdout).toContain('paimon-flink-action-1.2.0.jar /opt/flink/opt/paimon-flink-action-1.2.0.jar');
    expect(r.stdout).not.toContain('arthas');
    // The enforcer needs the planner's classes: the loader leaves lib/, the planner jar of opt/ takes its place
    // (Flink docs, "Anatomy of table dependencies"; the runner refuses policed jobs without it: PolicyEnforcement.java).
    expect(r.stdout).toMatch(
      /^RUN mv \/opt\/flink\/lib\/flink-table-planner-loader-1\.20\.\d+\.jar \/opt\/flink\/opt\/ && mv \/opt\/flink\/opt\/flink-table-planner_2\.12-1\.20\.\d+\.jar \/opt\/flink\/lib\/$/m,
    );
  });

  it('--out DIR with --env and --arthas writes the build context', () => {
    const jar = path.join(out, 'built-runner.jar');
    writeFileSync(jar, 'PK');
    const ctx = path.join(out, 'context');
    const r = fx.cli(
      'image',
      'render',
      '--flink',
      '1.20',
      '--env',
      'test',
      '--arthas',
      '4.0.5',
      '--runner-jar',
      jar,
      '--out',
      ctx,
    );
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(ctx, 'IMAGE'), 'utf8')).toMatch(
      /^registry\.rent\.example\/flink\/flink:1\.20\.\d+-java17-r\d+\n$/,
    );
    const runner = readFileSync(path.join(ctx, 'Dockerfile'), 'utf8').match(
      /COPY --chown=flink:flink (flinkops-sql-runner-[0-9.]+\.jar)/,
    )![1]!;
    expect(readFileSync(path.join(ctx, runner), 'utf8')).toBe('PK');
    const dockerfile = readFileSync(path.join(ctx, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('COPY --chown=flink:flink hadoop-conf/ /opt/hadoop/conf/');
    expect(dockerfile).toContain('com/taobao/arthas/arthas-packaging/4.0.5/arthas-packaging-4.0.5-bin.zip');
    expect(readFileSync(path.join(ctx, 'hadoop-conf/core-site.xml'), 'utf8')).toContain('hdfs://test-nn');
  });

  it('an unknown version exits 1; wrong usage exits 2', () => {
    expect(fx.cli('image', 'render', '--flink', '9.9').code).toBe(1);
    expect(fx.cli('image', 'render').code).toBe(2);
    expect(fx.cli('image', 'build', '--flink', '1.20').code).toBe(2);
    expect(fx.cli('image', 'render', '--flink', '1.20', '--arthas', '1; rm -rf /').code).toBe(2);
  });
});
