// Generates a job repository of N jobs (up to 20,000 and more) in 7 teams (realistic SQL, ~40 lines a job) from
// the sample platform/. `diverse`: every job's SQL has its own shape (token sequence), as in a real fleet — the
// digits of the job number choose extra columns, filters, aggregates, dimension columns and CASE branches.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const TEAMS = ['datasync', 'rental', 'acquisition', 'homeservice', 'finance', 'growth', 'risk'];
const CITIES = ['beijing', 'shanghai', 'shenzhen', 'hangzhou', 'chengdu'];
const PAIMON_HOUSE = 'hdfs://lake-nn/paimon/dim.db/house';

/**
 * The house dimension, looked up by every job: from MySQL (jdbc) on Flink 1.20; Flink 2.2's image carries no jdbc
 * connector (platform/versions.yaml), so its jobs look the house up in the lake (a Paimon table by its path).
 */
function houseOptions(version) {
  return version === '2.2'
    ? `  'connector' = 'paimon',\n  'path' = '${PAIMON_HOUSE}'`
    : `  'connector' = 'jdbc',\n  'url' = 'jdbc:mysql://\${mysql_host}:3306/house',\n  'table-name' = 'house',\n  'password' = '\${secret:MYSQL_PASSWORD}'`;
}

export function generateRepo(root, jobs = 500, project = process.cwd(), { policies = true, diverse = false } = {}) {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  cpSync(path.join(project, 'platform'), path.join(root, 'platform'), { recursive: true });
  // Data security: the house dimension (every job looks it up) is filtered and masked for two of the
  // seven teams, so validate rewrites ~2/7 of the jobs in both environments.
  if (policies) {
    writeFileSync(
      path.join(root, 'platform/policies/bench.yaml'),
      ['jdbc, table-name: house', `paimon, path: "${PAIMON_HOUSE}"`]
        .map(
          (resource, k) =>
            `  - name: bench-house-district${k ? '-lake' : ''}\n    resource: { connector: ${resource} }\n    principals: ["team:rental", "team:risk"]\n    rowFilter: "house_id > 0"\n    masks:\n      district: MASK_HASH\n`,
        )
        .join('')
        .replace(/^/, 'policies:\n'),
    );
  }
  TEAMS.forEach((team, t) => {
    mkdirSync(path.join(root, 'jobs', team), { recursive: true });
    writeFileSync(
      path.join(root, 'jobs', team, 'team.yaml'),
      `namespace: flink-${team}\nowners: ["@rent/${team}-leads"]\napprovals: 1\ndefaults:\n  flinkVersion: "${t % 2 ? '2.2' : '1.20'}"\n  parallelism: 2\n  upgradeMode: savepoint\n`,
    );
  });
  for (let i = 0; i < jobs; i++) {
    const team = TEAMS[i % TEAMS.length];
    const name = `job-${String(i).padStart(3, '0')}-${['sync', 'metrics', 'enrich', 'alerts'][i % 4]}`;
    const dir = path.join(root, 'jobs', team, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'job.yaml'),
      `type: sql\ndescription: Generated job ${i} for the benchmark.\nparallelism: ${1 + (i % 4)}\nvars:\n  topic: ${team}.events_${i}\${topic_suffix}\n  city: ${CITIES[i % CITIES.length]}\nenvs:\n  prod:\n    parallelism: ${2 + (i % 6)}\n`,
    );
    writeFileSync(path.join(dir, 'owners.yaml'), `owners: ["@user${i % 170}", "@rent/${team}-engineers"]\n`);
    const version = (i % TEAMS.length) % 2 ? '2.2' : '1.20';
    writeFileSync(path.join(dir, '01-main.sql'), diverse ? diverseSql(i, version) : sql(i, version));
  }
}

function sql(i, version) {
  return `-- Job ${i}: events enriched with their house, counted per city and minute.
CREATE TEMPORARY TABLE events_${i} (
  event_id    BIGINT,
  house_id    BIGINT,
  user_id     BIGINT,
  city        STRING,
  amount      DECIMAL(12, 2),
  status      STRING,
  event_time  TIMESTAMP(3),
  proc_time AS PROCTIME(),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = '\${topic}',
  'properties.bootstrap.servers' = '\${kafka_brokers}',
  'properties.group.id' = 'flink-\${job}-\${env}',
  'format' = 'json'
);

CREATE TEMPORARY TABLE dim_house_${i} (
  house_id BIGINT,
  district STRING,
  PRIMARY KEY (house_id) NOT ENFORCED
) WITH (
${houseOptions(version)}
);

CREATE TEMPORARY TABLE metrics_${i} (
  city STRING, district STRING, window_start TIMESTAMP(3), events BIGINT, amount DECIMAL(18, 2)
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY VIEW enriched_${i} AS
SELECT e.event_id, e.city, e.amount, e.status, e.event_time, h.district
FROM events_${i} AS e
LEFT JOIN dim_house_${i} FOR SYSTEM_TIME AS OF e.proc_time AS h ON e.house_id = h.house_id;

INSERT INTO metrics_${i}
SELECT city, district, window_start, COUNT(*) AS events, SUM(amount) AS amount
FROM TABLE(TUMBLE(TABLE enriched_${i}, DESCRIPTOR(event_time), INTERVAL '1' MINUTE))
WHERE status <> 'CANCELLED' AND city = '\${city}'
GROUP BY city, district, window_start, window_end;
`;
}

/** The digits of i (base 10, five of them) each choose one feature: 100,000 distinct shapes. */
function diverseSql(i, version) {
  const [cols, filters, aggs, dims, cases] = String(i).padStart(5, '0').split('').reverse().map(Number);
  const range = (n, f) => Array.from({ length: n }, (_, k) => f(k));
  const extraCols = range(cols, (k) => `  attr_${k}      ${['STRING', 'BIGINT', 'DOUBLE'][k % 3]},\n`).join('');
  const extraDims = range(dims, (k) => `  dim_attr_${k} STRING,\n`).join('');
  const extraFilters = range(filters, (k) => ` AND amount > ${k * 10}`).join('');
  const extraAggs = range(aggs, (k) => `, MAX(amount * ${k + 2}) AS top_${k}`).join('');
  const extraSinkCols = range(aggs, (k) => `, top_${k} DECIMAL(18, 2)`).join('');
  const caseExpr = cases
    ? `CASE ${range(cases, (k) => `WHEN e.amount > ${(k + 1) * 100} THEN 'tier${k}'`).join(' ')} ELSE 'base' END`
    : 'e.status';
  return `-- Job ${i}: events enriched with their house, counted per city and minute (shape ${cols}${filters}${aggs}${dims}${cases}).
CREATE TEMPORARY TABLE events_${i} (
  event_id    BIGINT,
  house_id    BIGINT,
  user_id     BIGINT,
  city        STRING,
  amount      DECIMAL(12, 2),
  status      STRING,
${extraCols}  event_time  TIMESTAMP(3),
  proc_time AS PROCTIME(),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = '\${topic}',
  'properties.bootstrap.servers' = '\${kafka_brokers}',
  'properties.group.id' = 'flink-\${job}-\${env}',
  'format' = 'json'
);

CREATE TEMPORARY TABLE dim_house_${i} (
  house_id BIGINT,
  district STRING,
${extraDims}  PRIMARY KEY (house_id) NOT ENFORCED
) WITH (
${houseOptions(version)}
);

CREATE TEMPORARY TABLE metrics_${i} (
  city STRING, district STRING, window_start TIMESTAMP(3), events BIGINT, amount DECIMAL(18, 2)${extraSinkCols}
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY VIEW enriched_${i} AS
SELECT e.event_id, e.city, e.amount, ${caseExpr} AS status, e.event_time, h.district
FROM events_${i} AS e
LEFT JOIN dim_house_${i} FOR SYSTEM_TIME AS OF e.proc_time AS h ON e.house_id = h.house_id;

INSERT INTO metrics_${i}
SELECT city, district, window_start, COUNT(*) AS events, SUM(amount) AS amount${extraAggs}
FROM TABLE(TUMBLE(TABLE enriched_${i}, DESCRIPTOR(event_time), INTERVAL '1' MINUTE))
WHERE status <> 'CANCELLED' AND city = '\${city}'${extraFilters}
GROUP BY city, district, window_start, window_end;
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const diverse = args.includes('--diverse');
  const [root = '.cache/bench/repo-500', n = '500'] = args.filter((a) => a !== '--diverse');
  generateRepo(root, Number(n), process.cwd(), { diverse });
  console.log(`generated ${n} ${diverse ? 'diverse ' : ''}jobs in ${root}`);
}
