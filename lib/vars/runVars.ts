/**
 * Run variables (`runVars` in job.yaml, `flinkops action run --var NAME=VALUE`). The script keeps
 * `${run:NAME}`; the runner replaces it, at start, with the environment variable `FLINKOPS_RUN_<NAME>`
 * (quotes doubled: a value never leaves its string literal). Flink gives the JobManager container the
 * environment variables its configuration names under `containerized.master.env.` (Flink's
 * KubernetesJobManagerParameters#getEnvironments), so Git renders the default there and a run
 * overrides that one key as field manager flinkops-action.
 */
export function runVarPlaceholder(name: string): string {
  return `\${run:${name}}`;
}

export function runVarEnv(name: string): string {
  return `FLINKOPS_RUN_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export const RUN_VAR_CONF_PREFIX = 'containerized.master.env.FLINKOPS_RUN_';

export function runVarConfKey(name: string): string {
  return `containerized.master.env.${runVarEnv(name)}`;
}
