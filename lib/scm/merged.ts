import { detectHost } from './detect.js';
import { scmPlatform } from './platform.js';
import type { ScmPlatform } from './types.js';

/**
 * The Git host of a default-branch pipeline, bound to the merge request the commit came from.
 * Undefined when the host knows no merge request for the commit (a direct push).
 */
export async function platformForCommit(
  sha: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ platform: ScmPlatform; number: number } | undefined> {
  const { git } = detectHost(env, ' (apply reads the reviewed plan and approvals there), or pass --plan-hash');
  const number = await git.findMergeRequest(sha);
  return number === undefined ? undefined : { platform: scmPlatform(git.forMergeRequest(number)), number };
}

/** True in a pipeline for a push to the default branch (where apply must apply only what was reviewed). */
export function onDefaultBranch(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.CI_COMMIT_BRANCH && env.CI_DEFAULT_BRANCH) return env.CI_COMMIT_BRANCH === env.CI_DEFAULT_BRANCH;
  if (env.GITHUB_REF && env.FLINKOPS_DEFAULT_BRANCH)
    return env.GITHUB_REF === `refs/heads/${env.FLINKOPS_DEFAULT_BRANCH}`;
  if (env.GITHUB_REF && env.GITHUB_EVENT_NAME === 'push')
    return env.GITHUB_REF === 'refs/heads/main' || env.GITHUB_REF === 'refs/heads/master';
  return false;
}
