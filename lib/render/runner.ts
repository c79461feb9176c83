import { runnerJarFile, USRLIB_DIR } from '../resolve/artifacts.js';

/**
 * The project's SQL runner (flink/README.md, "Production SQL runner"): the facts render and the base
 * image need about it, kept here so a change to the runner is a change to this file only.
 */
export const SQL_RUNNER = {
  entryClass: 'io.flinkops.flink.runner.SqlRunner',
  /** Where the image keeps the runner jars (`flinkops image render` copies it there). */
  dir: USRLIB_DIR,
  /** Where the effective SQL is mounted from the job's ConfigMap (application mode). */
  scriptDir: '/opt/flink/sql',
  scriptFile: 'job.sql',
  /** The job's data-security policies, beside its SQL (the runner enforces them in the planner). */
  policiesFile: 'policies.json',
} as const;

export { runnerJarFile };

export function runnerJarURI(flink: string): string {
  return `local://${SQL_RUNNER.dir}/${runnerJarFile(flink)}`;
}

/** Application mode: the script is a file mounted from the job's ConfigMap. */
export function runnerArgs(policies: boolean): string[] {
  const args = ['--script', `${SQL_RUNNER.scriptDir}/${SQL_RUNNER.scriptFile}`];
  return policies ? [...args, '--policies', `${SQL_RUNNER.scriptDir}/${SQL_RUNNER.policiesFile}`] : args;
}

/** Session mode has no per-job volume: the script travels in the arguments (the runner must accept `--script-base64`). */
export function sessionRunnerArgs(script: string, policies?: string): string[] {
  const args = ['--script-base64', Buffer.from(script, 'utf8').toString('base64')];
  return policies ? [...args, '--policies-base64', Buffer.from(policies, 'utf8').toString('base64')] : args;
}
