import { loadRepo } from '../../lib/repo/load.js';
import { effectiveSql, type EffectiveSql } from '../../lib/resolve/sql.js';
import { Fixture } from '../support/fixture.js';

/** Tables every security case can read (JSON sources on Kafka, a JDBC dimension). */
export const DDL = `CREATE TEMPORARY TABLE customers (
  id BIGINT,
  name STRING,
  phone STRING,
  region STRING,
  age INT,
  birthday DATE
) WITH ('connector' = 'kafka', 'topic' = 'crm.customers', 'properties.bootstrap.servers' = 'k:9092', 'format' = 'json');

CREATE TEMPORARY TABLE orders (
  order_id BIGINT,
  customer_id BIGINT,
  amount DECIMAL(10, 2),
  region STRING,
  ts TIMESTAMP(3),
  proc AS PROCTIME(),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'kafka', 'topic' = 'shop.orders', 'properties.bootstrap.servers' = 'k:9092', 'format' = 'json');

CREATE TEMPORARY TABLE dim_customer (
  id BIGINT,
  name STRING,
  phone STRING,
  region STRING,
  PRIMARY KEY (id) NOT ENFORCED
) WITH ('connector' = 'jdbc', 'url' = 'jdbc:mysql://db:3306/crm', 'table-name' = 'customers');

CREATE TEMPORARY TABLE profiles (
  id BIGINT,
  m_mask STRING,
  m_last STRING,
  m_first STRING,
  m_hash STRING,
  m_null STRING,
  m_date DATE,
  m_none STRING,
  m_custom STRING,
  m_num INT
) WITH ('connector' = 'kafka', 'topic' = 'crm.profiles', 'properties.bootstrap.servers' = 'k:9092', 'format' = 'json');
`;

/**
 * Several policies on one table (customers: cust-region for the analysts, cust-adults for everyone but
 * team other and role trusted), a role exemption, every mask type (profiles), a lookup dimension
 * bound by its JDBC table, a Kafka topic bound by name.
 */
export const POLICIES = `policies:
  - name: cust-region
    resource: { connector: kafka, topic: crm.customers }
    principals: ["team:analysts"]
    except: ["role:trusted"]
    rowFilter: "region = 'beijing'"
    masks:
      phone: MASK_SHOW_LAST_4
      name: MASK_HASH
  - name: cust-adults
    resource: { connector: kafka, topic: crm.customers }
    principals: ["*"]
    except: ["team:other", "team:datasync", "team:rental", "team:homeservice", "team:acquisition"]
    rowFilter: "age >= 18"
    masks:
      age: MASK_NULL
      phone: MASK
  - name: orders-bj
    resource: { connector: kafka, topic: shop.orders }
    principals: ["team:analysts"]
    rowFilter: "region = 'beijing'"
  - name: dim-customer
    resource: { connector: jdbc, table-name: customers }
    principals: ["team:analysts"]
    rowFilter: "region = 'beijing'"
    masks:
      phone: MASK_SHOW_LAST_4
  - name: profile-masks
    resource: { connector: kafka, topic: crm.profiles }
    principals: ["team:analysts"]
    masks:
      m_mask: MASK
      m_last: MASK_SHOW_LAST_4
      m_first: MASK_SHOW_FIRST_4
      m_hash: MASK_HASH
      m_null: MASK_NULL
      m_date: MASK_DATE_SHOW_YEAR
      m_none: MASK_NONE
      m_custom: "CUSTOM: CONCAT(SUBSTR({col}, 1, 2), '**')"
      m_num: MASK
`;

export const CUSTOMERS = [
  { id: 1, name: 'Alice', phone: '13800001111', region: 'beijing', age: 30, birthday: '1994-05-06' },
  { id: 2, name: 'Bob', phone: '13900002222', region: 'shanghai', age: 40, birthday: '1984-07-08' },
  { id: 3, name: 'Carol', phone: '13700003333', region: 'beijing', age: 16, birthday: '2008-01-02' },
  { id: 4, name: 'Dan', phone: '13600004444', region: 'beijing', age: 50, birthday: '1974-03-04' },
];
export const ORDERS = [
  { order_id: 101, customer_id: 1, amount: 10.5, region: 'beijing', ts: '2024-01-01 10:00:01.000' },
  { order_id: 102, customer_id: 2, amount: 20.0, region: 'shanghai', ts: '2024-01-01 10:00:02.000' },
  { order_id: 103, customer_id: 3, amount: 30.0, region: 'beijing', ts: '2024-01-01 10:00:03.000' },
  { order_id: 104, customer_id: 9, amount: 40.0, region: 'beijing', ts: '2024-01-01 10:01:04.000' },
  { order_id: 105, customer_id: 4, amount: 50.0, region: 'beijing', ts: '2024-01-01 10:02:05.000' },
];
export const DIM = CUSTOMERS.map(({ id, name, phone, region }) => ({ id, name, phone, region }));
export const PROFILES = [
  {
    id: 1,
    m_mask: 'Ab12',
    m_last: '13800001111',
    m_first: '13800001111',
    m_hash: 'secret',
    m_null: 'gone',
    m_date: '1990-02-03',
    m_none: 'plain',
    m_custom: 'Zhang San',
    m_num: 4321,
  },
];
export const SAMPLES = { customers: CUSTOMERS, orders: ORDERS, dim_customer: DIM, profiles: PROFILES };

/** Raw values no analyst may ever see in a sink. */
export const SECRETS = [
  '13800001111',
  '13900002222',
  '13700003333',
  '13600004444',
  'Alice',
  'Bob',
  'Carol',
  'Dan',
  'Ab12',
  'secret',
  'gone',
  'Zhang San',
  '1990-02-03',
];

const TEAM = (name: string) =>
  `namespace: flink-${name}\nowners: ["@rent/${name}-leads"]\ndefaults:\n  flinkVersion: "1.20"\n  parallelism: 1\n  upgradeMode: stateless\n`;

/** A copy of the sample repository with three more teams (analysts, other, trusted) and the policies above. */
export class SecurityFixture extends Fixture {
  constructor() {
    super();
    for (const t of ['analysts', 'other', 'trusted']) this.write(`jobs/${t}/team.yaml`, TEAM(t));
    this.write('platform/policies/test.yaml', POLICIES);
    this.edit('platform/owners.yaml', 'pii-reader: [datasync]', 'pii-reader: [datasync]\n  trusted: [trusted]');
  }

  /** Adds a job (`team/name`) whose SQL is the shared tables plus `sql`. */
  job(id: string, sql: string, ddl = DDL): this {
    this.write(`jobs/${id}/job.yaml`, 'type: sql\n');
    this.write(`jobs/${id}/owners.yaml`, 'owners: ["@rent/someone"]\n');
    this.write(`jobs/${id}/main.sql`, ddl + sql);
    return this;
  }

  effective(id: string, env = 'test', lineage = false): EffectiveSql {
    const { repo } = loadRepo(this.root);
    const job = repo.jobs.find((j) => j.id === id);
    if (!job) throw new Error(`no job ${id}`);
    return effectiveSql(repo, job, env, { lineage })!;
  }
}

/** The text of the statements after the shared DDL. */
export function tail(eff: EffectiveSql): string {
  return eff.statements
    .filter((s) => !/^CREATE TEMPORARY TABLE (customers|orders|dim_customer|profiles) /.test(s.text))
    .map((s) => s.text)
    .join(';\n');
}
