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
