/** Who runs an action, as the pipeline proves it. */
export interface Caller {
  /** Principals in owners.yaml's notation: `user:<login>`, `scheduler:<name>`. */
  principals: string[];
  /** For messages: `scheduler:dolphinscheduler as user:dolphin-bot`. */
  description: string;
}

/**
 * The caller's identity comes only from what the CI system proves, never from a claim:
 * - `user:<login>` is the user GitLab (`GITLAB_USER_LOGIN`) or GitHub (`GITHUB_ACTOR`) ran the
 *   pipeline for — for a GitLab trigger token, the token's owner.
 * - `scheduler:<name>` when platform/owners.yaml `schedulers:` lists that user for the scheduler:
 *   the trigger token's owner is the scheduler's account, so one scheduler's token cannot act as another.
 * `FLINKOPS_TRIGGERED_BY` names nobody: anyone who may start a pipeline can set it. It is shown,
 * marked ignored, unless it names a scheduler the user already is.
 */
export function callerFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  schedulers: Readonly<Record<string, readonly string[]>> = {},
): Caller {
  const login = (env.GITLAB_USER_LOGIN || env.GITHUB_ACTOR || '').trim();
  const user = login && !/[\s/:]/.test(login) ? `user:${login}` : '';
  const mapped = user
    ? Object.entries(schedulers)
        .filter(([, users]) => users.some((u) => u.replace(/^@/, '').toLowerCase() === login.toLowerCase()))
        .map(([name]) => `scheduler:${name}`)
        .sort()
    : [];
  const principals = [...mapped, ...(user ? [user] : [])];
  const parts = [...mapped, ...(user ? [mapped.length ? `as ${user}` : user] : [])];
  const claim = env.FLINKOPS_TRIGGERED_BY?.trim();
  if (claim && !mapped.includes(claim))
    parts.push(
      `(FLINKOPS_TRIGGERED_BY=${claim} ignored: identity comes from the pipeline user${mapped.length ? '' : ' and platform/owners.yaml schedulers'})`,
    );
  return {
    principals,
    description: parts.join(' ') || 'nobody (no GITLAB_USER_LOGIN or GITHUB_ACTOR: run it in a pipeline)',
  };
}
