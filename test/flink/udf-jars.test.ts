import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preview } from '../../actions/preview.js';
import { test } from '../../actions/test.js';
import { validate } from '../../actions/validate.js';
import type { Diagnostic } from '../../lib/diagnostics/diagnostic.js';
import { cacheDir } from '../../lib/flink/launch.js';
import { Fixture, locate } from '../support/fixture.js';
import { flinkAvailable } from '../support/flink.js';
import { publishUdfJar } from '../support/udfJar.js';

const HAVE_FLINK = flinkAvailable();

const GROUP = 'com.rent.udftest';
const COORD = `${GROUP}:shout-udfs:1.0.0`;

/** A SQL job that declares the UDF jar and calls the function it provides. */
function addUdfJob(
  fx: Fixture,
  name: string,
  coordinate: string,
  functionClass: string,
  flinkVersion = '1.20',
): string {
  fx.write(
    `jobs/acquisition/${name}/job.yaml`,
    `type: sql\nflinkVersion: "${flinkVersion}"\nupgradeMode: stateless\nudfJars:\n  - maven: ${coordinate}\n`,
  );
  fx.write(`jobs/acquisition/${name}/owners.yaml`, 'owners: ["@wang.lei"]\n');
  fx.write(
    `jobs/acquisition/${name}/main.sql`,
    `CREATE TEMPORARY FUNCTION shout AS '${functionClass}';
CREATE TEMPORARY TABLE listings (title STRING) WITH ('connector' = 'kafka', 'topic' = 'rent.listings', 'format' = 'json');
CREATE TEMPORARY TABLE loud (title STRING) WITH ('connector' = 'print');
INSERT INTO loud SELECT shout(title) FROM listings;
`,
  );
  return `acquisition/${name}`;
}

async function deep(fx: Fixture, jobs: string[]): Promise<{ ok: boolean; diagnostics: Diagnostic[] }> {
  const r = await validate({ repo: fx.root, jobs, format: 'json', deep: true });
  return JSON.parse(r.stdout);
}

describe.runIf(HAVE_FLINK)('udfJars: preview and validate --deep load the declared jar into Flink', () => {
  let fx: Fixture;
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'flinkops-udf-'));
    const repoUrl = publishUdfJar(work);
    // Each run downloads from the file:// repository again (not from an earlier run's cache).
    rmSync(path.join(cacheDir(), 'maven', 'com', 'rent', 'udftest'), { recursive: true, force: true });
    fx = new Fixture();
    // The sample's policies reach every team: the security team lets these jobs run code from JARs.
    fx.edit(
      'platform/policies/pii.yaml',
      'unpolicedCode: [acquisition/listing-score]',
      'unpolicedCode: [acquisition/listing-score, acquisition/shout-120, acquisition/shout-22, acquisition/shout-ok, acquisition/shout-typo, acquisition/shout-missing]',
    );
    for (const env of ['test', 'prod'])
      fx.edit(
        `platform/envs/${env}.yaml`,
        'url: https://nexus.rent.example/repository/maven-releases',
        `url: ${repoUrl}`,
      );
  });
  afterAll(() => {
    fx.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('preview: Flink evaluates the function from the jar (Flink 1.20 and 2.2)', async () => {
    for (const version of ['1.20', '2.2']) {
      const job = addUdfJob(fx, `shout-${version.replace('.', '')}`, COORD, 'com.rent.udftest.Shout', version);
      const sample = path.join(work, 'listings.jsonl');
      writeFileSync(sample, '{"title":"sunny flat"}\n{"title":"quiet room"}\n');
      const r = await preview({
        repo: fx.root,
        job,
        env: 'test',
        samples: [`listings=${sample}`],
        rows: 10,
        json: true,
      });
      expect(r.stderr ?? '').toBe('');
      expect(r.exitCode).toBe(0);
      const out = JSON.parse(r.stdout) as { sinks: Record<string, Record<string, unknown>[]> };
      expect(out.sinks.loud).toEqual([{ title: 'QUIET ROOM!' }, { title: 'SUNNY FLAT!' }]);
    }
  }, 600_000);

  it('flinkops test: a job test of the UDF job runs the function from the jar', async () => {
    const job = addUdfJob(fx, 'shout-ok', COORD, 'com.rent.udftest.Shout');
    fx.write(
      `jobs/${job}/tests/shouts.yaml`,
      'envs: [test]\ngiven:\n  listings:\n    - { title: calm }\nexpect:\n  loud:\n    rows:\n      - { title: "CALM!" }\n',
    );
    const r = await test({ repo: fx.root, jobs: [job], format: 'json' });
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; tests: { status: string }[] };
    expect(out.tests.map((x) => x.status)).toEqual(['passed']);
    expect(out.ok).toBe(true);
  }, 600_000);

  it('validate --deep: accepted with the jar; a class the jar lacks is Flink’s error at the statement', async () => {
    const ok = addUdfJob(fx, 'shout-ok', COORD, 'com.rent.udftest.Shout');
    const bad = addUdfJob(fx, 'shout-typo', COORD, 'com.rent.udftest.Shuot');
    const out = await deep(fx, [ok, bad]);
    expect(out.diagnostics.filter((d) => d.job === ok)).toEqual([]);
    const errors = out.diagnostics.filter((d) => d.job === bad && d.severity === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]!.file).toBe(`jobs/${bad}/main.sql`);
    expect(errors.map((d) => d.message).join('\n')).toContain('com.rent.udftest.Shuot');
  }, 600_000);

  it('under a data-security policy a UDF jar stays refused: validate at udfJars, and Flink refuses to load it', async () => {
    const job = addUdfJob(fx, 'shout-policed', COORD, 'com.rent.udftest.Shout');
    const file = `jobs/${job}/job.yaml`;
    const fast = fx.validate([job]).filter((d) => d.rule === 'security/unenforceable');
    expect(fast.map((d) => [d.file, d.line, d.column, d.severity])).toEqual([[file, 4, 1, 'error']]);
    expect(fast[0]!.message).toContain('declares udfJars');
    const out = await deep(fx, [job]);
    const refused = out.diagnostics.filter((d) => d.rule === 'security/unenforceable' && d.file.endsWith('main.sql'));
    expect(refused.map((d) => d.message)).toContain(
      'Flink 1.20.4: the job declares udfJars: code from JARs can read any source, so data-security policies cannot be enforced on it',
    );
  }, 600_000);

  it('an unresolvable coordinate is a diagnostic at its job.yaml line, with a hint — in deep validation and in preview', async () => {
    const job = addUdfJob(fx, 'shout-missing', `${GROUP}:no-such-udfs:9.9.9`, 'com.rent.udftest.Shout');
    const file = `jobs/${job}/job.yaml`;
    const at = locate(fx.read(file), `${GROUP}:no-such-udfs:9.9.9`);
    expect(fx.validate([job]).filter((x) => x.severity === 'error')).toEqual([]); // fast validate: no network, no JVM
    const out = await deep(fx, [job]);
    const d = out.diagnostics.find((x) => x.rule === 'job/udf-jar-unresolved')!;
    expect(d).toMatchObject({ severity: 'error', file, line: at.line, column: at.column, job });
    expect(d.message).toContain(`udf jar ${GROUP}:no-such-udfs:9.9.9 cannot be resolved`);
    expect(d.hint).toContain('check the coordinates');
    expect(out.ok).toBe(false);
    const r = await preview({ repo: fx.root, job, env: 'test', samples: [], rows: 1, json: true });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`${file}\n  ${at.line}:${at.column}  `);
    expect(r.stderr).toContain(`udf jar ${GROUP}:no-such-udfs:9.9.9 cannot be resolved`);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 600_000);
});
