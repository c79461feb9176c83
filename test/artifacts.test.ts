import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveUdfJars } from '../lib/flink/jars.js';
import { cacheDir } from '../lib/flink/launch.js';
import { loadRepo } from '../lib/repo/load.js';
import { renderImage } from '../lib/render/image.js';
import { scaffoldJob } from '../lib/scaffold/scaffold.js';
import { sqlJarPaths } from '../lib/resolve/artifacts.js';
import { Fixture, locate } from './support/fixture.js';
import { fixtureRunningOwnCode } from './support/udfJar.js';
import { renderAt } from './render/support.js';

type Spec = Record<string, any>;

/** A jar job of the acquisition team, allowed by the security team (the sample's '*' policy reaches every team). */
function addJarJob(fx: Fixture, name: string, jar: string, extra = ''): string {
  fx.write(
    `jobs/acquisition/${name}/job.yaml`,
    `type: jar\nflinkVersion: "1.20"\nparallelism: 1\nupgradeMode: stateless\n${extra}jar:\n${jar}  entryClass: com.rent.App\n`,
  );
  fx.write(`jobs/acquisition/${name}/owners.yaml`, 'owners: ["@wang.lei"]\n');
  return `acquisition/${name}`;
}

/** A SQL job calling a UDF from declared jars. */
function addUdfJob(fx: Fixture, name: string, udfJars: string, sql: string, extra = ''): string {
  fx.write(
    `jobs/acquisition/${name}/job.yaml`,
    `type: sql\nflinkVersion: "1.20"\nupgradeMode: stateless\n${extra}udfJars:\n${udfJars}`,
  );
  fx.write(`jobs/acquisition/${name}/owners.yaml`, 'owners: ["@wang.lei"]\n');
  fx.write(`jobs/acquisition/${name}/main.sql`, sql);
  return `acquisition/${name}`;
}

const TABLES = `CREATE TEMPORARY TABLE listings (title STRING) WITH ('connector' = 'kafka', 'topic' = 'rent.listings', 'format' = 'json');
CREATE TEMPORARY TABLE loud (title STRING) WITH ('connector' = 'print');
`;

describe('validate: every jar a job uses is declared (job/jar, sql/jar)', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = fixtureRunningOwnCode('acquisition/app', 'acquisition/udf', 'acquisition/lead-router');
  });
  afterEach(() => fx.dispose());
  const errors = (job: string, rule: string) => fx.validate([job]).filter((d) => d.rule === rule);

  it('the sample is clean: listing-score is declared by Maven coordinates', () => {
    expect(fx.validate(['acquisition/listing-score'])).toEqual([]);
  });

  it('a jar job naming neither maven nor uri, at jar:', () => {
    const job = addJarJob(fx, 'app', '');
    const ds = errors(job, 'job/jar');
    expect(ds.map((d) => [d.file, d.line, d.column])).toEqual([[`jobs/${job}/job.yaml`, 5, 1]]);
    expect(ds[0]!.message).toBe('job "acquisition/app" names no jar: jar: has neither maven nor uri');
  });

  it('a local:// jar no image carries, with a hint to declare it by Maven coordinates or add it to the image', () => {
    const job = addJarJob(fx, 'app', '  uri: local:///opt/flink/usrlib/app-1.0.jar\n');
    const file = `jobs/${job}/job.yaml`;
    const ds = errors(job, 'job/jar');
    expect(ds.map((d) => [d.file, d.line, d.column])).toEqual([
      [file, locate(fx.read(file), 'local://').line, locate(fx.read(file), 'local://').column],
    ]);
    expect(ds[0]!.message).toContain('no image provides local:///opt/flink/usrlib/app-1.0.jar');
    expect(ds[0]!.hint).toContain('jar.maven: group:artifact:version');
    expect(ds[0]!.hint).toContain('versions."1.20".usrlib');
    // Baked into the image: then it is provided, and image render adds it.
    fx.edit(
      'platform/versions.yaml',
      '    paimonActionJar: local:///opt/flink/opt/paimon-flink-action-1.2.0.jar',
      '    paimonActionJar: local:///opt/flink/opt/paimon-flink-action-1.2.0.jar\n    usrlib: [com.rent:app:1.0]',
    );
    expect(errors(job, 'job/jar')).toEqual([]);
    const { repo } = loadRepo(fx.root);
    expect(renderImage(repo, '1.20').files.Dockerfile).toContain(
      'ADD --chown=flink:flink ${MAVEN_REPO}/com/rent/app/1.0/app-1.0.jar /opt/flink/usrlib/app-1.0.jar',
    );
  });

  it('a jar by Maven coordinates needs the environment to name a Maven repository', () => {
    const job = addJarJob(fx, 'app', '  maven: com.rent:app:1.0\n');
    expect(errors(job, 'job/jar')).toEqual([]);
    fx.edit(
      'platform/envs/prod.yaml',
      'maven:\n  url: https://nexus.rent.example/repository/maven-releases\n  credentials: { usernameEnv: NEXUS_USER, passwordEnv: NEXUS_PASSWORD }\n',
      '',
    );
    const ds = errors(job, 'job/jar');
    expect(ds.map((d) => [d.line, d.message])).toEqual([
      [6, 'the jar is declared by Maven coordinates, but platform/envs/prod.yaml names no Maven repository'],
    ]);
  });

  it('the jar scaffold validates only once a real artifact is filled in', () => {
    const { repo } = loadRepo(fx.root);
    for (const f of scaffoldJob(repo, 'acquisition', 'lead-router', 'jar')) fx.write(f.path, f.text);
    const file = 'jobs/acquisition/lead-router/job.yaml';
    const ds = errors('acquisition/lead-router', 'job/jar');
    expect(ds.map((d) => [d.file, d.line, d.column, d.severity])).toEqual([
      [file, locate(fx.read(file), 'TODO.group').line, locate(fx.read(file), 'TODO.group').column, 'error'],
    ]);
    expect(ds[0]!.message).toContain("is the scaffold's placeholder");
    fx.edit(file, 'TODO.group:lead-router:TODO-version', 'com.rent.acquisition:lead-router:1.0.0');
    expect(fx.validate(['acquisition/lead-router'])).toEqual([]);
  });

  it('USING JAR / ADD JAR of an undeclared path: an error at the path in the SQL, with a hint', () => {
    const sql = `ADD JAR 'hdfs://test-nn/udf/geo-1.0.jar';\nCREATE TEMPORARY FUNCTION shout AS 'com.rent.Shout' LANGUAGE JAVA USING JAR 'hdfs://test-nn/udf/shout-1.0.jar';\n${TABLES}INSERT INTO loud SELECT shout(title) FROM listings;\n`;
    const job = addUdfJob(fx, 'udf', '  - uri: hdfs://test-nn/udf/geo-1.0.jar\n', sql);
    const file = `jobs/${job}/main.sql`;
    const ds = errors(job, 'sql/jar');
    const at = locate(fx.read(file), "'hdfs://test-nn/udf/shout-1.0.jar'");
    expect(ds.map((d) => [d.file, d.line, d.column, d.severity])).toEqual([[file, at.line, at.column, 'error']]);
    expect(ds[0]!.message).toBe("USING JAR 'hdfs://test-nn/udf/shout-1.0.jar' is not declared in the job's udfJars");
    expect(ds[0]!.hint).toContain('- maven: group:artifact:version');
    // Declared: accepted.
    fx.edit(`jobs/${job}/job.yaml`, 'udfJars:\n', 'udfJars:\n  - uri: hdfs://test-nn/udf/shout-1.0.jar\n');
    expect(errors(job, 'sql/jar')).toEqual([]);
  });

  it('USING JAR of a declared https jar: Flink reads USING JAR through its filesystems, which have no https', () => {
    const uri = 'https://artifacts.rent.example/udf/shout-1.0.jar';
    const sql = `CREATE TEMPORARY FUNCTION shout AS 'com.rent.Shout' USING JAR '${uri}';\n${TABLES}INSERT INTO loud SELECT shout(title) FROM listings;\n`;
    const job = addUdfJob(fx, 'udf', `  - uri: ${uri}\n`, sql);
    const ds = errors(job, 'sql/jar');
    expect(ds.map((d) => d.message)).toEqual([
      `USING JAR '${uri}': Flink reads USING JAR paths through its filesystems, which have no http(s)`,
    ]);
  });

  it('udfJars only on SQL jobs; a jar job with udfJars is refused', () => {
    const job = addJarJob(fx, 'app', '  maven: com.rent:app:1.0\n', 'udfJars:\n  - maven: com.rent:geo:1.0\n');
    expect(errors(job, 'job/jar').map((d) => d.message)).toEqual(['udfJars: are only used by type: sql']);
  });

  it('finds the paths of ADD JAR and of every JAR of a USING list, not those in comments', () => {
    expect(sqlJarPaths("ADD JAR 'a.jar'")).toEqual([{ path: 'a.jar', offset: 8, how: 'ADD JAR' }]);
    const text = "-- USING JAR 'x.jar'\nCREATE FUNCTION f AS 'F' USING JAR 'a.jar', JAR 'b''s.jar'";
    expect(sqlJarPaths(text).map((p) => [p.path, text.slice(p.offset, p.offset + 3)])).toEqual([
      ['a.jar', "'a."],
      ["b's.jar", "'b'"],
    ]);
  });
});

describe('render delivers declared jars the way Flink and the operator fetch them', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = fixtureRunningOwnCode('acquisition/udf', 'acquisition/udf-session');
  });
  afterEach(() => fx.dispose());

  it('a Maven-declared jar job: jarURI in the environment’s Maven repository (the entrypoint fetches it)', () => {
    const r = renderAt(fx.root, 'prod', ['acquisition/listing-score']);
    expect(r.diagnostics).toEqual([]);
    const fd = r.objects.find((o) => o.kind === 'FlinkDeployment')!;
    expect((fd.object as Spec).spec.job.jarURI).toBe(
      'https://nexus.rent.example/repository/maven-releases/com/rent/acquisition/listing-score/2.3.1/listing-score-2.3.1.jar',
    );
  });

  it('a UDF-jar SQL job: application mode lists the jars in user.artifacts.artifact-list and gives the runner the fetched files', () => {
    const job = addUdfJob(
      fx,
      'udf',
      '  - maven: com.rent.udf:shout-udfs:1.0.0\n  - uri: hdfs://prod-nn/udf/geo-1.0.jar\n',
      `CREATE TEMPORARY FUNCTION shout AS 'com.rent.udf.Shout';\n${TABLES}INSERT INTO loud SELECT shout(title) FROM listings;\n`,
    );
    const r = renderAt(fx.root, 'prod', [job]);
    expect(r.diagnostics).toEqual([]); // the CRD schema checks run inside render
    const spec = (r.objects.find((o) => o.kind === 'FlinkDeployment')!.object as Spec).spec;
    expect(spec.flinkConfiguration['user.artifacts.artifact-list']).toBe(
      'https://nexus.rent.example/repository/maven-releases/com/rent/udf/shout-udfs/1.0.0/shout-udfs-1.0.0.jar;hdfs://prod-nn/udf/geo-1.0.jar',
    );
    // KubernetesApplicationClusterEntrypoint.generateJarDir: user.artifacts.base-dir/<namespace>/<cluster-id>
    expect(spec.job.args).toEqual([
      '--script',
      '/opt/flink/sql/job.sql',
      '--policies',
      '/opt/flink/sql/policies.json',
      '--jar',
      '/opt/flink/artifacts/flink-acquisition/udf/shout-udfs-1.0.0.jar',
      '--jar',
      '/opt/flink/artifacts/flink-acquisition/udf/geo-1.0.jar',
    ]);
  });

  it('a Flink release that does not fetch artifacts (before 1.19) is refused, not rendered into a failing start', () => {
    fx.edit('platform/versions.yaml', 'flink: 1.20.4', 'flink: 1.18.1');
    const r = renderAt(fx.root, 'prod', ['acquisition/listing-score']);
    expect(r.diagnostics.map((d) => [d.rule, d.message])).toEqual([
      [
        'render/artifacts',
        'Flink 1.18.1 does not fetch a jar that is not local:// in application mode (Flink 1.19 and later do)',
      ],
    ]);
  });

  it('a UDF-jar session job: the runner gets the URIs (a FlinkSessionJob has one jarURI and no artifact list)', () => {
    const job = addUdfJob(
      fx,
      'udf-session',
      '  - maven: com.rent.udf:shout-udfs:1.0.0\n',
      `CREATE TEMPORARY FUNCTION shout AS 'com.rent.udf.Shout';\n${TABLES}INSERT INTO loud SELECT shout(title) FROM listings;\n`,
      'mode: session\nsession: shared-1-20\n',
    );
    const r = renderAt(fx.root, 'test', [job]);
    expect(r.diagnostics).toEqual([]);
    const spec = (r.objects.find((o) => o.kind === 'FlinkSessionJob')!.object as Spec).spec;
    expect(spec.job.args.slice(-2)).toEqual([
      '--jar',
      'https://nexus.rent.example/repository/maven-releases/com/rent/udf/shout-udfs/1.0.0/shout-udfs-1.0.0.jar',
    ]);
  });
});

describe('resolving udfJars for preview and deep validation over HTTP (a local Maven repository server)', () => {
  let fx: Fixture;
  let server: Server;
  let base: string;
  const seen: { url: string; auth: string | undefined }[] = [];
  const JAR = Buffer.from('PK\u0003\u0004 not really a jar, but bytes to copy');
  beforeEach(async () => {
    fx = new Fixture();
    seen.length = 0;
    // Answers like a Maven repository behind basic authentication: 401 without it, 404 for unknown paths.
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', auth: req.headers.authorization });
      if (req.headers.authorization !== `Basic ${Buffer.from('ci-bot:s3cret').toString('base64')}`) {
        res.writeHead(401).end();
        return;
      }
      if (req.url === '/repo/com/rent/udfhttp/geo-udfs/1.4.0/geo-udfs-1.4.0.jar') res.writeHead(200).end(JAR);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}/repo`;
    rmSync(path.join(cacheDir(), 'maven', 'com', 'rent', 'udfhttp'), { recursive: true, force: true });
    fx.edit('platform/envs/test.yaml', 'url: https://nexus.rent.example/repository/maven-releases', `url: ${base}`);
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    fx.dispose();
    delete process.env.NEXUS_USER;
    delete process.env.NEXUS_PASSWORD;
  });

  const resolve = async (coordinate: string) => {
    const job = addUdfJob(
      fx,
      'udf',
      `  - maven: ${coordinate}\n`,
      `${TABLES}INSERT INTO loud SELECT title FROM listings;\n`,
    );
    const { repo } = loadRepo(fx.root);
    return resolveUdfJars(repo.jobs.find((j) => j.id === job)!, 'test', repo.platform.envs.get('test')!.spec);
  };

  it('downloads with the credentials of the variables the environment names, into the cache', async () => {
    process.env.NEXUS_USER = 'ci-bot';
    process.env.NEXUS_PASSWORD = 's3cret';
    const r = await resolve('com.rent.udfhttp:geo-udfs:1.4.0');
    expect(r.diagnostics).toEqual([]);
    const file = path.join(cacheDir(), 'maven', 'com/rent/udfhttp/geo-udfs/1.4.0/geo-udfs-1.4.0.jar');
    expect(r.jars).toEqual([{ uri: 'maven:com.rent.udfhttp:geo-udfs:1.4.0', path: file }]);
    expect(readFileSync(file)).toEqual(JAR);
    expect(seen.map((x) => x.url)).toEqual(['/repo/com/rent/udfhttp/geo-udfs/1.4.0/geo-udfs-1.4.0.jar']);
    // Cached: the next resolution asks nothing.
    await resolve('com.rent.udfhttp:geo-udfs:1.4.0');
    expect(seen).toHaveLength(1);
  });

  it('without the credentials: a diagnostic at the coordinate naming the variables to set', async () => {
    const r = await resolve('com.rent.udfhttp:geo-udfs:1.4.0');
    const file = 'jobs/acquisition/udf/job.yaml';
    expect(r.jars).toEqual([]);
    expect(r.diagnostics.map((d) => [d.rule, d.file, d.line, d.column, d.severity])).toEqual([
      ['job/udf-jar-unresolved', file, 5, 12, 'error'],
    ]);
    expect(r.diagnostics[0]!.message).toContain('HTTP 401');
    expect(r.diagnostics[0]!.hint).toContain('set NEXUS_USER and NEXUS_PASSWORD');
    expect(seen[0]!.auth).toBeUndefined();
  });

  it('an unknown coordinate: HTTP 404 and a hint to check the coordinates; nothing is cached', async () => {
    process.env.NEXUS_USER = 'ci-bot';
    process.env.NEXUS_PASSWORD = 's3cret';
    const r = await resolve('com.rent.udfhttp:geo-udfs:9.9.9');
    expect(r.diagnostics[0]!.message).toContain(`udf jar com.rent.udfhttp:geo-udfs:9.9.9 cannot be resolved`);
    expect(r.diagnostics[0]!.message).toContain('HTTP 404');
    expect(r.diagnostics[0]!.hint).toContain('check the coordinates');
    expect(existsSync(path.join(cacheDir(), 'maven', 'com/rent/udfhttp/geo-udfs/9.9.9/geo-udfs-9.9.9.jar'))).toBe(
      false,
    );
  });
});
