import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preview } from '../../actions/preview.js';
import { validate } from '../../actions/validate.js';
import type { Diagnostic } from '../../lib/diagnostics/diagnostic.js';
import { compilePlans } from '../../lib/flink/compile.js';
import { loadRepo } from '../../lib/repo/load.js';
import { effectiveSql } from '../../lib/resolve/sql.js';
import { Fixture, locate } from '../support/fixture.js';
import { flinkAvailable } from '../support/flink.js';

/**
 * One rule for several INSERTs (flink/…/runner/ScriptJob.java), the same in deep validation,
 * preview and plan compilation as in the production runner (test/flink/runner.test.ts): the plain
 * INSERTs of a script are one statement set; anything submitting a second job is refused.
 */
const HAVE_FLINK = flinkAvailable();

const TABLES = [
  'CREATE TEMPORARY TABLE orders (id BIGINT, city STRING) WITH (',
  "  'connector' = 'kafka', 'topic' = 'o', 'properties.bootstrap.servers' = '${kafka_brokers}', 'format' = 'json');",
  "CREATE TEMPORARY TABLE by_city (city STRING, n BIGINT) WITH ('connector' = 'kafka', 'topic' = 'a', 'properties.bootstrap.servers' = '${kafka_brokers}', 'format' = 'json');",
  "CREATE TEMPORARY TABLE ids (id BIGINT) WITH ('connector' = 'kafka', 'topic' = 'b', 'properties.bootstrap.servers' = '${kafka_brokers}', 'format' = 'json');",
].join('\n');
const TWO_INSERTS = `${TABLES}\nINSERT INTO by_city SELECT city, id FROM orders;\nINSERT INTO ids SELECT id FROM orders;\n`;
const TWO_JOBS = `${TABLES}\nINSERT INTO ids SELECT id FROM orders;\nEXECUTE STATEMENT SET BEGIN\n  INSERT INTO by_city SELECT city, id FROM orders;\nEND;\n`;

function addJob(fx: Fixture, name: string, sql: string): string {
  fx.write(`jobs/rental/${name}/job.yaml`, 'type: sql\nflinkVersion: "1.20"\nupgradeMode: stateless\n');
  fx.write(`jobs/rental/${name}/owners.yaml`, 'owners: ["@zhao.min"]\n');
  fx.write(`jobs/rental/${name}/main.sql`, sql);
  return `rental/${name}`;
}

describe.runIf(HAVE_FLINK)(
  'a script is one Flink job: deep validation, preview and compile agree with the runner',
  () => {
    let fx: Fixture;
    let one: string;
    let two: string;
    beforeAll(() => {
      fx = new Fixture();
      one = addJob(fx, 'two-inserts', TWO_INSERTS);
      two = addJob(fx, 'two-jobs', TWO_JOBS);
    });
    afterAll(() => fx.dispose());

    it('validate --deep accepts two plain INSERTs and refuses a statement set beside them, at that statement', async () => {
      const r = await validate({ repo: fx.root, jobs: [one, two], format: 'json', deep: true });
      const ds = (JSON.parse(r.stdout) as { diagnostics: Diagnostic[] }).diagnostics;
      expect(ds.filter((d) => d.job === one)).toEqual([]);
      const refused = ds.filter((d) => d.job === two);
      const file = 'jobs/rental/two-jobs/main.sql';
      expect(refused.map((d) => [d.file, d.line, d.severity])).toEqual([
        [file, locate(fx.read(file), 'EXECUTE STATEMENT SET').line, 'error'],
      ]);
      expect(refused[0]!.message).toContain('A script runs as one Flink job');
    }, 600_000);

    it('plan compilation gives one compiled plan writing both sinks', async () => {
      const { repo } = loadRepo(fx.root);
      const eff = effectiveSql(repo, repo.jobs.find((j) => j.id === one)!, 'test')!;
      const out = (await compilePlans([{ key: one, eff }])).get(one)!;
      expect(out.error).toBeUndefined();
      expect(out.plans).toHaveLength(1);
      const text = JSON.stringify(out.plans![0]);
      expect(text).toContain('by_city');
      expect(text).toContain('ids');
    }, 600_000);

    it('preview runs both INSERTs and collects both sinks', async () => {
      const r = await preview({ repo: fx.root, job: one, env: 'test', samples: [], rows: 5, json: true });
      expect(r.exitCode, r.stdout + (r.stderr ?? '')).toBe(0);
      const sinks = (JSON.parse(r.stdout) as { sinks: Record<string, unknown[]> }).sinks;
      expect(Object.keys(sinks).sort()).toEqual(['by_city', 'ids']);
    }, 600_000);
  },
);
