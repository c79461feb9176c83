export type PlanAction = 'create' | 'update' | 'delete' | 'noop';

/** What a SQL job change does to its running state, decided by comparing Flink's compiled plans. */
export type ChangeClass = 'no-op' | 'config-only' | 'state-compatible' | 'state-breaking';

export interface ObjectChange {
  kind: string;
  namespace: string;
  name: string;
  action: PlanAction;
  /** With `plan --live`: what the cluster's server-side dry run says applying it would do. */
  live?: { result: string; message: string };
}

export interface JobPlan {
  job: string;
  action: PlanAction;
  /** Why the job is in the plan (the changed files). */
  reasons: string[];
  classification?: ChangeClass;
  /** How the classification was reached (e.g. "stateful operators differ: GroupAggregate keys"). */
  classificationDetail?: string;
  objects: ObjectChange[];
  sqlDiff?: string;
  effectiveSqlDiff?: string;
  manifestDiff?: string;
  warnings: string[];
  /** With `plan --tests FILE`: the job's `flinkops test` results in this environment. */
  tests?: { passed: number; failed: string[] };
  ownersBefore: string[];
  ownersAfter: string[];
  /** CPU cores and memory (MiB) the job needs at full size, before and after. */
  resources: { before: { cpu: number; memoryMi: number }; after: { cpu: number; memoryMi: number } };
  team: string;
}

export interface Plan {
  env: string;
  base: string;
  head: string;
  summary: { add: number; change: number; destroy: number };
  jobs: JobPlan[];
  /** Per-team resource deltas. */
  teams: { team: string; cpu: number; memoryMi: number }[];
  /** Policies that changed and the jobs they reach. */
  policies: { policy: string; jobs: string[] }[];
  /** Configuration keys one platform change sets for many jobs at once. */
  platformKeys?: PlatformKeyChange[];
  /** sha256 of the rendered objects of every job in the plan: apply refuses a different plan. */
  planHash: string;
}

/** `execution.checkpointing.interval: 60s → 30s` reaching several jobs. */
export interface PlatformKeyChange {
  key: string;
  before?: string;
  after?: string;
  jobs: string[];
}
