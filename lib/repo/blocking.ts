import { sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';

/**
 * Which load diagnostics stop a command — one table, so no command decides on its own. A problem
 * outside any job (platform/, a team.yaml, the layout) stops every command: what it would act on
 * depends on it. A job's problem stops commands that act on that job; commands that compare or
 * delete across the environment (`plan`, `diff`, `apply --prune`) are stopped by any problem, since
 * a job they cannot load would look deleted. `validate` reports, it is never stopped.
 */
export const BLOCKED_BY = {
  validate: 'nothing',
  render: 'selected jobs',
  apply: 'selected jobs',
  'apply --prune': 'any job',
  plan: 'any job',
  diff: 'any job',
  status: 'selected jobs',
  logs: 'selected jobs',
  action: 'selected jobs',
  explain: 'selected jobs',
  preview: 'selected jobs',
  config: 'selected jobs',
} as const;

export type BlockedCommand = keyof typeof BLOCKED_BY;

/** The load errors that stop `command` acting on `jobs` (ids; undefined: every job), sorted. */
export function blockingDiagnostics(
  command: BlockedCommand,
  diagnostics: readonly Diagnostic[],
  jobs?: Iterable<string>,
): Diagnostic[] {
  const scope = BLOCKED_BY[command];
  if (scope === 'nothing') return [];
  const selected = jobs && scope === 'selected jobs' ? new Set(jobs) : undefined;
  return sortDiagnostics(
    diagnostics.filter((d) => d.severity === 'error' && (!d.job || !selected || selected.has(d.job))),
  );
}
