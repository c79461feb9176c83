import type { EffectiveJob } from '../resolve/config.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Job, Repo } from '../repo/model.js';
import type { JobSql, SqlFile } from '../sql/script.js';

export interface RuleMeta {
  /** Stable id, e.g. `sql/syntax`; never renamed once released. */
  id: string;
  description: string;
}

export interface CheckContext {
  repo: Repo;
  /** Every environment of platform/envs/. */
  envs: string[];
  /** The jobs being validated (all unless the user named some). */
  jobs: Job[];
  effective(job: Job, env: string): EffectiveJob | undefined;
  sql(job: Job, env: string): JobSql | undefined;
  /** Every .sql file of every selected job, per environment (its text substituted for that environment). */
  sqlFiles(): Iterable<{ job: Job; env: string; file: SqlFile }>;
  report(d: Omit<Diagnostic, 'rule'> & { rule?: string }): void;
}

/**
 * A rule checks one job at a time (`check`: `ctx.jobs` holds that job, and everything it reports is
 * cached with the job's inputs — see lib/validation/keys.ts), or the repository as a whole
 * (`checkRepository`: run on every validation, the only place where jobs may be compared with each
 * other or platform files checked on their own).
 */
export interface Rule {
  meta: RuleMeta;
  check?(ctx: CheckContext): void;
  checkRepository?(ctx: CheckContext): void;
}
