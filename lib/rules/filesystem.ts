import { imageFilesystems, pathSchemes } from '../resolve/filesystems.js';
import type { Repo } from '../repo/model.js';
import type { Rule } from './rule.js';

const carriedByRepo = new WeakMap<Repo, Map<string, Set<string>>>();

export const filesystem: Rule = {
  meta: {
    id: 'job/filesystem',
    description:
      "Every path a job uses (Flink configuration, SQL options) has a scheme its image can read: file, or one the image carries — image render adds the filesystems of every path in platform/ and the version's `filesystems`.",
  },
  check(ctx) {
    // Per repository, not per job: the platform is the same for every job of a run.
    let cache = carriedByRepo.get(ctx.repo);
    if (!cache) carriedByRepo.set(ctx.repo, (cache = new Map()));
    const carried = (version: string) => {
      if (!cache.has(version)) {
        const v = ctx.repo.platform.versions!.spec.versions[version]!;
        cache.set(version, new Set(['file', ...imageFilesystems(ctx.repo, v)]));
      }
      return cache.get(version)!;
    };
    const hint = (version: string, scheme: string) =>
      `add "${scheme}" to versions."${version}".filesystems in platform/versions.yaml and rebuild the image (flinkops image render)`;
    const message = (version: string, scheme: string, what: string) =>
      `${what} uses ${scheme}://, but the Flink ${version} image carries no ${scheme} filesystem`;
    for (const job of ctx.jobs) {
      for (const env of ctx.envs) {
        const eff = ctx.effective(job, env);
        if (!eff?.enabled || !eff.version) continue;
        const has = carried(eff.flinkVersion);
        for (const [key, value] of Object.entries(eff.flinkConf))
          for (const scheme of pathSchemes(value))
            if (!has.has(scheme))
              ctx.report({
                severity: 'warning',
                message: message(eff.flinkVersion, scheme, `flinkConf "${key}"`),
                hint: hint(eff.flinkVersion, scheme),
                ...eff.origins[`flinkConf.${key}`]!,
                job: job.id,
              });
      }
    }
    for (const { job, env, file } of ctx.sqlFiles()) {
      const eff = ctx.effective(job, env);
      if (!eff?.version) continue;
      const has = carried(eff.flinkVersion);
      for (const o of file.analysis.options)
        for (const scheme of pathSchemes(o.value))
          if (!has.has(scheme))
            ctx.report({
              severity: 'warning',
              message: message(eff.flinkVersion, scheme, `'${o.key}'`),
              hint: hint(eff.flinkVersion, scheme),
              ...file.origin(o.valueOffset),
              job: job.id,
            });
    }
  },
};
