/**
 * What flinkops needs from a Git host, named for the end state (as Renovate's `ensureComment`):
 * one implementation per host, behind this interface.
 */
export interface ScmPlatform {
  readonly host: 'gitlab' | 'github';
  /** Creates the note carrying `topic`'s hidden marker, or updates it in place; never adds a second one. */
  ensurePlanNote(input: {
    topic: string;
    body: string;
  }): Promise<{ action: 'created' | 'updated' | 'unchanged'; id: number; url?: string }>;
  setCommitStatus(input: {
    sha: string;
    state: CommitState;
    name: string;
    description: string;
    targetUrl?: string;
  }): Promise<void>;
  /** Usernames (without `@`) who approved the merge request / pull request. */
  listApprovals(): Promise<string[]>;
  /** The merge request / pull request a commit on the default branch came from (its merge, squash or head commit). */
  findMergeRequest(sha: string): Promise<number | undefined>;
  /** The same host bound to another merge request. */
  forMergeRequest(number: number): ScmPlatform;
  /** The body of the sticky note carrying `topic`'s marker (without the marker), if there is one. */
  readPlanNote(topic: string): Promise<string | undefined>;
  /** Usernames in a group (GitLab group path, GitHub `org/team`), for owners written as groups. */
  listGroupMembers(group: string): Promise<string[]>;
}

export type CommitState = 'pending' | 'running' | 'success' | 'failed';

/** A failure the host reported, explained for the user (401 → token, 404 → project or MR id, …). */
export class ScmError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The hidden marker that identifies flinkops' sticky note for one topic (e.g. `plan:prod`). */
export function marker(topic: string): string {
  return `<!-- flinkops:${topic} -->`;
}

export function explainStatus(host: string, status: number | undefined, what: string): string {
  switch (status) {
    case 401:
      return `${host} refused the token (401) while trying to ${what}: check GITLAB_TOKEN / GITHUB_TOKEN (it must be set and not expired)`;
    case 403:
      return `${host} denied access (403) while trying to ${what}: the token lacks the scope (GitLab: api; GitHub: pull-requests and statuses write)`;
    case 404:
      return `${host} found nothing (404) while trying to ${what}: check the project/repository and the merge request number`;
    case 429:
      return `${host} rate limit reached (429) while trying to ${what}; retried and gave up — run the job again later`;
    default:
      return status && status >= 500
        ? `${host} failed (${status}) while trying to ${what}; retried and gave up`
        : `${host} request failed${status ? ` (${status})` : ''} while trying to ${what}`;
  }
}
