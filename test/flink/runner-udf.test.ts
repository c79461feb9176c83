import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchFor } from '../../lib/flink/launch.js';
import { flinkAvailable } from '../support/flink.js';
import { publishUdfJar, udfJarFile } from '../support/udfJar.js';

/**
 * The production runner with a job's udfJars: render gives it `--jar <file>` (application mode: the
 * file Flink's KubernetesApplicationClusterEntrypoint fetched from user.artifacts.artifact-list), and
 * the runner registers it as ADD JAR does (ResourceManager.registerJarResources: the jar joins the
 * user class loader and, through pipeline.jars, travels with the job). Flink runs on a mini cluster.
 */
const run = flinkAvailable() ? describe : describe.skip;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'flinkops-runner-udf-'));
  publishUdfJar(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runner(args: string[]) {
  const launch = launchFor('1.20.4');
  const lib = path.join(path.dirname(launch.runnerJar!), 'lib', '*');
  const r = spawnSync(
    launch.java,
    [
      '-Xmx768m',
      '-XX:+UseSerialGC',
      '-cp',
      `${launch.runnerJar}${path.delimiter}${lib}`,
      'io.flinkops.flink.runner.SqlRunner',
      ...args,
    ],
    { encoding: 'utf8', timeout: 240_000 },
  );
  return { code: r.status, out: `${r.stdout}`, err: `${r.stderr}` };
}

const SCRIPT = `SET 'execution.runtime-mode' = 'batch';
CREATE TEMPORARY FUNCTION shout AS 'com.rent.udftest.Shout';
CREATE TEMPORARY TABLE listings (title STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '3', 'fields.title.length' = '4');
CREATE TEMPORARY TABLE loud (title STRING) WITH ('connector' = 'print', 'print-identifier' = 'loud');
INSERT INTO loud SELECT shout(title) FROM listings;
`;

run('the production runner with udfJars', () => {
  it('--jar puts the UDF jar on the classpath: Flink evaluates the function', () => {
    const file = path.join(dir, 'udf.sql');
    writeFileSync(file, SCRIPT);
    const r = runner(['--script', file, '--jar', udfJarFile(dir)]);
    expect(r.err).not.toContain('Exception');
    expect(r.code).toBe(0);
    expect(r.err + r.out).toContain(`Added UDF jar ${udfJarFile(dir)}`);
    // datagen's titles are 4 random characters; the function upper-cases them and appends "!"
    const rows = [...r.out.matchAll(/^loud(?::\d+)?> \+I\[(.*)\]$/gm)].map((m) => m[1]!);
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toMatch(/^[^a-z]{4}!$/);
  }, 300_000);

  it('without it the same script fails at the function: the jar is what makes it run', () => {
    const file = path.join(dir, 'no-jar.sql');
    writeFileSync(file, SCRIPT);
    const r = runner(['--script', file]);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('com.rent.udftest.Shout');
  }, 300_000);
});
