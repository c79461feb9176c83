import { readFileSync } from 'node:fs';
import { GithubPlatform } from './github/index.js';
import { GitlabPlatform } from './gitlab/index.js';
import { ScmError, type ScmPlatform } from './types.js';

/** The Git host of the running CI job, from its standard environment variables. */
export function platformFromEnv(env: NodeJS.ProcessEnv = process.env): ScmPlatform {
  if (env.CI_API_V4_URL || env.GITLAB_CI) {
    const missing = ['CI_API_V4_URL', 'CI_PROJECT_ID', 'CI_MERGE_REQUEST_IID', 'GITLAB_TOKEN'].filter((k) => !env[k]);
    if (missing.length)
      throw new ScmError(
        `GitLab: ${missing.join(', ')} not set (run in a merge request pipeline, with a project access token in GITLAB_TOKEN)`,
      );
    return new GitlabPlatform({
      apiUrl: env.CI_API_V4_URL!,
      projectId: env.CI_PROJECT_ID!,
      mergeRequestIid: Number(env.CI_MERGE_REQUEST_IID),
      token: env.GITLAB_TOKEN!,
    });
  }
  if (env.GITHUB_ACTIONS || env.GITHUB_REPOSITORY) {
    const missing = ['GITHUB_REPOSITORY', 'GITHUB_EVENT_PATH', 'GITHUB_TOKEN'].filter((k) => !env[k]);
    if (missing.length)
      throw new ScmError(`GitHub: ${missing.join(', ')} not set (run on a pull_request event with GITHUB_TOKEN)`);
    const [owner, repo] = env.GITHUB_REPOSITORY!.split('/') as [string, string];
    let event: { pull_request?: { number?: number }; number?: number };
    try {
      event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH!, 'utf8'));
    } catch (e) {
      throw new ScmError(`GitHub: cannot read GITHUB_EVENT_PATH ${env.GITHUB_EVENT_PATH}: ${(e as Error).message}`);
    }
    const pullNumber = event.pull_request?.number ?? event.number;
    if (!pullNumber)
      throw new ScmError('GitHub: the event has no pull request (run plan --comment on pull_request events)');
    return new GithubPlatform({
      apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
      owner,
      repo,
      pullNumber,
      token: env.GITHUB_TOKEN!,
    });
  }
  throw new ScmError(
    'no Git host found: set the GitLab (CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID, GITLAB_TOKEN) or GitHub (GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_TOKEN) variables',
  );
}
