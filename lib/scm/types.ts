/**
 * What flinkops needs from a Git host, named for the end state (as Renovate's `ensureComment`).
 * Actions see this; it is built once (platform.ts) over the small primitives each host folder
 * implements (`GitHost`), so the sticky-note logic exists once for every host.
 */
export interface ScmPlatform {
  /** The host's name (`gitlab`, `github`), for messages. */
  readonly host: string;
  /** Characters a note body may have on this host, leaving room for the marker and neutralised mentions. */
  readonly noteLimit: number;
  /**
   * Creates the note carrying `topic`'s hidden marker, or updates it in place; never adds a second one.
   * Only a note written by the token's own user is the sticky note; mentions in `body` are neutralised.
   */
  ensurePlanNote(input: {
    topic: string;
    body: string;
  }): Promise<{ action: 'created' | 'updated' | 'unchanged'; id: number; url?: string }>;
  setCommitStatus(input: CommitStatus): Promise<void>;
  /** Usernames (without `@`) who approved the merge request / pull request. */
  listApprovals(): Promise<string[]>;
  /** The merge request / pull request a commit on the default branch came from (its merge, squash or head commit). */
  findMergeRequest(sha: string): Promise<number | undefined>;
  /** The same host bound to another merge request. */
  forMergeRequest(number: number): ScmPlatform;
  /** The body (without the marker) of the sticky note carrying `topic`'s marker, written by the token's own user. */
  readPlanNote(topic: string): Promise<string | undefined>;
  /** Usernames in a group (GitLab group path, GitHub `org/team`), for owners written as groups. */
  listGroupMembers(group: string): Promise<string[]>;
}

/**
 * The primitives one Git host implements (one folder per host, e.g. `gitlab/`, `github/`): plain
 * reads and writes, each call explained as a `ScmError` on failure. No note-finding logic here.
 */
export interface GitHost {
  readonly name: string;
  /** Characters the host accepts in one note. */
  readonly noteLimit: number;
  /** The user the token acts as: who flinkops' own notes are written by. */
  whoAmI(): Promise<Identity>;
  /** The merge request's notes written by users (not the host's system notes), oldest first. */
  listNotes(): Promise<HostNote[]>;
  /** One attempt, never retried here: creating is not idempotent (the shared routine decides). */
  createNote(body: string): Promise<{ id: number; url?: string }>;
  updateNote(id: number, body: string): Promise<void>;
  setCommitStatus(input: CommitStatus): Promise<void>;
  listApprovals(): Promise<string[]>;
  findMergeRequest(sha: string): Promise<number | undefined>;
  forMergeRequest(number: number): GitHost;
  listGroupMembers(group: string): Promise<string[]>;
}

/** A user of the host: `id` where the host gives one (it survives renames), and the login. */
export interface Identity {
  id?: number;
  login: string;
}

export interface HostNote {
  id: number;
  body: string;
  /** Undefined when the host no longer knows the author (a deleted account). */
  author?: Identity;
  url?: string;
}

export interface CommitStatus {
  sha: string;
  state: CommitState;
  name: string;
  description: string;
  targetUrl?: string;
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

/** How a host is recognised in CI and connected: each host folder exports one; hosts.ts lists them. */
export interface HostDefinition {
  /** For messages, e.g. `GitLab`. */
  readonly label: string;
  /** The variables that connect to the project on the host (API, project, token). */
  readonly variables: readonly string[];
  /** Where the token comes from, for the message when a variable is missing. */
  readonly setup: string;
  /** True when the running CI job is this host's. */
  detects(env: NodeJS.ProcessEnv): boolean;
  /** The host for the project (no merge request bound yet); `variables` are all set. */
  connect(env: NodeJS.ProcessEnv): GitHost;
  /** The merge request the running pipeline is for; a ScmError saying why when there is none. */
  pipelineMergeRequest(env: NodeJS.ProcessEnv): number;
}
