import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRepo } from '../lib/repo/load.js';
import { renderImage } from '../lib/render/image.js';
import { Fixture, locate } from './support/fixture.js';

/** Filesystems: the image carries what the platform's paths need; validate warns on a path its image cannot read. */
let fx: Fixture;
beforeEach(() => {
  fx = new Fixture();
});
afterEach(() => fx.dispose());

const dockerfile = (version: string) => {
  const r = renderImage(loadRepo(fx.root).repo, version);
  expect(r.diagnostics).toEqual([]);
  return r.files.Dockerfile!;
};
const warnings = () => fx.validate().filter((d) => d.rule === 'job/filesystem');
const JOB = 'jobs/datasync/kafka-orders-to-paimon/job.yaml';

describe('filesystems in the image', () => {
  it("every path of the sample is hdfs://: each image carries Hadoop's client, and validate is clean", () => {
    for (const v of ['1.20', '2.2']) {
      const text = dockerfile(v);
      expect(text).toContain('# Filesystems of the paths platform/ configures (hdfs).');
      expect(text).toMatch(/ADD .*hadoop-client-api-3\.3\.6\.jar \/opt\/flink\/lib\//);
      expect(text).toMatch(/ADD .*hadoop-client-runtime-3\.3\.6\.jar \/opt\/flink\/lib\//);
      expect(text).not.toContain('/opt/flink/plugins/');
    }
    expect(warnings()).toEqual([]);
  });

  it('a job checkpointing to s3:// gets a warning at its setting; naming s3 for the version adds the plugin and clears it', () => {
    fx.edit(
      JOB,
      'upsert-materialize: NONE',
      'upsert-materialize: NONE\n  execution.checkpointing.dir: s3://ckpt/orders',
    );
    const ds = warnings();
    expect(ds.length).toBeGreaterThan(0);
    expect(ds.map((d) => [d.file, d.line, d.severity])).toContainEqual([
      JOB,
      locate(fx.read(JOB), 's3://ckpt').line,
      'warning',
    ]);
    expect(ds[0]!.message).toBe(
      'flinkConf "execution.checkpointing.dir" uses s3://, but the Flink 1.20 image carries no s3 filesystem',
    );
    fx.edit('platform/versions.yaml', '    flink: 1.20.4\n', '    flink: 1.20.4\n    filesystems: [s3]\n');
    expect(warnings()).toEqual([]);
    expect(dockerfile('1.20')).toContain(
      'RUN mkdir -p /opt/flink/plugins/s3-fs-hadoop && cp /opt/flink/opt/flink-s3-fs-hadoop-1.20.4.jar /opt/flink/plugins/s3-fs-hadoop/',
    );
  });

  it('an environment whose paths are on s3 puts the plugin into every image; a SQL path on oss:// warns at the value', () => {
    fx.edit(
      'platform/envs/test.yaml',
      'paimon_warehouse: hdfs://test-nn/paimon/warehouse',
      'paimon_warehouse: s3://lake/paimon',
    );
    expect(dockerfile('2.2')).toContain('/opt/flink/plugins/s3-fs-hadoop/');
    const sql = 'jobs/rental/rental-metrics-1m/01-orders.sql';
    fx.edit(sql, "'format' = 'json'", "'format' = 'json',\n  'path' = 'oss://bucket/orders'");
    const ds = warnings().filter((d) => d.file === sql);
    expect(ds.map((d) => [d.line, d.column])).toEqual([
      [locate(fx.read(sql), "'oss://").line, locate(fx.read(sql), "'oss://").column],
    ]);
  });
});
