import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fixture, locate } from './support/fixture.js';

/** sql/image-factory: a connector, format or catalog type the job's image lacks fails validate where it is used. */
let fx: Fixture;
beforeEach(() => {
  fx = new Fixture();
});
afterEach(() => fx.dispose());

const SQL = 'jobs/rental/rental-metrics-1m/01-orders.sql'; // a Flink 2.2 job
const rule = (ds: ReturnType<Fixture['validate']>) => ds.filter((d) => d.rule === 'sql/image-factory');

describe('connectors, formats and catalogs must be in the job’s image (platform/versions.yaml)', () => {
  it('the sample validates clean', () => {
    expect(rule(fx.validate())).toEqual([]);
  });

  it("a Flink 2.2 job with 'connector' = 'jdbc' fails at the value (2.2's image has no jdbc)", () => {
    fx.edit(SQL, "'connector' = 'kafka'", "'connector' = 'jdbc'");
    const ds = rule(fx.validate());
    expect(ds.map((d) => [d.file, d.line, d.column, d.severity])).toEqual([
      [SQL, locate(fx.read(SQL), "'jdbc'").line, locate(fx.read(SQL), "'jdbc'").column, 'error'],
    ]);
    expect(ds[0]!.message).toBe(
      "connector 'jdbc' is not in the Flink 2.2 image (it has blackhole, datagen, filesystem, kafka, paimon, print, upsert-kafka)",
    );
  });

  it('declaring the jar that provides it in platform/versions.yaml makes it valid', () => {
    fx.edit(SQL, "'connector' = 'kafka'", "'connector' = 'jdbc'");
    fx.edit(
      'platform/versions.yaml',
      '      - maven: org.apache.paimon:paimon-flink-2.2:1.3.1\n',
      '      - maven: org.apache.flink:flink-connector-jdbc:4.0.0-2.0\n        connectors: [jdbc]\n      - maven: org.apache.paimon:paimon-flink-2.2:1.3.1\n',
    );
    expect(rule(fx.validate())).toEqual([]);
  });

  it("a format the image lacks ('format' = 'avro') fails at the value", () => {
    fx.edit(SQL, "'format' = 'json'", "'format' = 'avro'");
    const ds = rule(fx.validate());
    expect(ds.map((d) => [d.line, d.column])).toEqual([
      [locate(fx.read(SQL), "'avro'").line, locate(fx.read(SQL), "'avro'").column],
    ]);
    expect(ds[0]!.message).toMatch(/^format 'avro' is not in the Flink 2\.2 image/);
  });

  it('a CREATE CATALOG type the image lacks fails at its type', () => {
    fx.write(
      'jobs/rental/rental-metrics-1m/00-catalog.sql',
      "CREATE CATALOG lake WITH ('type' = 'iceberg', 'warehouse' = 'hdfs:///w');\n",
    );
    const ds = rule(fx.validate());
    expect(ds.map((d) => [d.file, d.line, d.column])).toEqual([
      ['jobs/rental/rental-metrics-1m/00-catalog.sql', 1, 36],
    ]);
    expect(ds[0]!.message).toMatch(/^catalog type 'iceberg' is not in the Flink 2\.2 image/);
  });

  it('a platform catalog whose type the image lacks fails at the catalog’s type, for the job using it', () => {
    // hive_ods is a Hive catalog; the 2.2 image has no Hive jar.
    fx.edit(
      SQL,
      'CREATE TEMPORARY TABLE orders (',
      'CREATE TEMPORARY VIEW hive_orders AS SELECT * FROM hive_ods.ods.service_orders;\nCREATE TEMPORARY TABLE orders (',
    );
    const ds = rule(fx.validate());
    const hive = fx.read('platform/catalogs/hive.yaml');
    expect(ds.map((d) => [d.file, d.line, d.job])).toEqual([
      ['platform/catalogs/hive.yaml', locate(hive, 'type: hive').line, 'rental/rental-metrics-1m'],
    ]);
  });
});
