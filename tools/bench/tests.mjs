// A repository of N SQL jobs with M tests each, for `flinkops test` in `npm run bench`:
// half the jobs on Flink 1.20, half on 2.2 (two helper JVMs), each a windowed aggregation.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const CITIES = ['beijing', 'shanghai', 'shenzhen'];

export function generateTestRepo(root, project, jobs = 20, testsPerJob = 5) {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  cpSync(path.join(project, 'platform'), path.join(root, 'platform'), { recursive: true });
  const teams = { metrics120: '1.20', metrics22: '2.2' };
  for (const [team, version] of Object.entries(teams)) {
    mkdirSync(path.join(root, 'jobs', team), { recursive: true });
    writeFileSync(
      path.join(root, 'jobs', team, 'team.yaml'),
      `namespace: flink-${team}\nowners: ["@rent/${team}-leads"]\ndefaults:\n  flinkVersion: "${version}"\n  upgradeMode: stateless\n`,
    );
  }
  for (let i = 0; i < jobs; i++) {
    const team = Object.keys(teams)[i % 2];
    const dir = path.join(root, 'jobs', team, `job-${String(i).padStart(2, '0')}`);
    mkdirSync(path.join(dir, 'tests'), { recursive: true });
    writeFileSync(path.join(dir, 'job.yaml'), 'type: sql\nparallelism: 1\n');
    writeFileSync(path.join(dir, 'owners.yaml'), `owners: ["@rent/${team}-engineers"]\n`);
    writeFileSync(
      path.join(dir, '01-main.sql'),
      `CREATE TEMPORARY TABLE events (
  id BIGINT, city STRING, amount DECIMAL(10, 2), ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'kafka', 'topic' = 'bench.events_${i}\${topic_suffix}', 'format' = 'json');

CREATE TEMPORARY TABLE per_city (
  city STRING, window_start TIMESTAMP(3), n BIGINT, total DECIMAL(18, 2),
  PRIMARY KEY (city, window_start) NOT ENFORCED
) WITH ('connector' = 'jdbc', 'url' = 'jdbc:mysql://db:3306/dw', 'table-name' = 'per_city_${i}');

INSERT INTO per_city
SELECT city, window_start, COUNT(*), SUM(amount)
FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
WHERE amount > ${i % 3}
GROUP BY city, window_start, window_end;
`,
    );
    for (let k = 0; k < testsPerJob; k++) {
      const rows = [];
      for (let j = 0; j < 6; j++) {
        const minute = Math.floor(j / 3);
        rows.push({
          id: j + 1,
          city: CITIES[(k + j) % CITIES.length],
          amount: (j % 4) + k,
          ts: `2024-03-01 10:0${minute}:${String((j % 3) * 20).padStart(2, '0')}`,
        });
      }
      const groups = new Map();
      for (const r of rows) {
        if (!(r.amount > i % 3)) continue;
        const key = `${r.city}|${r.ts.slice(0, 16)}:00`;
        const g = groups.get(key) ?? { n: 0, total: 0 };
        g.n++;
        g.total += r.amount;
        groups.set(key, g);
      }
      const expected = [...groups].map(([key, g]) => {
        const [city, start] = key.split('|');
        return `      - { city: ${city}, window_start: "${start}", n: ${g.n}, total: ${g.total.toFixed(2)} }`;
      });
      writeFileSync(
        path.join(dir, 'tests', `case-${k}.yaml`),
        `description: Generated case ${k}.\ngiven:\n  events:\n${rows.map((r) => `    - ${JSON.stringify(r)}`).join('\n')}\nexpect:\n  per_city:\n    rows:\n${expected.join('\n') || '      []'}\n`,
      );
    }
  }
}

/**
 * `flinkops test` on 100 tests across 20 jobs (10 on Flink 1.20, 10 on 2.2), one environment: the
 * JVM start of both helpers included. Standalone: `node tools/bench/tests.mjs`.
 */
export function benchTests({ project, work, cli, measureOnce, row }) {
  const root = path.join(work, 'repo-tests');
  generateTestRepo(root, project, 20, 5);
  console.log('\nflinkops test (100 tests of 20 jobs, one environment; Flink 1.20.4 and 2.2.1, one JVM each)');
  const r = measureOnce('flinkops test, 100 tests of 20 jobs, JVM start included', [
    cli,
    'test',
    '--env',
    'test',
    '--repo',
    root,
    '--format',
    'json',
  ]);
  const json = JSON.parse(r.stdout);
  const perRelease = {};
  for (const t of json.tests) perRelease[t.flinkVersion] = (perRelease[t.flinkVersion] ?? 0) + t.millis;
  const detail = Object.entries(perRelease)
    .map(([v, ms]) => `${v} ${(ms / 1000).toFixed(1)} s`)
    .join(', ');
  row(r, `${json.summary.passed}/${json.summary.tests} passed; running tests: ${detail}`);
  console.log(`\ntarget: 100 tests < 60 s (${r.ms < 60_000 && json.summary.passed === 100 ? 'met' : 'MISSED'})`);
  return r;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { spawnSync } = await import('node:child_process');
  const project = process.cwd();
  const work = path.join(project, '.cache/bench');
  mkdirSync(work, { recursive: true });
  const measureOnce = (label, args) => {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['--import', path.join(project, 'tools/bench/measure.mjs'), ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const m = r.stderr.match(/BENCH_MAXRSS_KB (\d+)/);
    if (r.status !== 0 && !r.stdout.startsWith('{'))
      throw new Error(`${label}: exit ${r.status}\n${r.stderr.slice(-2000)}`);
    return { label, ms, rss: m ? Number(m[1]) / 1024 : 0, stdout: r.stdout };
  };
  const row = (r, extra = '') =>
    console.log(
      `${r.label.padEnd(52)} ${(r.ms / 1000).toFixed(2).padStart(7)} s ${r.rss.toFixed(0).padStart(6)} MB  ${extra}`,
    );
  benchTests({ project, work, cli: path.join(project, 'bin/flinkops.mjs'), measureOnce, row });
}
