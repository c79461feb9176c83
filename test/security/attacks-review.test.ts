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
 *
 * After the fixes, more attacks of each fixed class follow the review's (sections "JDBC URL spellings",
 * "lookup joins over views", "a catalog table's files"), with the URL and path semantics they rely on taken
 * from the drivers and file systems themselves:
 * - MySQL Connector/J, src/main/core-api/java/com/mysql/cj/conf/ConnectionUrlParser.java (authority segments,
 *   user info before the first '@', [h1,h2] sub-lists, (host=…,port=…) and address=(host=…)(port=…) hosts) and
 *   ConnectionUrl.java#fixHostInfo (the host, port and dbname properties fill in or override; localhost:3306);
 * - PostgreSQL pgjdbc, pgjdbc/src/main/java/org/postgresql/Driver.java#parseURL (//h1:p1,h2:p2/db, jdbc:postgresql:db,
 *   host/PGHOST, port/PGPORT and dbname/PGDBNAME parameters override the URL; service= reads pg_service.conf);
 * - Flink, flink-core/src/main/java/org/apache/flink/core/fs/FileSystem.java#getUnguardedFileSystem (a path without
 *   a scheme is on fs.default-scheme) and Hadoop's hdfs:///x on fs.defaultFS; an HDFS authority (NameNode host,
 *   alias, port, HA nameservice) cannot be told apart from another, webhdfs:// is the same HDFS, viewfs:// is mapped
 *   by a mount table and /.reserved/.inodes/<id> names files by inode (both undecidable: refused);
 * - Paimon, paimon-core/src/main/java/org/apache/paimon/catalog/CatalogUtils.java (a table's folder is
 *   <warehouse>/<database>.db/<table>); a Hive table's folder is its metastore's LOCATION, undecidable here;
 * - Flink's lookup-join rule (LogicalCorrelateToJoinFromTemporalTableRule#getTableScan) accepts only projections
 *   between the snapshot and the scan, so a lookup table's row filter joins the ON condition, traced by position.
 * Where a spelling cannot be decided, the statement is refused naming the policy (REFUSED, one preview each).
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
  - name: pg-payments
    resource: { connector: jdbc, url: "jdbc:postgresql://pg-db/sales", table-name: payments }
    principals: ["team:analysts"]
    rowFilter: "region = 'beijing'"
    masks: { phone: MASK_NULL }
  - name: events-cluster
    resource: { connector: kafka, topic: crm.events, properties.bootstrap.servers: "kafka-a:9092" }
    principals: ["team:analysts"]
    rowFilter: "region = 'beijing'"
    masks: { phone: MASK_NULL }
  - name: audit-folder
    resource: { connector: filesystem, path: "hdfs://test-nn/paimon/warehouse/ods.db" }
    principals: ["team:auditors"]
    rowFilter: "city = 'beijing'"
    masks: { tenant_phone: MASK_NULL }
  - name: audit-hive
    resource: { table: hive_ods.ods.service_orders }
    principals: ["team:auditors"]
    masks: { fee: MASK_NULL }
`;

const RAW = '13900002222';
const ACCOUNTS = [
  { id: 1, phone: '13800001111', region: 'beijing' },
  { id: 2, phone: RAW, region: 'shanghai' },
];
/** The lake-contracts policy: only contract 1 (Beijing), its phone's last four digits. */
const CONTRACTS = [
  { contract_id: 1, tenant_phone: '13800001111', city: 'beijing' },
  { contract_id: 2, tenant_phone: RAW, city: 'shanghai' },
];
const contracts = (rows: Record<string, unknown>[]) => {
  expect(JSON.stringify(rows), 'raw phone or filtered row leaked').not.toContain(RAW);
  expect(rows).toEqual([{ a: '1', b: 'nnnnnnn1111', c: 'beijing' }]);
};
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

  // --- JDBC URL spellings (Connector/J and pgjdbc semantics, see the header)
  {
    name: 'JDBC host in mixed case with the root dot, port 03306, parameters',
    ddl: jdbc('acc_e1', 'jdbc:mysql://Crm-Db.:03306/crm?useSSL=false&characterEncoding=utf8'),
    select: 'SELECT id, phone, region FROM acc_e1',
    samples: { acc_e1: ACCOUNTS },
    check: accounts,
  },
  {
    name: 'JDBC load-balanced URL whose second host is the protected one',
    ddl: jdbc('acc_e2', 'jdbc:mysql:loadbalance://replica-x:3307,crm-db/crm'),
    select: 'SELECT id, phone, region FROM acc_e2',
    samples: { acc_e2: ACCOUNTS },
    check: accounts,
  },
  {
    name: 'JDBC host sub-list with a key-value host [other-db,(host=CRM-DB,port=3306)]',
    ddl: jdbc('acc_e3', 'jdbc:mysql://[other-db,(host=CRM-DB,port=3306)]/crm'),
    select: 'SELECT id, phone, region FROM acc_e3',
    samples: { acc_e3: ACCOUNTS },
    check: accounts,
  },
  {
    name: 'JDBC empty authority, host given as the host property jdbc:mysql:///crm?host=crm-db',
    ddl: jdbc('acc_e4', 'jdbc:mysql:///crm?host=crm-db'),
    select: 'SELECT id, phone, region FROM acc_e4',
    samples: { acc_e4: ACCOUNTS },
    check: accounts,
  },
  {
    name: 'JDBC database overridden by the dbname property jdbc:mysql://crm-db/public?dbname=crm',
    ddl: jdbc('acc_e5', 'jdbc:mysql://crm-db/public?dbname=crm'),
    select: 'SELECT id, phone, region FROM acc_e5',
    samples: { acc_e5: ACCOUNTS },
    check: accounts,
  },
  {
    name: 'JDBC MariaDB driver, percent-encoded host jdbc:mariadb://crm%2Ddb/crm',
    ddl: jdbc('acc_e6', 'jdbc:mariadb://crm%2Ddb/crm'),
    select: 'SELECT id, phone, region FROM acc_e6',
    samples: { acc_e6: ACCOUNTS },
    check: accounts,
  },
  {
    name: 'pgjdbc multi-host URL, second host PG-DB:5432, targetServerType',
    ddl: jdbc('pay_e1', 'jdbc:postgresql://standby-db:5433,PG-DB:5432/sales?targetServerType=primary', 'payments'),
    select: 'SELECT id, phone, region FROM pay_e1',
    samples: { pay_e1: ACCOUNTS },
    check: accounts,
  },
  {
    name: 'pgjdbc database from the dbname parameter jdbc:postgresql://pg-db/?dbname=sales',
    ddl: jdbc('pay_e2', 'jdbc:postgresql://pg-db/?dbname=sales', 'payments'),
    select: 'SELECT id, phone, region FROM pay_e2',
    samples: { pay_e2: ACCOUNTS },
    check: accounts,
  },
  {
    name: 'pgjdbc host from the host parameter jdbc:postgresql:sales?host=pg-db',
    ddl: jdbc('pay_e3', 'jdbc:postgresql:sales?host=pg-db', 'payments'),
    select: 'SELECT id, phone, region FROM pay_e3',
    samples: { pay_e3: ACCOUNTS },
    check: accounts,
  },
  {
    name: 'control: a URL form the reader refuses is not refused for a table no policy names',
    ddl: jdbc('arch_c1', 'jdbc:mysql+srv://_mysql._tcp.archive/arch', 'orders_archive'),
    select: 'SELECT id, phone, region FROM arch_c1',
    samples: { arch_c1: ACCOUNTS },
    check: (rows) => {
      expect(rows.map((r) => r.b).sort()).toEqual(['13800001111', RAW]);
    },
  },

  // --- Kafka: which bootstrap servers reach the policy's cluster is undecidable, so they never narrow it
  ...['KAFKA-A.:9092', 'kafka-b:9092,kafka-c:9092'].map(
    (servers, i): Attack => ({
      name: `Kafka topic crm.events through bootstrap servers ${servers}`,
      ddl: `CREATE TEMPORARY TABLE ev_${i} (id BIGINT, phone STRING, region STRING) WITH ('connector' = 'kafka', 'topic' = 'crm.events', 'properties.bootstrap.servers' = '${servers}', 'format' = 'json');`,
      select: `SELECT id, phone, region FROM ev_${i}`,
      samples: { [`ev_${i}`]: ACCOUNTS },
      check: accounts,
    }),
  ),

  // --- lookup joins over views: the row filter is traced to the snapshot by position, not by name
  {
    name: 'lookup join over a view that swaps the names of phone and region',
    ddl: `${jdbc('acc_l1', 'jdbc:mysql://crm-db/crm')}
CREATE TEMPORARY VIEW acc_swap AS SELECT id, region AS phone, phone AS region FROM acc_l1;`,
    select: 'SELECT d.id, d.phone, d.region FROM probe AS o JOIN acc_swap FOR SYSTEM_TIME AS OF o.p AS d ON o.k = d.id',
    samples: { acc_l1: ACCOUNTS },
    check: (rows) => {
      // d.phone carries the region, d.region the masked phone
      expect(rows).toEqual([{ a: '1', b: 'beijing', c: null }]);
    },
  },
  {
    name: 'lookup join over a view of a view, each renaming, a literal named region on top',
    ddl: `${jdbc('acc_l2', 'jdbc:mysql://crm-db/crm')}
CREATE TEMPORARY VIEW acc_v1 AS SELECT id, phone, region AS r1 FROM acc_l2;
CREATE TEMPORARY VIEW acc_v2 AS SELECT id, phone, 'beijing' AS region, r1 AS zone FROM acc_v1;`,
    select: 'SELECT d.id, d.phone, d.zone FROM probe AS o JOIN acc_v2 FOR SYSTEM_TIME AS OF o.p AS d ON o.k = d.id',
    samples: { acc_l2: ACCOUNTS },
    check: accounts,
  },
  {
    name: 'LEFT lookup join over a renaming view: the filtered-out row finds no match',
    ddl: `${jdbc('acc_l3', 'jdbc:mysql://crm-db/crm')}
CREATE TEMPORARY VIEW acc_l3v AS SELECT id, phone, 'beijing' AS region, region AS real_region FROM acc_l3;`,
    select:
      'SELECT o.k, d.phone, d.real_region FROM probe AS o LEFT JOIN acc_l3v FOR SYSTEM_TIME AS OF o.p AS d ON o.k = d.id',
    samples: { acc_l3: ACCOUNTS },
    check: (rows) => {
      expect(rows.sort((x, y) => String(x.a).localeCompare(String(y.a)))).toEqual([
        { a: '1', b: null, c: 'beijing' },
        { a: '2', b: null, c: null },
      ]);
    },
  },
  {
    name: 'lookup join over a view passing region twice, renamed, beside a computed region',
    ddl: `${jdbc('acc_l4', 'jdbc:mysql://crm-db/crm')}
CREATE TEMPORARY VIEW acc_l4v AS SELECT id, phone, region AS x, UPPER(region) AS region, region AS y FROM acc_l4;`,
    select: 'SELECT d.id, d.phone, d.y FROM probe AS o JOIN acc_l4v FOR SYSTEM_TIME AS OF o.p AS d ON o.k = d.id',
    samples: { acc_l4: ACCOUNTS },
    check: accounts,
  },

  // --- a catalog table's files read by path (lake-contracts: <warehouse>/ods.db/rent_contracts)
  ...[
    [
      'no scheme: the default file system',
      "'connector' = 'filesystem', 'path' = '/paimon/warehouse/ods.db/rent_contracts'",
    ],
    [
      'the NameNode default port and a trailing slash',
      "'connector' = 'filesystem', 'path' = 'hdfs://test-nn:8020/paimon/warehouse/ods.db/rent_contracts/'",
    ],
    [
      "host case, '.', '//' and '..'",
      "'connector' = 'filesystem', 'path' = 'hdfs://TEST-NN/paimon/warehouse/./ods.db//tmp/../rent_contracts'",
    ],
    [
      'hdfs:/// (the NameNode of fs.defaultFS)',
      "'connector' = 'filesystem', 'path' = 'hdfs:///paimon/warehouse/ods.db/rent_contracts'",
    ],
    ['a folder above the warehouse', "'connector' = 'filesystem', 'path' = 'hdfs://test-nn/paimon'"],
    [
      'webhdfs:// (the same HDFS over HTTP)',
      "'connector' = 'filesystem', 'path' = 'webhdfs://test-nn:9870/paimon/warehouse/ods.db/rent_contracts'",
    ],
    [
      'an HA nameservice instead of the NameNode host',
      "'connector' = 'filesystem', 'path' = 'hdfs://lake-ha/paimon/warehouse/ods.db/rent_contracts'",
    ],
    [
      "the paimon connector's path",
      "'connector' = 'paimon', 'path' = 'hdfs://test-nn/paimon/warehouse/ods.db/rent_contracts'",
    ],
  ].map(
    ([what, options], i): Attack => ({
      name: `lake-contracts' files read by path: ${what}`,
      ddl: `CREATE TEMPORARY TABLE rc_p${i} (contract_id BIGINT, tenant_phone STRING, city STRING) WITH (${options}, 'format' = 'parquet');`,
      select: `SELECT contract_id, tenant_phone, city FROM rc_p${i}`,
      samples: { [`rc_p${i}`]: CONTRACTS },
      check: contracts,
    }),
  ),
  // (the helper stands an undescribed job catalog in with Flink's in-memory one, which insists on a 'connector')
  {
    name: 'a second Paimon catalog on the warehouse spelled hdfs:///paimon/warehouse/',
    ddl: `CREATE CATALOG my_lake WITH ('type' = 'paimon', 'warehouse' = 'hdfs:///paimon/warehouse/');
CREATE DATABASE IF NOT EXISTS my_lake.ods;
CREATE TABLE IF NOT EXISTS my_lake.ods.rent_contracts (contract_id BIGINT, tenant_phone STRING, city STRING) WITH ('connector' = 'paimon');`,
    select: 'SELECT contract_id, tenant_phone, city FROM my_lake.ods.rent_contracts',
    samples: { 'my_lake.ods.rent_contracts': CONTRACTS },
    check: contracts,
  },
  {
    name: 'control: file:///paimon/… is the local file system, not the lake',
    ddl: `CREATE TEMPORARY TABLE rc_local (contract_id BIGINT, tenant_phone STRING, city STRING) WITH ('connector' = 'filesystem', 'path' = 'file:///paimon/warehouse/ods.db/rent_contracts', 'format' = 'parquet');`,
    select: 'SELECT contract_id, tenant_phone, city FROM rc_local',
    samples: { rc_local: CONTRACTS },
    check: (rows) => {
      expect(rows.map((r) => r.b).sort()).toEqual(['13800001111', RAW]);
    },
  },
];

/** A blackhole sink and an INSERT of the query's first column: the statement the enforcer sees. */
const insert = (select: string) =>
  `\nCREATE TEMPORARY TABLE out1 (c0 STRING) WITH ('connector' = 'blackhole');\nINSERT INTO out1 SELECT CAST(c0 AS STRING) FROM (${select}) AS q (c0);`;
const PROBE =
  "CREATE TEMPORARY TABLE probe (k BIGINT, p AS PROCTIME()) WITH ('connector' = 'kafka', 'topic' = 'probe', 'properties.bootstrap.servers' = 'k:9092', 'format' = 'json');";

/** Statements Flink accepts that the enforcer must refuse (fail closed), naming the policy. */
const REFUSED: { name: string; team?: string; sql: string; message: RegExp }[] = [
  {
    name: 'JDBC URL with hosts from a DNS SRV lookup (jdbc:mysql+srv:)',
    sql: jdbc('acc_r1', 'jdbc:mysql+srv://_mysql._tcp.crm/crm') + insert('SELECT phone FROM acc_r1'),
    message: /policy "crm-db-url".*may bind .*acc_r1.*DNS SRV/,
  },
  {
    name: 'JDBC URL with dnsSrv=true',
    sql: jdbc('acc_r2', 'jdbc:mysql://crm-db/crm?dnsSrv=true') + insert('SELECT phone FROM acc_r2'),
    message: /policy "crm-db-url".*DNS SRV/,
  },
  {
    name: 'JDBC URL whose properties are rewritten in code (propertiesTransform)',
    sql:
      jdbc('acc_r3', 'jdbc:mysql://elsewhere/crm?propertiesTransform=com.example.ToCrm') +
      insert('SELECT phone FROM acc_r3'),
    message: /policy "crm-db-url".*propertiesTransform/,
  },
  {
    name: 'pgjdbc URL whose server comes from pg_service.conf',
    sql: jdbc('pay_r4', 'jdbc:postgresql://x/sales?service=sales', 'payments') + insert('SELECT phone FROM pay_r4'),
    message: /policy "pg-payments".*pg_service\.conf/,
  },
  {
    name: 'JDBC host that is no host name (crm db)',
    sql: jdbc('acc_r5', 'jdbc:mysql://crm db/crm') + insert('SELECT phone FROM acc_r5'),
    message: /policy "crm-db-url".*not a host name/,
  },
  {
    name: 'lookup join over a view that drops the filter column',
    sql: `${jdbc('acc_r6', 'jdbc:mysql://crm-db/crm')}
CREATE TEMPORARY VIEW acc_r6v AS SELECT id, phone FROM acc_r6;
${PROBE}${insert('SELECT d.phone FROM probe AS o JOIN acc_r6v FOR SYSTEM_TIME AS OF o.p AS d ON o.k = d.id')}`,
    message: /row filter on .*acc_r6 cannot be enforced in this lookup join: column region/,
  },
  {
    name: 'lookup join over a view that only computes the filter column',
    sql: `${jdbc('acc_r7', 'jdbc:mysql://crm-db/crm')}
CREATE TEMPORARY VIEW acc_r7v AS SELECT id, phone, UPPER(region) AS region FROM acc_r7;
${PROBE}${insert('SELECT d.phone FROM probe AS o JOIN acc_r7v FOR SYSTEM_TIME AS OF o.p AS d ON o.k = d.id')}`,
    message: /cannot be enforced in this lookup join: column region/,
  },
  {
    name: 'an iceberg table whose files only its (Hive) catalog knows, under lake-contracts',
    sql:
      "CREATE TEMPORARY TABLE ice_r8 (contract_id BIGINT, tenant_phone STRING, city STRING) WITH ('connector' = 'iceberg', 'catalog-name' = 'c', 'catalog-type' = 'hive', 'uri' = 'thrift://hms:9083', 'catalog-database' = 'ods', 'catalog-table' = 'rent_contracts');" +
      insert('SELECT tenant_phone FROM ice_r8'),
    message: /policy "lake-contracts".*may bind .*ice_r8.*iceberg/,
  },
  {
    name: "viewfs:// over the lake: the cluster's mount table decides the folder",
    sql:
      "CREATE TEMPORARY TABLE rc_r11 (contract_id BIGINT, tenant_phone STRING, city STRING) WITH ('connector' = 'filesystem', 'path' = 'viewfs://cluster/lake/rent_contracts', 'format' = 'parquet');" +
      insert('SELECT tenant_phone FROM rc_r11'),
    message: /policy "lake-contracts".*may bind .*rc_r11.*mount table/,
  },
  {
    name: 'an HDFS inode path (/.reserved/.inodes/<id>) names no folder',
    sql:
      "CREATE TEMPORARY TABLE rc_r12 (contract_id BIGINT, tenant_phone STRING, city STRING) WITH ('connector' = 'filesystem', 'path' = 'hdfs://test-nn/.reserved/.inodes/16386', 'format' = 'parquet');" +
      insert('SELECT tenant_phone FROM rc_r12'),
    message: /policy "lake-contracts".*may bind .*rc_r12.*inode/,
  },
  {
    name: 'a Hive table under a policy on a folder: its LOCATION is a metastore fact',
    team: 'auditors',
    sql: insert('SELECT order_id FROM hive_ods.ods.service_orders'),
    message: /policy "audit-folder".*may bind .*service_orders.*metastore/,
  },
  {
    name: 'files read by path under a policy on a Hive table',
    team: 'auditors',
    sql:
      "CREATE TEMPORARY TABLE files_r10 (order_id BIGINT, fee DECIMAL(10, 2)) WITH ('connector' = 'filesystem', 'path' = 's3://elsewhere/orders', 'format' = 'parquet');" +
      insert('SELECT order_id FROM files_r10'),
    message: /policy "audit-hive".*may bind .*files_r10.*metastore/,
  },
];

let session: PreviewSession | undefined;
const fx = new SecurityFixture();
fx.write('platform/policies/review.yaml', POLICIES);
fx.write(
  'jobs/auditors/team.yaml',
  'namespace: flink-auditors\nowners: ["@rent/auditors-leads"]\ndefaults:\n  flinkVersion: "1.20"\n  parallelism: 1\n  upgradeMode: stateless\n',
);
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

  for (const [i, c] of REFUSED.entries())
    run(
      `refused: ${c.name}`,
      async () => {
        const id = `${c.team ?? 'analysts'}/refused-${i}`;
        fx.job(id, c.sql);
        const r = await session!.preview(fx.effective(id), { samples: SAMPLES, rows: 0, timeoutSeconds: 60 });
        const errors = r.diagnostics.filter((d) => d.severity === 'error');
        expect(errors.map((d) => d.rule)).toContain('preview/security');
        expect(errors.map((d) => d.message).join('\n')).toMatch(c.message);
        expect(JSON.stringify(r.sinks), 'raw value reached a sink').not.toContain(RAW);
        // the refused statement's position in the job's file
        expect(errors[0]!.file).toBe(`jobs/${id}/main.sql`);
        expect(errors[0]!.line).toBeGreaterThan(1);
      },
      60_000,
    );

  run(
    'a policy on a folder binds the catalog tables stored under it (auditors)',
    async () => {
      fx.job(
        'auditors/lake',
        `CREATE CATALOG aud_lake WITH ('type' = 'paimon', 'warehouse' = 'hdfs://test-nn:8020/paimon/warehouse');
CREATE DATABASE IF NOT EXISTS aud_lake.ods;
CREATE TABLE IF NOT EXISTS aud_lake.ods.rent_contracts (contract_id BIGINT, tenant_phone STRING, city STRING) WITH ('connector' = 'paimon');
CREATE TEMPORARY TABLE a1 (contract_id BIGINT, tenant_phone STRING, city STRING) WITH ('connector' = 'blackhole');
CREATE TEMPORARY TABLE a2 (contract_id BIGINT, tenant_phone STRING, city STRING) WITH ('connector' = 'blackhole');
EXECUTE STATEMENT SET BEGIN
INSERT INTO a1 SELECT contract_id, tenant_phone, city FROM paimon_dw.ods.rent_contracts;
INSERT INTO a2 SELECT contract_id, tenant_phone, city FROM aud_lake.ods.rent_contracts;
END;
`,
      );
      const samples = {
        ...SAMPLES,
        'paimon_dw.ods.rent_contracts': CONTRACTS.map((c) => ({ ...c, dt: '20240101' })),
        'aud_lake.ods.rent_contracts': CONTRACTS,
      };
      const r = await session!.preview(fx.effective('auditors/lake'), { samples, rows: 0, timeoutSeconds: 120 });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      for (const sink of ['a1', 'a2']) {
        // audit-folder: Beijing only, the phone NULL
        expect(r.sinks[sink]!.rows, sink).toEqual([{ contract_id: 1, tenant_phone: null, city: 'beijing' }]);
      }
    },
    180_000,
  );
});
