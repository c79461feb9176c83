import { emitPlatformConfigMap, once, type RenderContext } from './context.js';

/** Flink mounts this ConfigMap as HADOOP_CONF_DIR in every pod: each environment reads only its own HDFS. */
export const HADOOP_CONF_KEY = 'kubernetes.hadoop.conf.config-map.name';

export function hadoopConfigMapName(ctx: RenderContext): string | undefined {
  const files = ctx.repo.platform.hadoop.get(ctx.env) ?? [];
  const h = ctx.spec.hadoop;
  if (h?.enabled === false || (h?.enabled === undefined && files.length === 0)) return undefined;
  return h?.configMap ?? `hadoop-config-${ctx.env}`;
}

/**
 * Points the Flink configuration at the environment's Hadoop ConfigMap (overriding any other value,
 * so a job cannot read another environment's HDFS) and renders the ConfigMap in the namespace.
 */
export function addHadoop(ctx: RenderContext, namespace: string, flinkConf: Record<string, string>): void {
  const name = hadoopConfigMapName(ctx);
  if (!name) return;
  flinkConf[HADOOP_CONF_KEY] = name;
  once(ctx, 'ConfigMap', namespace, name, () => {
    const files = ctx.repo.platform.hadoop.get(ctx.env) ?? [];
    if (!files.length) {
      ctx.diagnostics.push({
        severity: 'error',
        rule: 'render/hadoop',
        message: `hadoop is enabled for "${ctx.env}" but platform/envs/${ctx.env}/hadoop/ has no files`,
        hint: 'add core-site.xml and hdfs-site.xml there, or set hadoop.enabled: false',
        ...ctx.envFile.yaml.at(['hadoop']),
      });
      return;
    }
    emitPlatformConfigMap(
      ctx,
      namespace,
      name,
      `platform/envs/${ctx.env}/hadoop/`,
      Object.fromEntries([...files].sort((a, b) => (a.name < b.name ? -1 : 1)).map((f) => [f.name, f.text])),
    );
  });
}
