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
import { placeholders, substitute } from '../vars/substitute.js';

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
  udfJars?: JobSpec['udfJars'];
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
  // No prototype: `__proto__` or `constructor` are ordinary variable names.
  const vars: Record<string, string> = Object.create(null);
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
    ...(spec.udfJars?.length ? { udfJars: spec.udfJars } : {}),
    ...(spec.paimonAction ? { paimonAction: substitutePaimonAction(spec.paimonAction, vars) } : {}),
    origins,
  };
  return { effective, diagnostics };
}

/** Variables may use other variables (`topic: rent.orders${topic_suffix}`); expanded until stable, cycles reported. */
/** A variable may refer to variables this deep, and expand to this many characters at most. */
const MAX_VAR_DEPTH = 16;
const MAX_VAR_CHARS = 256 * 1024;

/**
 * Expands variables that refer to other variables, each once (memoised), refusing cycles, chains
 * deeper than MAX_VAR_DEPTH and values larger than MAX_VAR_CHARS before building them — so a job.yaml
 * of a few lines cannot keep validate busy for minutes. A refused variable becomes empty, with an
 * error at its position, so nothing half-expanded is ever rendered.
 */
function expandVars(
  vars: Record<string, string>,
  origins: Record<string, Origin>,
  env: string,
  job: string,
  diagnostics: Diagnostic[],
): void {
  const done = new Map<string, string>();
  const refused = new Set<string>();
  const report = (k: string, rule: string, message: string, hint: string) => {
    if (refused.has(k)) return;
    refused.add(k);
    const o = origins[k];
    diagnostics.push({
      severity: 'error',
      rule,
      message,
      hint,
      file: o?.file ?? `platform/envs/${env}.yaml`,
      line: o?.line ?? 1,
      column: o?.column ?? 1,
      job,
    });
  };
  const expand = (k: string, stack: string[]): string | undefined => {
    const hit = done.get(k);
    if (hit !== undefined) return hit;
    if (refused.has(k)) return undefined;
    const raw = vars[k]!;
    if (!raw.includes('${')) {
      done.set(k, raw);
      return raw;
    }
    const seen = stack.indexOf(k);
    if (seen >= 0) {
      const cycle = [...stack.slice(seen), k].join(' → ');
      for (const member of stack.slice(seen))
        report(
          member,
          'vars/cycle',
          `variable "${member}" refers to itself: ${cycle}`,
          'break the cycle between the variables',
        );
      return undefined;
    }
    if (stack.length >= MAX_VAR_DEPTH) {
      report(
        k,
        'vars/too-deep',
        `variable "${k}" is reached through ${stack.length} other variables (${stack.slice(0, 4).join(' → ')} → …); the limit is ${MAX_VAR_DEPTH}`,
        'refer to the values more directly',
      );
      return undefined;
    }
    const refs: Record<string, string> = Object.create(null);
    for (const { name } of placeholders(raw)) {
      if (!Object.hasOwn(vars, name) || Object.hasOwn(refs, name)) continue;
      const v = expand(name, [...stack, k]);
      if (v === undefined) {
        report(k, 'vars/cycle', `variable "${k}" uses "${name}", which cannot be expanded`, `fix "${name}" first`);
        return undefined;
      }
      refs[name] = v;
    }
    const s = substitute(raw, refs, MAX_VAR_CHARS);
    if (s.tooLarge) {
      report(
        k,
        'vars/too-large',
        `variable "${k}" would expand to more than ${MAX_VAR_CHARS} characters (at \${${s.tooLarge.name}})`,
        'variables hold names and addresses, not data: write the value out, or shorten it',
      );
      return undefined;
    }
    done.set(k, s.text);
    return s.text;
  };
  for (const k of Object.keys(vars)) expand(k, []);
  for (const k of Object.keys(vars)) vars[k] = done.get(k) ?? '';
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
