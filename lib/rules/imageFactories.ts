import type { Factories, VersionSpec } from '../repo/model.js';
import { catalogsUsed } from '../resolve/sql.js';
import type { Rule } from './rule.js';

type Kind = keyof Factories;

/** Option keys naming a factory, and the kind of factory they name. */
const FACTORY_KEYS: Record<string, Kind> = {
  connector: 'connectors',
  format: 'formats',
  'key.format': 'formats',
  'value.format': 'formats',
};

const NOUN: Record<Kind, string> = { connectors: 'connector', formats: 'format', catalogs: 'catalog type' };

/** What the image of a version line provides; undefined when platform/versions.yaml declares no factories for it. */
export function imageFactories(v: VersionSpec): Record<Kind, Map<string, string>> | undefined {
  const declared = v.builtin || v.connectors?.some((c) => typeof c !== 'string');
  if (!declared) return undefined;
  const out: Record<Kind, Map<string, string>> = { connectors: new Map(), formats: new Map(), catalogs: new Map() };
  const add = (f: Factories, from: string) => {
    for (const kind of ['connectors', 'formats', 'catalogs'] as const)
      for (const id of f[kind] ?? []) out[kind].set(id, from);
  };
  if (v.builtin) add(v.builtin, `Flink ${v.flink}`);
  for (const c of v.connectors ?? []) if (typeof c !== 'string') add(c, c.maven);
  return out;
}

export const imageFactoriesRule: Rule = {
  meta: {
    id: 'sql/image-factory',
    description:
      "Every 'connector', 'format' (also 'key.format', 'value.format') and CREATE CATALOG 'type' a job uses is provided by its Flink version's image: Flink's own distribution or a jar of platform/versions.yaml `connectors` that names it.",
  },
  check(ctx) {
    for (const { job, env, file } of ctx.sqlFiles()) {
      const eff = ctx.effective(job, env);
      const v = eff?.version;
      const provided = v && imageFactories(v);
      if (!provided) continue;
      for (const o of file.analysis.options) {
        const statement = file.statements.find((s) => s.start <= o.keyOffset && o.keyOffset < s.end);
        if (!statement || statement.kind === 'set') continue;
        const isCatalog = /^\s*CREATE\s+CATALOG\b/i.test(statement.text);
        const kind: Kind | undefined = isCatalog ? (o.key === 'type' ? 'catalogs' : undefined) : FACTORY_KEYS[o.key];
        if (!kind || provided[kind].has(o.value)) continue;
        const known = [...provided[kind].keys()].sort().join(', ');
        ctx.report({
          severity: 'error',
          message: `${NOUN[kind]} '${o.value}' is not in the Flink ${eff.flinkVersion} image (it has ${known || 'none'})`,
          hint: `add the jar that provides it to versions."${eff.flinkVersion}".connectors in platform/versions.yaml (with ${kind}: [${o.value}]), or use one the image has`,
          ...file.origin(o.valueOffset),
          job: job.id,
        });
      }
    }
    // Catalogs of platform/catalogs/ the job's SQL uses: render puts their CREATE CATALOG before the job's SQL.
    for (const job of ctx.jobs) {
      for (const env of ctx.envs) {
        const eff = ctx.effective(job, env);
        const sql = ctx.sql(job, env);
        const provided = eff?.version && imageFactories(eff.version);
        if (!sql || !provided) continue;
        for (const c of catalogsUsed(ctx.repo, sql, env, eff.vars)) {
          if (provided.catalogs.has(c.type)) continue;
          const file = ctx.repo.platform.catalogs.find((f) => f.spec.catalogs?.some((x) => x.name === c.name))!;
          const index = file.spec.catalogs!.findIndex((x) => x.name === c.name);
          ctx.report({
            severity: 'error',
            message: `job ${job.id} uses catalog ${c.name} of type '${c.type}', which is not in the Flink ${eff.flinkVersion} image`,
            hint: `add the jar that provides it to versions."${eff.flinkVersion}".connectors in platform/versions.yaml (with catalogs: [${c.type}]), or stop using ${c.name} in this job`,
            ...file.yaml.at(['catalogs', index, 'type']),
            job: job.id,
          });
        }
      }
    }
  },
};
