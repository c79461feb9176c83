/**
 * The project's SQL runner (built in flink/): the three facts render needs about it, kept here so a
 * change to the runner is a change to this file only.
 */
export const SQL_RUNNER = {
  /** Where the runner jar sits in the base image (`flinkops image render` copies it there). */
  jarURI: 'local:///opt/flink/usrlib/flinkops-sql-runner.jar',
  entryClass: 'io.flinkops.runner.SqlRunner',
  /** Where the effective SQL is mounted from the job's ConfigMap (application mode). */
  scriptDir: '/opt/flink/sql',
  scriptFile: 'job.sql',
} as const;

/** Application mode: the script is a file mounted from the job's ConfigMap. */
export function runnerArgs(): string[] {
  return ['--script', `${SQL_RUNNER.scriptDir}/${SQL_RUNNER.scriptFile}`];
}

/** Session mode has no per-job volume: the script travels in the arguments. */
export function sessionRunnerArgs(script: string): string[] {
  return ['--script-base64', Buffer.from(script, 'utf8').toString('base64')];
}
