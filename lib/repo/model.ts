import type { YamlFile } from './yamlFile.js';

/** Where a value came from. */
export interface Origin {
  file: string;
  line: number;
  column: number;
}

export type Scalar = string | number | boolean;
export type FlinkConf = Record<string, Scalar>;
export type UpgradeMode = 'stateless' | 'savepoint' | 'last-state';
export type JobState = 'running' | 'suspended';
export type JobType = 'sql' | 'jar' | 'paimon-action';
export type Action = 'start' | 'stop' | 'suspend' | 'savepoint' | 'restart' | 'run' | 'restore';
/** Who drives a job's `state` at run time: Git (default; a Git change of `state:` wins) or a scheduler. */
export type Lifecycle = 'git' | 'scheduler';
export type PaimonActionName =
  | 'compact'
  | 'compact_database'
  | 'expire_snapshots'
  | 'drop_partition'
  | 'merge_into'
  | 'rollback_to'
  | 'create_tag'
  | 'delete';
/** Filesystem schemes an image can carry (Flink's filesystem plugins and Hadoop's). */
export type FilesystemScheme =
  | 'hdfs'
  | 'viewfs'
  | 's3'
  | 's3a'
  | 's3p'
  | 'oss'
  | 'gs'
  | 'abfs'
  | 'abfss'
  | 'wasb'
  | 'wasbs';

export interface Resources {
  jobManager?: { cpu?: number; memory?: string; replicas?: number };
  taskManager?: { cpu?: number; memory?: string; slots?: number; replicas?: number };
}

export type AlertSeverity = 'critical' | 'warning' | 'info';

/** One check with every level merged (platform/alerts.yaml, its environment, the job): what is rendered. */
export interface AlertRuleSpec {
  enabled?: boolean;
  severity?: AlertSeverity;
  for?: string;
  window?: string;
  max?: number | string;
  maxAge?: string;
  maxMsPerSecond?: number;
  maxRecords?: number;
}

interface AlertRuleSwitch {
  enabled?: boolean;
  severity?: AlertSeverity;
}

/** The checks as one level writes them (schemas/defs.schema.json `alertRules`): each with its own thresholds. */
export interface AlertRules {
  notRunning?: AlertRuleSwitch & { for?: string };
  restarts?: AlertRuleSwitch & { max?: number; window?: string };
  checkpointFailures?: AlertRuleSwitch & { max?: number; window?: string };
  checkpointAge?: AlertRuleSwitch & { maxAge?: string };
  checkpointDuration?: AlertRuleSwitch & { max?: string; for?: string };
  backpressure?: AlertRuleSwitch & { maxMsPerSecond?: number; for?: string };
  busy?: AlertRuleSwitch & { maxMsPerSecond?: number; for?: string };
  kafkaLag?: AlertRuleSwitch & { maxRecords?: number; for?: string };
  savepointFailures?: AlertRuleSwitch & { for?: string };
}

export type AlertRuleName =
  | 'notRunning'
  | 'restarts'
  | 'checkpointFailures'
  | 'checkpointAge'
  | 'checkpointDuration'
  | 'backpressure'
  | 'busy'
  | 'kafkaLag'
  | 'savepointFailures';

/** Alerting of a job (job.yaml `alerts`) or a level of platform/alerts.yaml. */
export interface AlertsSpec {
  enabled?: boolean;
  labels?: Record<string, string>;
  rules?: AlertRules;
}

export interface PlatformAlertsSpec extends AlertsSpec {
  selectorLabels?: Record<string, string>;
  envs?: Record<string, AlertsSpec>;
}

/** The keys a job may override per environment. */
export interface Overridable {
  parallelism?: number;
  upgradeMode?: UpgradeMode;
  state?: JobState;
  resources?: Resources;
  flinkConf?: FlinkConf;
  vars?: FlinkConf;
  alerts?: AlertsSpec;
}

export interface JobSpec extends Overridable {
  type: JobType;
  description?: string;
  flinkVersion?: string;
  mode?: 'application' | 'session';
  session?: string;
  labels?: Record<string, string>;
  allowNonRestoredState?: boolean;
  lifecycle?: Lifecycle;
  /** Variables a scheduler passes to `action run --var NAME=VALUE`: name → the pattern a value must match. */
  runVars?: Record<string, string>;
  /** The jar of a `type: jar` job: by Maven coordinates or by URI (one of the two). */
  jar?: { uri?: string; maven?: string; entryClass?: string; args?: string[] };
  /** JARs of a SQL job's user-defined functions (on the job's classpath). */
  udfJars?: UdfJar[];
  paimonAction?: {
    action: PaimonActionName;
    warehouse: string;
    database: string;
    table?: string;
    args?: string[];
    catalogConf?: FlinkConf;
  };
  envs?: Record<string, Overridable & { enabled?: boolean }>;
}

/** A declared JAR: Maven coordinates `group:artifact:version[:classifier]`, or a URI. */
export type UdfJar = { maven: string; uri?: undefined } | { uri: string; maven?: undefined };

export interface TeamSpec {
  description?: string;
  namespace: string;
  owners: string[];
  approvals?: number;
  defaults?: Omit<Overridable, 'state' | 'alerts'> & { flinkVersion?: string; labels?: Record<string, string> };
  envs?: Record<string, { flinkConf?: FlinkConf; vars?: FlinkConf }>;
}

export interface Trigger {
  principal: string;
  actions: Action[];
  envs?: string[];
}

export interface OwnersSpec {
  owners: string[];
  onCall?: string[];
  triggers?: Trigger[];
}

/** Table factory identifiers: `'connector' = …`, `'format' = …`, CREATE CATALOG `'type' = …`. */
export interface Factories {
  connectors?: string[];
  formats?: string[];
  catalogs?: string[];
}

export interface VersionSpec {
  flink: string;
  operator: string;
  image: string;
  flinkConf?: FlinkConf;
  /** Factory identifiers of Flink's own distribution in the image. */
  builtin?: Factories;
  /** Jars of the image's lib/: a Maven coordinate, or one with the factory identifiers it provides. */
  connectors?: (string | ({ maven: string } & Factories))[];
  paimonActionJar?: string;
  /** Maven coordinates of JARs baked into the image's /opt/flink/usrlib/. */
  usrlib?: string[];
  /** Filesystem schemes the image carries beyond those the platform's paths use (hdfs, s3, …). */
  filesystems?: FilesystemScheme[];
  /** Hadoop client version for HDFS (default 3.3.6). */
  hadoop?: string;
  deprecated?: boolean;
}

export interface EnvSpec {
  description?: string;
  /** What `apply --prune` may do without being told twice. */
  prune?: { maxShare?: number; allowStateLoss?: string[] };
  kubernetes: { context?: string; version: string };
  flinkConf?: FlinkConf;
  vars?: FlinkConf;
  ingress?: {
    mode?: 'ingress' | 'operator' | 'none';
    domain?: string;
    className?: string;
    annotations?: Record<string, string>;
    auth?: { url: string; signin?: string; responseHeaders?: string[] };
  };
  dns?: {
    mode?: 'dnsConfig' | 'resolvConf' | 'default';
    nameservers?: string[];
    searches?: string[];
    options?: Record<string, string>;
    hosts?: { ip: string; names: string[] }[];
    hostAliases?: boolean;
  };
  hadoop?: { enabled?: boolean; configMap?: string };
  /** Where session jobs' jars are served from (the operator downloads them). */
  artifacts?: { url: string };
  /** The Maven repository of jars declared by coordinates; credentials are names of environment variables. */
  maven?: MavenRepository;
  operator?: { allowedSchemes?: string[] };
  links?: Record<string, string>;
  approval?: { requireOwnerApproval?: boolean; requireReviewedPlan?: boolean };
}

export interface MavenRepository {
  url: string;
  credentials?: { usernameEnv: string; passwordEnv: string };
}

export interface SessionSpec {
  description?: string;
  namespace: string;
  flinkVersion: string;
  resources?: Resources;
  flinkConf?: FlinkConf;
  owners?: string[];
  envs?: string[];
}

export interface PlatformOwnersSpec {
  owners: string[];
  approvals?: number;
  security: { owners: string[]; approvals?: number };
  roles?: Record<string, string[]>;
  /** The repository these files belong to (`group/project`): part of the identity of what flinkops deploys. */
  repository?: string;
  /** Scheduler name → the CI users whose trigger tokens act as that scheduler. */
  schedulers?: Record<string, string[]>;
}

export interface PolicySpec {
  name: string;
  description?: string;
  resource: Record<string, string>;
  principals: string[];
  except?: string[];
  rowFilter?: string;
  masks?: Record<string, string>;
  /** Jobs (`team/name`) allowed code SQL cannot police (type: jar, UDFs from JARs) although the policy applies to them. */
  unpolicedCode?: string[];
}

export interface CatalogTableSpec {
  description?: string;
  columns: { name: string; type: string; description?: string }[];
  primaryKey?: string[];
  partitionKeys?: string[];
  watermark?: { column: string; expression: string };
  options?: FlinkConf;
}

export interface CatalogSpec {
  name: string;
  type: 'hive' | 'paimon' | 'jdbc' | 'generic_in_memory';
  description?: string;
  defaultDatabase?: string;
  options?: FlinkConf;
  envs?: string[];
  databases?: Record<string, { tables?: Record<string, CatalogTableSpec> }>;
}

/** A parsed file and its typed content; `valid` is false when the file failed its schema. */
export interface Loaded<T> {
  yaml: YamlFile;
  spec: T;
  valid: boolean;
}

export interface Team {
  name: string;
  dir: string;
  team?: Loaded<TeamSpec>;
}

export interface SqlSource {
  /** Repository-relative path. */
  file: string;
  text: string;
}

export interface Job {
  /** `team/name`. */
  id: string;
  team: string;
  name: string;
  dir: string;
  job?: Loaded<JobSpec>;
  owners?: Loaded<OwnersSpec>;
  sql: SqlSource[];
}

/** One wave of platform/rollout.yaml: the jobs it selects (by id, team or labels). */
export interface RolloutWaveSpec {
  name: string;
  jobs?: string[];
  teams?: string[];
  labels?: Record<string, string>;
}

/** platform/rollout.yaml: the order in which one apply reaches the jobs of an environment. */
export interface RolloutSpec {
  envs?: string[];
  waves: RolloutWaveSpec[];
  remaining?: 'team-by-team' | 'together';
}

export interface Platform {
  flinkConf?: Loaded<FlinkConf>;
  versions?: Loaded<{ versions: Record<string, VersionSpec> }>;
  envs: Map<string, Loaded<EnvSpec>>;
  sessions?: Loaded<{ sessions: Record<string, SessionSpec> }>;
  /** platform/alerts.yaml: without it, no alerting objects are rendered. */
  alerts?: Loaded<PlatformAlertsSpec>;
  /** platform/rollout.yaml: without it, apply sends every job at once. */
  rollout?: Loaded<RolloutSpec>;
  owners?: Loaded<PlatformOwnersSpec>;
  policies: Loaded<{ policies: PolicySpec[] }>[];
  catalogs: Loaded<{ catalogs: CatalogSpec[] }>[];
  /** Files under platform/envs/<env>/hadoop/, by environment. */
  hadoop: Map<string, { file: string; name: string; text: string }[]>;
}

export interface Repo {
  root: string;
  platform: Platform;
  teams: Map<string, Team>;
  /** Sorted by id. With a partial load, only the jobs asked for. */
  jobs: Job[];
  /** Every job folder (`team/job`), loaded or not, sorted. */
  jobIds: string[];
}
