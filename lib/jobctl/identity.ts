/** Who runs an action, as the pipeline proves it. */
export interface Caller {
  /** Principals in owners.yaml's notation: `user:<login>`, `scheduler:<name>`, `group:<path>`. */
  principals: string[];
  /** For messages: `scheduler:dolphinscheduler (trigger pipeline, token of user:dolphin-bot)`. */
  description: string;
}

const TRIGGER_SOURCES = new Set(['trigger', 'api', 'pipeline', 'workflow_dispatch', 'repository_dispatch']);

/**
 * The caller's identity comes from the pipeline, not from the command line:
 * - `user:<login>` is the user GitLab (`GITLAB_USER_LOGIN`) or GitHub (`GITHUB_ACTOR`) ran the
 *   pipeline for — for a GitLab trigger token, the token's owner. The CI system sets it.
 * - `FLINKOPS_TRIGGERED_BY` (`scheduler:dolphinscheduler`) names the scheduler behind a trigger; it
 *   counts only in a trigger/API pipeline, where the trigger token is the scheduler's credential.
 *   In a push or merge request pipeline a committer could set it, so there it is ignored.
 * Outside CI (a person at a terminal, whose own Kubernetes credentials are the real gate) the
 * claim is taken as given.
 */
export function callerFromEnv(env: NodeJS.ProcessEnv = process.env): Caller {
  const principals: string[] = [];
  const parts: string[] = [];
  const ci = Boolean(env.CI || env.GITLAB_CI || env.GITHUB_ACTIONS);
  const login = env.GITLAB_USER_LOGIN || env.GITHUB_ACTOR;
  if (login) principals.push(`user:${login}`);
  const claim = env.FLINKOPS_TRIGGERED_BY?.trim();
  const source = env.CI_PIPELINE_SOURCE || env.GITHUB_EVENT_NAME || '';
  if (claim) {
    if (!ci || TRIGGER_SOURCES.has(source)) {
      principals.unshift(claim);
      parts.push(claim);
    } else parts.push(`(FLINKOPS_TRIGGERED_BY=${claim} ignored: a ${source || 'non-trigger'} pipeline)`);
  }
  if (login) parts.push(parts.length ? `as user:${login}` : `user:${login}`);
  return {
    principals: [...new Set(principals)],
    description: parts.join(' ') || 'nobody (set FLINKOPS_TRIGGERED_BY, or run in a pipeline)',
  };
}
