import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SinkRows } from '../../lib/flink/preview.js';
import { FlinkUnavailable, javaAvailable } from '../../lib/flink/launch.js';
import { PreviewSession } from '../../lib/flink/session.js';
import type { Diagnostic } from '../../lib/diagnostics/diagnostic.js';
import { SAMPLES, SecurityFixture } from './support.js';

/**
 * Review attacks (r12) on the planner enforcement (flink/…/security/Enforcer.java, identity/*): a member of
 * team analysts writes SQL to get a masked raw value or a filtered-out row into a sink. Each case asserts the
 * SECURE behaviour, so a leak fails. All cases run as one statement set through `preview` in real Flink 1.20.4
 * (one run); the tables are the job's own, fed by samples bound by name, so what is tested is whether the
 * policy binds the physical source the real connector would read.
 */
const RELEASE = '1.20.4';
const available = javaAvailable();
if (!available && process.env.CI) throw new Error('CI: Java is required for the real-Flink security cases');
const run = available ? test : test.skip;

const POLICIES = `policies:
  - name: crm-db-url
    resource: { connector: jdbc, url: "jdbc:mysql://crm-db/crm", table-name: accounts }
    principals: ["team:analysts"]
    rowFilter: "region = 'beijing'"
    masks: { phone: MASK_NULL }
  - name: lake-contracts
    resource: { table: paimon_dw.ods.rent_contracts }
    principals: ["team:analysts"]
    rowFilter: "city = 'beijing'"
    masks: { tenant_phone: MASK_SHOW_LAST_4 }
`;

const RAW = '13900002222';
const ACCOUNTS = [
  { id: 1, phone: '13800001111', region: 'beijing' },
  { id: 2, phone: RAW, region: 'shanghai' },
];
const jdbc = (name: string, url: string, table = 'accounts') =>
  `CREATE TEMPORARY TABLE ${name} (id BIGINT, phone STRING, region STRING) WITH ('connector' = 'jdbc', 'url' = '${url}', 'table-name' = '${table}');`;

interface Attack {
  name: string;
  ddl: string;
  /** Three columns, cast to STRING into the sink (a, b, c). */
  select: string;
  samples: Record<string, Record<string, unknown>[]>;
  check(rows: Record<string, unknown>[]): void;
}

/** The accounts policy: only row 1 (Beijing), its phone NULL. */
const accounts = (rows: Record<string, unknown>[]) => {
  expect(JSON.stringify(rows), 'raw phone or filtered row leaked').not.toContain(RAW);
  expect(rows).toEqual([{ a: '1', b: null, c: 'beijing' }]);
};

const ATTACKS: Attack[] = [
  // identity spelling, JDBC: Connector/J multi-host failover URL (first host is the protected database)
  {
    name: 'JDBC multi-host URL jdbc:mysql://crm-db,crm-db2/crm',
    ddl: jdbc('acc_multi', 'jdbc:mysql://crm-db,crm-db2/crm'),
    select: 'SELECT id, phone, region FROM acc_multi',
    samples: { acc_multi: ACCOUNTS },
    check: accounts,
  },
  // identity spelling, JDBC: Connector/J key-value host form
  {
    name: 'JDBC key-value host jdbc:mysql://address=(host=crm-db)(port=3306)/crm',
    ddl: jdbc('acc_kv', 'jdbc:mysql://address=(host=crm-db)(port=3306)/crm'),
    select: 'SELECT id, phone, region FROM acc_kv',
    samples: { acc_kv: ACCOUNTS },
    check: accounts,
  },
  // identity spelling, JDBC: credentials in the authority
  {
    name: 'JDBC user info jdbc:mysql://u:p@crm-db/crm',
    ddl: jdbc('acc_ui', 'jdbc:mysql://u:p@crm-db/crm'),
    select: 'SELECT id, phone, region FROM acc_ui',
    samples: { acc_ui: ACCOUNTS },
    check: accounts,
  },
  // identity spelling, JDBC: schema-qualified and quoted table name, host in capitals, explicit port (control)
  {
    name: 'JDBC qualified quoted table name, CRM-DB:3306',
    ddl: jdbc('acc_q', 'jdbc:mysql://CRM-DB:3306/crm?useSSL=false', '`crm`.`accounts`'),
    select: 'SELECT id, phone, region FROM acc_q',
    samples: { acc_q: ACCOUNTS },
    check: accounts,
  },
  // plan shape: lookup join over a view that renames columns — the row filter is mapped to the snapshot by NAME
  {
    name: "lookup join over a view that projects 'beijing' AS region",
    ddl: `${jdbc('acc_dim', 'jdbc:mysql://crm-db/crm')}
CREATE TEMPORARY VIEW acc_view AS SELECT id, phone, 'beijing' AS region, region AS real_region FROM acc_dim;
CREATE TEMPORARY TABLE probe (k BIGINT, p AS PROCTIME()) WITH ('connector' = 'kafka', 'topic' = 'probe', 'properties.bootstrap.servers' = 'k:9092', 'format' = 'json');`,
    select:
      'SELECT d.id, d.phone, d.real_region FROM probe AS o JOIN acc_view FOR SYSTEM_TIME AS OF o.p AS d ON o.k = d.id',
    samples: { acc_dim: ACCOUNTS, probe: [{ k: 1 }, { k: 2 }] },
    check: (rows) => {
      expect(JSON.stringify(rows), 'raw phone or filtered row leaked').not.toContain(RAW);
      expect(JSON.stringify(rows), 'filtered-out (shanghai) row leaked').not.toContain('shanghai');
    },
  },
  // catalog trick: the Paimon table's files read with the filesystem connector at its warehouse path
  {
    name: 'paimon_dw.ods.rent_contracts read as files under the warehouse',
    ddl: `CREATE TEMPORARY TABLE rc_files (contract_id BIGINT, tenant_phone STRING, city STRING) WITH ('connector' = 'filesystem', 'path' = 'hdfs://test-nn/paimon/warehouse/ods.db/rent_contracts', 'format' = 'parquet');`,
    select: 'SELECT contract_id, tenant_phone, city FROM rc_files',
    samples: {
      rc_files: [
        { contract_id: 1, tenant_phone: '13800001111', city: 'beijing' },
        { contract_id: 2, tenant_phone: RAW, city: 'shanghai' },
      ],
    },
    check: (rows) => {
      expect(JSON.stringify(rows), 'raw phone or filtered row leaked').not.toContain(RAW);
      expect(rows.map((r) => r.a)).toEqual(['1']);
    },
  },
  // identity spelling, JDBC: the host as a fully-qualified name with the root dot (same DNS name)
  {
    name: 'JDBC host with a trailing root dot jdbc:mysql://crm-db./crm',
    ddl: jdbc('acc_dot', 'jdbc:mysql://crm-db./crm'),
    select: 'SELECT id, phone, region FROM acc_dot',
    samples: { acc_dot: ACCOUNTS },
    check: accounts,
  },
  // identity spelling, Kafka: a topic list with ';' and spaces (Flink's list syntax, as the connector reads it)
  {
    name: "Kafka 'topic' = 'other;crm.customers'",
    ddl: `CREATE TEMPORARY TABLE cust_list (id BIGINT, name STRING, phone STRING, region STRING, age INT, birthday DATE) WITH ('connector' = 'kafka', 'topic' = 'other;crm.customers', 'properties.bootstrap.servers' = 'k:9092', 'format' = 'json');`,
    select: 'SELECT id, phone, region FROM cust_list',
    samples: { cust_list: SAMPLES.customers },
    check: (rows) => {
      expect(JSON.stringify(rows), 'raw phone leaked').not.toContain('13800001111');
      expect(rows.map((r) => r.a).sort()).toEqual(['1', '4']);
    },
  },
];

let session: PreviewSession | undefined;
const fx = new SecurityFixture();
fx.write('platform/policies/review.yaml', POLICIES);
let results: Record<string, SinkRows> = {};
let errors: Diagnostic[] = [];

function attacksJob(): string {
  const ddl = ATTACKS.map((c) => c.ddl).join('\n');
  const sinks = ATTACKS.map(
    (_, i) => `CREATE TEMPORARY TABLE r${i} (c0 STRING, c1 STRING, c2 STRING) WITH ('connector' = 'blackhole');`,
  );
  const inserts = ATTACKS.map(
    (c, i) =>
      `INSERT INTO r${i} SELECT CAST(c0 AS STRING), CAST(c1 AS STRING), CAST(c2 AS STRING) FROM (${c.select}\n) AS q (c0, c1, c2);`,
  );
  return `${ddl}\n${sinks.join('\n')}\nEXECUTE STATEMENT SET BEGIN\n${inserts.join('\n')}\nEND;\n`;
}

beforeAll(async () => {
  if (!available) return;
  try {
    session = PreviewSession.open(RELEASE);
  } catch (e) {
    if (e instanceof FlinkUnavailable && !process.env.CI) return;
    throw e;
  }
}, 60_000);
afterAll(async () => {
  await session?.close();
  fx.dispose();
});

describe.sequential(`review attacks on the planner enforcement (Flink ${RELEASE})`, () => {
  run(
    'all attacks in one statement set',
    async () => {
      fx.job('analysts/attacks', attacksJob());
      const samples = { ...SAMPLES, ...Object.assign({}, ...ATTACKS.map((c) => c.samples)) };
      const r = await session!.preview(fx.effective('analysts/attacks'), { samples, rows: 0, timeoutSeconds: 240 });
      errors = r.diagnostics.filter((d) => d.severity === 'error');
      results = r.sinks;
      expect(errors).toEqual([]);
    },
    300_000,
  );

  for (const [i, c] of ATTACKS.entries())
    run(c.name, () => {
      expect(errors).toEqual([]);
      const sink = results[`r${i}`];
      expect(sink, `sink r${i}`).toBeDefined();
      c.check(sink!.rows.map((r) => ({ a: r.c0 ?? null, b: r.c1 ?? null, c: r.c2 ?? null })));
    });
});
