import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchFor } from '../../lib/flink/launch.js';
import { Fixture } from '../support/fixture.js';
import { flinkAvailable } from '../support/flink.js';
import { renderAt } from '../render/support.js';

/**
 * The production SQL runner (flinkops-sql-runner-<flink>.jar) run the way an application cluster
 * runs it: its main class, Flink's own jars beside it (not the helper's), the script as a file. Flink
 * executes on a local mini cluster. Application mode allows one execute() per main()
 * (StreamContextEnvironment: "Cannot have more than one execute() or executeAsync() call in a single
 * environment"), so every script must be exactly one job.
 */
const run = flinkAvailable() ? describe : describe.skip;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'flinkops-runner-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runScript(release: string, name: string, script: string) {
  const launch = launchFor(release);
  const lib = path.join(path.dirname(launch.runnerJar!), 'lib', '*');
  const file = path.join(dir, name);
  writeFileSync(file, script);
  const r = spawnSync(
    launch.java,
    [
      '-Xmx768m',
      '-XX:+UseSerialGC',
      '-cp',
      `${launch.runnerJar}${path.delimiter}${lib}`,
      'io.flinkops.flink.runner.SqlRunner',
      '--script',
      file,
    ],
    { encoding: 'utf8', timeout: 240_000, env: { ...process.env, SECRET_UNUSED: 'x' } },
  );
  return { code: r.status, out: `${r.stdout}`, err: `${r.stderr}` };
}

/** Rows a `print` sink wrote, per print identifier. */
function printed(out: string): Map<string, number> {
  const rows = new Map<string, number>();
  for (const m of out.matchAll(/^([a-z_]+)(?::\d+)?> [+-][IUD]\[/gm)) rows.set(m[1]!, (rows.get(m[1]!) ?? 0) + 1);
  return rows;
}

/**
 * The test's stand-in connectors: every table a script writes becomes a `print` sink named after
 * it, every other table a bounded `datagen` source. Only the WITH (…) options change; the rest of
 * the rendered script runs as rendered.
 */
function withLocalConnectors(script: string): { script: string; sinks: string[] } {
  const sinks = [...script.matchAll(/INSERT\s+INTO\s+([\w.]+)/gi)].map((m) => m[1]!.split('.').pop()!);
  const out = script.replace(
    /(CREATE\s+(?:TEMPORARY\s+)?TABLE\s+([\w.]+)\s*\((?:[^;]|'[^']*')*?\)\s*)WITH\s*\((?:[^()']|'(?:[^']|'')*')*\)/gi,
    (_all, head: string, name: string) => {
      const table = name.split('.').pop()!;
      const options = sinks.includes(table)
        ? `'connector' = 'print', 'print-identifier' = '${table}'`
        : `'connector' = 'datagen', 'number-of-rows' = '50'`;
      return `${head}WITH (${options})`;
    },
  );
  return { script: out, sinks: [...new Set(sinks)].sort() };
}

run('the production runner: one script is one Flink job', () => {
  it('two plain INSERTs run as one statement set: one job writing both sinks (1.20)', () => {
    const r = runScript(
      '1.20.4',
      'two-inserts.sql',
      [
        "SET 'execution.runtime-mode' = 'batch';",
        "CREATE TABLE src (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '3', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '3');",
        "CREATE TABLE a (id INT) WITH ('connector' = 'print', 'print-identifier' = 'sink_a');",
        "CREATE TABLE b (id INT) WITH ('connector' = 'print', 'print-identifier' = 'sink_b');",
        'INSERT INTO a SELECT id FROM src;',
        'INSERT INTO b SELECT id * 10 FROM src;',
        '',
      ].join('\n'),
    );
    expect(r.code, r.err.slice(-3000)).toBe(0);
    expect(r.out.match(/Submitted statement set of 2 INSERT\(s\), job [0-9a-f]{32}/g)).toHaveLength(1);
    expect(r.out).not.toMatch(/Submitted job/);
    expect(printed(r.out)).toEqual(
      new Map([
        ['sink_a', 3],
        ['sink_b', 3],
      ]),
    );
  }, 300_000);

  it('refuses a script that would submit a second job, before running anything', () => {
    const r = runScript(
      '1.20.4',
      'two-jobs.sql',
      [
        "CREATE TABLE a (id INT) WITH ('connector' = 'blackhole');",
        'INSERT INTO a VALUES (1);',
        'EXECUTE STATEMENT SET BEGIN INSERT INTO a VALUES (2); END;',
        '',
      ].join('\n'),
    );
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('Statement 3 (line 3): A script runs as one Flink job');
    expect(r.out).not.toContain('Created TableEnvironment');
  }, 300_000);
});

run('render → run: the exact rendered job.sql runs through the runner (connectors swapped by the test)', () => {
  let fx: Fixture;
  beforeAll(() => {
    fx = new Fixture();
    // A Flink 2.2 job with two plain INSERTs (the sample's 2.2 job writes to a Paimon catalog the test cannot stand in for).
    fx.write('jobs/rental/orders-fanout/owners.yaml', fx.read('jobs/rental/rental-metrics-1m/owners.yaml'));
    fx.write('jobs/rental/orders-fanout/job.yaml', 'type: sql\ndescription: Orders by city and by status.\n');
    fx.write(
      'jobs/rental/orders-fanout/main.sql',
      [
        'CREATE TEMPORARY TABLE orders (order_id BIGINT, city STRING, status STRING, created_at TIMESTAMP(3),',
        "  WATERMARK FOR created_at AS created_at - INTERVAL '5' SECOND",
        ") WITH ('connector' = 'kafka', 'topic' = 'rent.orders${topic_suffix}', 'properties.bootstrap.servers' = '${kafka_brokers}', 'format' = 'json');",
        "CREATE TEMPORARY TABLE by_city (city STRING, n BIGINT) WITH ('connector' = 'kafka', 'topic' = 'by_city', 'properties.bootstrap.servers' = '${kafka_brokers}', 'format' = 'json');",
        "CREATE TEMPORARY TABLE by_status (status STRING, n BIGINT) WITH ('connector' = 'kafka', 'topic' = 'by_status', 'properties.bootstrap.servers' = '${kafka_brokers}', 'format' = 'json');",
        'INSERT INTO by_city SELECT city, COUNT(*) FROM orders GROUP BY city;',
        'INSERT INTO by_status SELECT status, COUNT(*) FROM orders GROUP BY status;',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => fx.dispose());

  const cases: [string, string, string, number][] = [
    ['1.20.4', 'homeservice/workorder-sla', 'an EXECUTE STATEMENT SET', 2],
    ['2.2.1', 'rental/orders-fanout', 'two plain INSERTs', 2],
  ];
  for (const [release, job, what, inserts] of cases) {
    it(`${job} (Flink ${release}, ${what})`, () => {
      const r = renderAt(fx.root, 'test', [job]);
      expect(r.diagnostics).toEqual([]);
      const cm = r.objects.find((o) => o.kind === 'ConfigMap' && o.name.endsWith('-sql'))!;
      const rendered = (cm.object as { data: Record<string, string> }).data['job.sql']!;
      const { script, sinks } = withLocalConnectors(rendered);
      expect(script).not.toMatch(/'connector' = '(kafka|jdbc)'/);
      const run = runScript(release, `${job.replace('/', '-')}.sql`, script);
      expect(run.code, run.err.slice(-3000)).toBe(0);
      expect(run.out.match(new RegExp(`Submitted statement set of ${inserts} INSERT\\(s\\)`, 'g'))).toHaveLength(1);
      // Every row comes from the sinks of the script (stand-in data may leave a filtered sink empty).
      const wrote = [...printed(run.out).keys()];
      expect(wrote.length).toBeGreaterThan(0);
      expect(sinks).toEqual(expect.arrayContaining(wrote));
    }, 300_000);
  }
});
