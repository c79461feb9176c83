import type { Repo, VersionSpec } from '../repo/model.js';
import { substitute } from '../vars/substitute.js';

/** What a Flink image needs to read and write paths of one URI scheme. */
export interface FilesystemSupport {
  /** Jars for Flink's lib/ (Maven coordinates). */
  maven?: (v: VersionSpec) => string[];
  /** A filesystem plugin of the Flink distribution: /opt/flink/opt/flink-<plugin>-<flink>.jar → plugins/<plugin>/. */
  plugin?: string;
}

/** Hadoop's shaded client (API and runtime): HDFS for Flink's Hadoop filesystem, without Hadoop's dependencies on the classpath. */
const HADOOP: FilesystemSupport = {
  maven: (v) => [
    `org.apache.hadoop:hadoop-client-api:${v.hadoop ?? '3.3.6'}`,
    `org.apache.hadoop:hadoop-client-runtime:${v.hadoop ?? '3.3.6'}`,
  ],
};

/** URI schemes Flink reads through an added filesystem; `file` is built in. */
export const FILESYSTEMS: Record<string, FilesystemSupport> = {
  hdfs: HADOOP,
  viewfs: HADOOP,
  s3: { plugin: 's3-fs-hadoop' },
  s3a: { plugin: 's3-fs-hadoop' },
  s3p: { plugin: 's3-fs-presto' },
  oss: { plugin: 'oss-fs-hadoop' },
  gs: { plugin: 'gs-fs-hadoop' },
  abfs: { plugin: 'azure-fs-hadoop' },
  abfss: { plugin: 'azure-fs-hadoop' },
  wasb: { plugin: 'azure-fs-hadoop' },
  wasbs: { plugin: 'azure-fs-hadoop' },
};

/** Schemes of paths (`scheme://…`, `scheme:///…`) in a value; not URLs of services (http, jdbc, kafka, …). */
export function pathSchemes(value: string): string[] {
  return [...value.matchAll(/(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*):\/\//g)]
    .map((m) => m[1]!.toLowerCase())
    .filter((s) => s === 'file' || s in FILESYSTEMS);
}

/**
 * The filesystems every image must carry: one image serves every environment, so the schemes of
 * all paths the platform configures (Flink configuration, variables, session clusters, catalogs),
 * plus `filesystems` a version names explicitly.
 */
export function imageFilesystems(repo: Repo, v: VersionSpec): string[] {
  const values: string[] = [];
  const add = (o: Record<string, unknown> | undefined) => {
    for (const x of Object.values(o ?? {})) values.push(String(x));
  };
  add(repo.platform.flinkConf?.spec);
  add(v.flinkConf);
  for (const env of repo.platform.envs.values()) {
    add(env.spec.flinkConf);
    add(env.spec.vars);
  }
  for (const s of Object.values(repo.platform.sessions?.spec.sessions ?? {})) add(s.flinkConf);
  for (const f of repo.platform.catalogs) for (const c of f.spec.catalogs ?? []) add(c.options);
  const vars = Object.assign({}, ...[...repo.platform.envs.values()].map((e) => e.spec.vars ?? {}));
  const schemes = new Set<string>(v.filesystems ?? []);
  for (const value of values)
    for (const s of pathSchemes(substitute(value, stringVars(vars)).text)) if (s !== 'file') schemes.add(s);
  return [...schemes].sort();
}

function stringVars(o: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, String(x)]));
}
