import { GithubPlatform } from './github/index.js';
import { GitlabPlatform } from './gitlab/index.js';
import { ScmError, type ScmPlatform } from './types.js';

/**
 * The Git host of a default-branch pipeline, bound to the merge request the commit came from:
 * GitLab (CI_API_V4_URL, CI_PROJECT_ID, GITLAB_TOKEN) or GitHub (GITHUB_REPOSITORY, GITHUB_TOKEN).
 * Undefined when the host knows no merge request for the commit (a direct push).
 */
export async function platformForCommit(
  sha: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ platform: ScmPlatform; number: number } | undefined> {
  let unbound: ScmPlatform;
  if (env.CI_API_V4_URL || env.GITLAB_CI) {
    const missing = ['CI_API_V4_URL', 'CI_PROJECT_ID', 'GITLAB_TOKEN'].filter((k) => !env[k]);
    if (missing.length)
      throw new ScmError(
        `GitLab: ${missing.join(', ')} not set (apply reads the merge request's reviewed plan and approvals with a project access token in GITLAB_TOKEN)`,
      );
    unbound = new GitlabPlatform({
      apiUrl: env.CI_API_V4_URL!,
      projectId: env.CI_PROJECT_ID!,
      mergeRequestIid: 0,
      token: env.GITLAB_TOKEN!,
    });
  } else if (env.GITHUB_ACTIONS || env.GITHUB_REPOSITORY) {
    const missing = ['GITHUB_REPOSITORY', 'GITHUB_TOKEN'].filter((k) => !env[k]);
    if (missing.length)
      throw new ScmError(
        `GitHub: ${missing.join(', ')} not set (apply reads the pull request's reviewed plan and reviews)`,
      );
    const [owner, repo] = env.GITHUB_REPOSITORY!.split('/') as [string, string];
    unbound = new GithubPlatform({
      apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
      owner,
      repo,
      pullNumber: 0,
      token: env.GITHUB_TOKEN!,
    });
  } else {
    throw new ScmError(
      'no Git host found to read the reviewed plan: set the GitLab (CI_API_V4_URL, CI_PROJECT_ID, GITLAB_TOKEN) or GitHub (GITHUB_REPOSITORY, GITHUB_TOKEN) variables, or pass --plan-hash',
    );
  }
  const number = await unbound.findMergeRequest(sha);
  return number === undefined ? undefined : { platform: unbound.forMergeRequest(number), number };
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
