import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { javaAvailable, launchFor } from '../../lib/flink/launch.js';

/**
 * The production SQL runner (flink/…/runner/SqlRunner.java) with the job's policies.json, run
 * locally on Flink 1.20.4 (a mini cluster; datagen source, print sink): it enforces the policies in
 * the planner, and refuses to start a job whose policies cannot be enforced.
 */
const available = javaAvailable();
if (!available && process.env.CI) throw new Error('CI: Java is required for the runner security test');
const run = available ? test : test.skip;

const dir = mkdtempSync(path.join(tmpdir(), 'flinkops-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SQL = `CREATE TABLE people (id INT, phone STRING) WITH (
  'connector' = 'datagen', 'number-of-rows' = '5',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '5',
  'fields.phone.kind' = 'random', 'fields.phone.length' = '11'
);
CREATE TABLE out1 (id INT, phone STRING) WITH ('connector' = 'print');
INSERT INTO out1 SELECT id, phone FROM people;
`;

function policies(masks: Record<string, string>): string {
  return JSON.stringify({
    job: 'analysts/people',
    policies: [
      {
        name: 'people-policy',
        at: 'platform/policies/people.yaml:2:5',
        resource: { connector: 'datagen', 'fields.id.kind': 'sequence' },
        rowFilter: 'id > 3',
        masks,
      },
    ],
    catalogs: [],
    unpoliced: false,
  });
}

function runner(policyJson: string): { status: number | null; out: string } {
  const launch = launchFor('1.20.4');
  const lib = path.join(path.dirname(launch.runnerJar!), 'lib');
  const cp = [launch.runnerJar!, ...readdirSync(lib).map((f) => path.join(lib, f))].join(path.delimiter);
  writeFileSync(path.join(dir, 'job.sql'), SQL);
  writeFileSync(path.join(dir, 'policies.json'), policyJson);
  const jvm = launch.args.filter((a) => a.startsWith('--add-') || a.startsWith('-D') || a.startsWith('-Xss'));
  const r = spawnSync(
    launch.java,
    [
      ...jvm,
      '-cp',
      cp,
      'io.flinkops.flink.runner.SqlRunner',
      '--script',
      path.join(dir, 'job.sql'),
      '--policies',
      path.join(dir, 'policies.json'),
      '--set',
      'table.dml-sync=true',
      '--set',
      'parallelism.default=1',
    ],
    { encoding: 'utf8', timeout: 180_000 },
  );
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe.sequential('production SQL runner with policies.json', () => {
  run(
    'enforces the row filter and the mask at job start',
    () => {
      const r = runner(policies({ phone: 'MASK_HASH' }));
      expect(r.status, r.out).toBe(0);
      expect(r.out).toContain('1 data-security policies apply to this job');
      expect(r.out).toContain('policies people-policy enforced on default_catalog.default_database.people');
      const printed = [...r.out.matchAll(/\+I\[(\d+), ([^\]]*)\]/g)].map((m) => [Number(m[1]), m[2]!]);
      expect(printed.map(([id]) => id).sort()).toEqual([4, 5]); // id > 3
      for (const [, phone] of printed) expect(phone).toMatch(/^[0-9a-f]{64}$/); // SHA-256, never the raw value
    },
    200_000,
  );

  run(
    'refuses to start when a policy cannot be enforced',
    () => {
      const r = runner(policies({ mobile: 'MASK' }));
      expect(r.status).not.toBe(0);
      expect(r.out).toMatch(/policy "people-policy".*masks "mobile", which is not a physical column/);
      expect(r.out).not.toMatch(/\+I\[/);
    },
    200_000,
  );
});
