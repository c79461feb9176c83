import { parseDocument } from 'yaml';
import type { Diagnostic } from '../diagnostics/diagnostic.js';

/**
 * What `flinkops status --json` prints: one environment's jobs as the cluster reports them, taken at
 * one moment. The site reads the same shape (`site --live FILE`) for its live pages.
 */
export interface StatusReport {
  env: string;
  /** The repository's HEAD (or CI_COMMIT_SHA) the deployed commits are compared with. */
  head?: string;
  /** When the status was read from the cluster (ISO); every age is measured from it. */
  takenAt: string;
  jobs: JobStatus[];
}

export interface JobStatus {
  job: string;
  kind: string;
  namespace: string;
  name: string;
  exists: boolean;
  health: string;
  lifecycleState?: string;
  jobState?: string;
  generation?: number;
  observedGeneration?: number;
  savepoint?: string;
  /** The flinkops.io/commit the cluster runs, and whether it is the repository's HEAD. */
  commit?: string;
  atHead?: boolean;
  /**
   * Not at HEAD: the job's files (its folder, its team.yaml) Git changed since the deployed commit —
   * empty when none did (an older commit, nothing of this job changed since).
   */
  changedSince?: string[];
  /** The deployed commit is not in this repository's history (a shallow clone, or a commit never merged). */
  commitUnknown?: boolean;
  /** Links rendered from platform/envs/<env>.yaml `links` (Flink UI, Grafana, logs…), as deployed. */
  links?: Record<string, string>;
  /** Container restarts of the job's pods (JobManager and TaskManagers). */
  restarts?: number;
  /** Since when the job is in jobState (ISO; the operator's jobStatus.updateTime, set when the state changes). */
  jobStateSince?: string;
  /** The last checkpoint and savepoint the operator recorded (lib/jobctl/savepoints.ts says where from). */
  lastCheckpoint?: { time: string; trigger: string; source: string };
  lastSavepoint?: { time: string; path: string; trigger: string; source: string };
  /** Their age in seconds when the status was taken. */
  checkpointAgeSeconds?: number;
  savepointAgeSeconds?: number;
  /** Status fields a run-time action decides, not Git (field manager flinkops-action), with their values. */
  notFromGit?: Record<string, unknown>;
  message: string;
}

const HEALTH = new Set(['healthy', 'finished', 'suspended', 'progressing', 'failed', 'missing']);

/**
 * Reads one `status --json` output: the shape is checked at the edge (a file of another shape, or
 * written by a flinkops without `takenAt`, is an error at its line and column, with a hint).
 */
export function parseStatusReport(
  text: string,
  file: string,
  envs: readonly string[],
): { report: StatusReport } | { diagnostic: Diagnostic } {
  const hint = 'write it with `flinkops status --env ENV --json > FILE` (the same flinkops release as the site)';
  const fail = (message: string, line = 1, column = 1): { diagnostic: Diagnostic } => ({
    diagnostic: { severity: 'error', rule: 'live/status-file', message, file, line, column, hint },
  });
  const syntax = parseDocument(text).errors[0];
  if (syntax) {
    const at = syntax.linePos?.[0];
    return fail(
      `not JSON: ${syntax.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      at?.line,
      at?.col,
    );
  }
  // JSON is YAML: where JSON.parse fails, the yaml parser places the error at its line and column.
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return fail(`not JSON: ${(e as Error).message}`);
  }
  const r = value as Partial<StatusReport> | null;
  if (!r || typeof r !== 'object' || Array.isArray(r)) return fail('not the output of `flinkops status --json`');
  if (typeof r.env !== 'string') return fail('no "env": not the output of `flinkops status --json`');
  if (!envs.includes(r.env))
    return fail(`environment "${r.env}" is not in platform/envs/ (environments: ${envs.join(', ')})`);
  if (typeof r.takenAt !== 'string' || Number.isNaN(Date.parse(r.takenAt)))
    return fail('no "takenAt": the time the status was taken is unknown, so the page could not say how old it is');
  if (!Array.isArray(r.jobs)) return fail('no "jobs" list');
  for (const [i, j] of r.jobs.entries())
    if (!j || typeof j.job !== 'string' || !HEALTH.has(j.health))
      return fail(`jobs[${i}] has no "job" or an unknown "health"`);
  return { report: r as StatusReport };
}
