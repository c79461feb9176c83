import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { type ExplainUnit, explainJobsInFlink, type FlinkExplain } from '../flink/explain.js';
import { FlinkUnavailable } from '../flink/launch.js';
import type { Repo } from '../repo/model.js';
import { type EffectiveSql, effectiveSql } from '../resolve/sql.js';
import { jobSecurity } from '../security/index.js';

/** What Flink's planner says of one job, for its catalog page. */
export interface JobInFlink {
  /** The job with its own policies: where they were applied, and its column lineage. */
  own: FlinkExplain;
  /** The job with every policy of the repository: which sources each would bind (the protection map). */
  bindings: FlinkExplain['applied'];
}

export interface SiteFlink {
  jobs: Map<string, JobInFlink>;
  diagnostics: Diagnostic[];
  /** The effective SQL of every SQL job, as explained: the catalog shows the same (computed once). */
  sql: SiteSql;
}

/** Job id → its effective SQL in the site's environment (SQL jobs deployed there). */
export type SiteSql = Map<string, EffectiveSql>;

export function siteSql(repo: Repo, env: string): SiteSql {
  const out: SiteSql = new Map();
  for (const job of repo.jobs) {
    const eff = effectiveSql(repo, job, env);
    if (eff?.job.enabled) out.set(job.id, eff);
  }
  return out;
}

/**
 * Lineage and protection for the site, from the jobs' own Flink releases (one JVM per release, one
 * request for every SQL job): the planner resolves names and physical identities, as it does when
 * it enforces the policies — the site draws what Flink decides, not a second reading of the SQL.
 * Without Java, the pages show no lineage and say why (a warning).
 */
export async function siteFlink(repo: Repo, env: string, log?: (line: string) => void): Promise<SiteFlink> {
  const units: ExplainUnit[] = [];
  const sql = siteSql(repo, env);
  for (const job of repo.jobs) {
    const eff = sql.get(job.id);
    if (!eff || eff.secured === false) continue;
    const effective = eff.job;
    units.push({ key: job.id, eff });
    // A job every policy applies to shows the bindings in its own run; others are probed once more.
    const every = jobSecurity(repo, job, env, effective.vars, true).policies;
    if (every && every.policies.length > (eff.policies?.policies.length ?? 0))
      units.push({ key: `${job.id}\0bindings`, eff, policies: every });
  }
  try {
    const answers = await explainJobsInFlink(units, log);
    const jobs = new Map<string, JobInFlink>();
    for (const u of units) {
      if (u.policies) continue;
      const own = answers.get(u.key)!;
      jobs.set(u.key, { own, bindings: answers.get(`${u.key}\0bindings`)?.applied ?? own.applied });
    }
    return { jobs, diagnostics: [], sql };
  } catch (e) {
    if (!(e instanceof FlinkUnavailable)) throw e;
    return {
      jobs: new Map(),
      sql,
      diagnostics: [
        {
          severity: 'warning',
          rule: 'deep/unavailable',
          message: `lineage and protected columns are not shown: ${e.message}`,
          hint: "the site asks each job's Flink release for its lineage: install Java 17 and Maven (CI: .ci/run does)",
          file: 'platform/versions.yaml',
          line: 1,
          column: 1,
        },
      ],
    };
  }
}
