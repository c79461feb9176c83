import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type {
  FlinkConf,
  Job,
  JobSpec,
  JobState,
  JobType,
  Origin,
  Repo,
  Scalar,
  UpgradeMode,
  VersionSpec,
} from '../repo/model.js';
import type { PropertyPath, YamlFile } from '../repo/yamlFile.js';
import { substitute } from '../vars/substitute.js';

export const DEFAULTS = {
  mode: 'application' as const,
  parallelism: 1,
  upgradeMode: 'stateless' as UpgradeMode,
  state: 'running' as JobState,
  jobManager: { cpu: 1, memory: '1024m', replicas: 1 },
  taskManager: { cpu: 1, memory: '2048m', slots: 1 },
};

const BUILT_IN: Origin = { file: '(built-in default)', line: 0, column: 0 };

export interface EffectiveJob {
  id: string;
  team: string;
  name: string;
  env: string;
  namespace: string;
  type: JobType;
  mode: 'application' | 'session';
  session?: string;
  description?: string;
  flinkVersion: string;
  version?: VersionSpec;
  parallelism: number;
  upgradeMode: UpgradeMode;
  state: JobState;
  enabled: boolean;
  allowNonRestoredState: boolean;
  resources: {
    jobManager: { cpu: number; memory: string; replicas: number };
    taskManager: { cpu: number; memory: string; slots: number; replicas?: number };
  };
  /** Effective Flink configuration, placeholders substituted, keys sorted. */
  flinkConf: Record<string, string>;
  vars: Record<string, string>;
  labels: Record<string, string>;
  owners: string[];
  onCall: string[];
  jar?: JobSpec['jar'];
  paimonAction?: JobSpec['paimonAction'];
  /** Where each value came from: `parallelism`, `flinkConf.<key>`, `vars.<key>`, `resources.taskManager.memory`… */
  origins: Record<string, Origin>;
}

interface Layer {
  yaml: YamlFile;
  path: PropertyPath;
  value: Record<string, unknown> | undefined;
}

/**
 * The job's configuration in one environment: platform/flink-conf.yaml → version → environment →
 * team → job → the job's per-environment overrides, each value with the file:line it came from.
 */
export function resolveJob(repo: Repo, job: Job, env: string): { effective?: EffectiveJob; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const spec = job.job?.spec;
  if (!job.job || !spec) return { diagnostics };
  const team = repo.teams.get(job.team)?.team;
  const envFile = repo.platform.envs.get(env);
  const origins: Record<string, Origin> = {};
  const at = (yaml: YamlFile, path: PropertyPath): Origin => yaml.at(path);

  const jobLayer: Layer = { yaml: job.job.yaml, path: [], value: spec as unknown as Record<string, unknown> };
  const jobEnvLayer: Layer = {
    yaml: job.job.yaml,
    path: ['envs', env],
    value: spec.envs?.[env] as Record<string, unknown> | undefined,
  };
  const teamDefaults: Layer | undefined = team
    ? { yaml: team.yaml, path: ['defaults'], value: team.spec.defaults as Record<string, unknown> | undefined }
    : undefined;
  const teamEnv: Layer | undefined = team
    ? { yaml: team.yaml, path: ['envs', env], value: team.spec.envs?.[env] as Record<string, unknown> | undefined }
    : undefined;
  const envLayer: Layer | undefined = envFile
    ? { yaml: envFile.yaml, path: [], value: envFile.spec as unknown as Record<string, unknown> }
    : undefined;

  /** The last layer that sets `key` (a path below the layer) wins. */
  const pick = <T>(key: PropertyPath, layers: (Layer | undefined)[], fallback: T, name: string): T => {
    let result = fallback;
    origins[name] = BUILT_IN;
    for (const l of layers) {
      const v = dig(l?.value, key);
      if (v !== undefined && l) {
        result = v as T;
        origins[name] = at(l.yaml, [...l.path, ...key]);
      }
    }
    return result;
  };

  const scalarLayers = [teamDefaults, jobLayer, jobEnvLayer];
  const flinkVersion = pick<string>(['flinkVersion'], [teamDefaults, jobLayer], '', 'flinkVersion');
  const version = repo.platform.versions?.spec.versions?.[flinkVersion];
  const namespace = team?.spec.namespace ?? job.team;
  if (team) origins.namespace = at(team.yaml, ['namespace']);
  if (version && repo.platform.versions)
    origins.image = at(repo.platform.versions.yaml, ['versions', flinkVersion, 'image']);
  if (job.owners?.spec.owners) origins.owners = at(job.owners.yaml, ['owners']);

  const resources = {
    jobManager: {
      cpu: pick(['resources', 'jobManager', 'cpu'], scalarLayers, DEFAULTS.jobManager.cpu, 'resources.jobManager.cpu'),
      memory: pick(
        ['resources', 'jobManager', 'memory'],
        scalarLayers,
        DEFAULTS.jobManager.memory,
        'resources.jobManager.memory',
      ),
      replicas: pick(
        ['resources', 'jobManager', 'replicas'],
        scalarLayers,
        DEFAULTS.jobManager.replicas,
        'resources.jobManager.replicas',
      ),
    },
    taskManager: {
      cpu: pick(
        ['resources', 'taskManager', 'cpu'],
        scalarLayers,
        DEFAULTS.taskManager.cpu,
        'resources.taskManager.cpu',
      ),
      memory: pick(
        ['resources', 'taskManager', 'memory'],
        scalarLayers,
        DEFAULTS.taskManager.memory,
        'resources.taskManager.memory',
      ),
      slots: pick(
        ['resources', 'taskManager', 'slots'],
        scalarLayers,
        DEFAULTS.taskManager.slots,
        'resources.taskManager.slots',
      ),
      replicas: pick<number | undefined>(
        ['resources', 'taskManager', 'replicas'],
        scalarLayers,
        undefined,
        'resources.taskManager.replicas',
      ),
    },
  };
  if (resources.taskManager.replicas === undefined) delete origins['resources.taskManager.replicas'];

  // Variables: built-ins, then environment, team and job, the most specific last.
  const vars: Record<string, string> = {};
  const builtIns: Record<string, string> = { env, team: job.team, job: job.name, namespace };
  for (const [k, v] of Object.entries(builtIns)) {
    vars[k] = v;
    origins[`vars.${k}`] = BUILT_IN;
  }
  const mapLayers = (
    key: string,
    layers: (Layer | undefined)[],
    into: Record<string, string>,
    rawOrigin: Record<string, Origin>,
  ) => {
    for (const l of layers) {
      const m = dig(l?.value, [key]) as FlinkConf | undefined;
      if (!m || !l || typeof m !== 'object') continue;
      for (const [k, v] of Object.entries(m)) {
        into[k] = String(v);
        rawOrigin[k] = at(l.yaml, [...l.path, key, k]);
      }
    }
  };
  const varOrigins: Record<string, Origin> = {};
  mapLayers('vars', [envLayer, teamDefaults, teamEnv, jobLayer, jobEnvLayer], vars, varOrigins);
  for (const [k, o] of Object.entries(varOrigins)) origins[`vars.${k}`] = o;

  expandVars(vars, varOrigins, env, job.id, diagnostics);

  const rawConf: Record<string, string> = {};
  const confOrigins: Record<string, Origin> = {};
  const platformConf = repo.platform.flinkConf;
  const versionsFile = repo.platform.versions;
  mapLayers(
    'flinkConf',
    [
      platformConf ? { yaml: platformConf.yaml, path: [], value: { flinkConf: platformConf.spec } } : undefined,
      versionsFile && version
        ? {
            yaml: versionsFile.yaml,
            path: ['versions', flinkVersion],
            value: version as unknown as Record<string, unknown>,
          }
        : undefined,
      envLayer,
      teamDefaults,
      teamEnv,
      jobLayer,
      jobEnvLayer,
    ],
    rawConf,
    confOrigins,
  );
  // The platform file is the flinkConf map itself, not a mapping with a flinkConf key.
  for (const k of Object.keys(confOrigins)) {
    if (platformConf && confOrigins[k]!.file === platformConf.yaml.file) confOrigins[k] = at(platformConf.yaml, [k]);
  }
  if (!('taskmanager.numberOfTaskSlots' in rawConf)) {
    rawConf['taskmanager.numberOfTaskSlots'] = String(resources.taskManager.slots);
    confOrigins['taskmanager.numberOfTaskSlots'] = origins['resources.taskManager.slots']!;
  }

  const flinkConf: Record<string, string> = {};
  for (const key of Object.keys(rawConf).sort()) {
    const origin = confOrigins[key]!;
    const s = substitute(rawConf[key]!, vars);
    for (const u of s.undefinedVars) {
      diagnostics.push({
        severity: 'error',
        rule: 'vars/undefined',
        message: `flinkConf "${key}" uses \${${u.name}}, which no vars define for environment "${env}"`,
        hint: `define "${u.name}" under vars in the job, its team, or platform/envs/${env}.yaml`,
        file: origin.file,
        line: origin.line,
        column: origin.column,
        job: job.id,
      });
    }
    flinkConf[key] = s.text;
    origins[`flinkConf.${key}`] = origin;
  }

  const labels: Record<string, string> = {};
  const labelOrigins: Record<string, Origin> = {};
  mapLayers('labels', [teamDefaults, jobLayer], labels, labelOrigins);

  const enabled = spec.envs?.[env]?.enabled !== false;
  const effective: EffectiveJob = {
    id: job.id,
    team: job.team,
    name: job.name,
    env,
    namespace,
    type: pick(['type'], [jobLayer], spec.type, 'type'),
    mode: pick(['mode'], [jobLayer], DEFAULTS.mode, 'mode'),
    ...(spec.session ? { session: spec.session } : {}),
    ...(spec.description ? { description: spec.description } : {}),
    flinkVersion,
    ...(version ? { version } : {}),
    parallelism: pick(['parallelism'], scalarLayers, DEFAULTS.parallelism, 'parallelism'),
    upgradeMode: pick(['upgradeMode'], scalarLayers, DEFAULTS.upgradeMode, 'upgradeMode'),
    state: pick(['state'], [jobLayer, jobEnvLayer], DEFAULTS.state, 'state'),
    enabled,
    allowNonRestoredState: pick(['allowNonRestoredState'], [jobLayer], false, 'allowNonRestoredState'),
    resources,
    flinkConf,
    vars: sortKeys(vars),
    labels: sortKeys(labels),
    owners: job.owners?.spec.owners ?? [],
    onCall: job.owners?.spec.onCall ?? [],
    ...(spec.jar
      ? { jar: { ...spec.jar, ...(spec.jar.args ? { args: spec.jar.args.map((a) => substitute(a, vars).text) } : {}) } }
      : {}),
    ...(spec.paimonAction ? { paimonAction: substitutePaimonAction(spec.paimonAction, vars) } : {}),
    origins,
  };
  return { effective, diagnostics };
}

/** Variables may use other variables (`topic: rent.orders${topic_suffix}`); expanded until stable, cycles reported. */
function expandVars(
  vars: Record<string, string>,
  origins: Record<string, Origin>,
  env: string,
  job: string,
  diagnostics: Diagnostic[],
): void {
  for (let round = 0; round < 10; round++) {
    let changed = false;
    for (const [k, v] of Object.entries(vars)) {
      if (!v.includes('${')) continue;
      const s = substitute(v, vars);
      if (s.text !== v) {
        vars[k] = s.text;
        changed = true;
      }
    }
    if (!changed) break;
    if (round === 9) {
      const cyclic = Object.keys(vars).filter((k) => /\$\{[A-Za-z_]/.test(vars[k]!) && !vars[k]!.includes('${secret:'));
      for (const k of cyclic) {
        const o = origins[k];
        diagnostics.push({
          severity: 'error',
          rule: 'vars/undefined',
          message: `variable "${k}" refers to itself through other variables (${vars[k]!.slice(0, 80)}…)`,
          hint: 'break the cycle between the variables',
          file: o?.file ?? `platform/envs/${env}.yaml`,
          line: o?.line ?? 1,
          column: o?.column ?? 1,
          job,
        });
      }
    }
  }
}

function substitutePaimonAction(
  a: NonNullable<JobSpec['paimonAction']>,
  vars: Record<string, string>,
): NonNullable<JobSpec['paimonAction']> {
  const v = (x: string) => substitute(x, vars).text;
  return {
    action: a.action,
    warehouse: v(a.warehouse),
    database: v(a.database),
    ...(a.table ? { table: v(a.table) } : {}),
    ...(a.args ? { args: a.args.map(v) } : {}),
    ...(a.catalogConf
      ? { catalogConf: Object.fromEntries(Object.entries(a.catalogConf).map(([k, x]) => [k, v(String(x))])) }
      : {}),
  };
}

function dig(value: unknown, path: PropertyPath): unknown {
  let v: unknown = value;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export type { Scalar };
