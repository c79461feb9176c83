import { readFileSync } from 'node:fs';
import { Octokit } from '@octokit/rest';
import { withRetry } from '../retry.js';
import {
  type CommitState,
  type CommitStatus,
  explainStatus,
  type GitHost,
  type HostDefinition,
  type HostNote,
  type Identity,
  ScmError,
} from '../types.js';

export interface GithubOptions {
  /** `GITHUB_API_URL`, e.g. https://api.github.com */
  apiUrl: string;
  owner: string;
  repo: string;
  pullNumber: number;
  token: string;
  /** The slug of the GitHub App whose installation token this is (its comments are by `<slug>[bot]`). */
  appSlug?: string;
}

const STATE: Record<CommitState, 'pending' | 'success' | 'failure'> = {
  pending: 'pending',
  running: 'pending',
  success: 'success',
  failed: 'failure',
};

/**
 * The author of comments written with Actions' GITHUB_TOKEN, an installation token of the GitHub
 * Actions app (docs.github.com, "Automatic token authentication"). Installation tokens cannot read
 * GET /user ("Resource not accessible by integration"), so the login is known, not asked.
 */
const ACTIONS_BOT = 'github-actions[bot]';

/** GitHub through @octokit/rest: pull request (issue) comments, commit statuses, reviews, the token's user. */
export class GithubHost implements GitHost {
  readonly name = 'github';
  /** GitHub's limit for a comment's body. */
  readonly noteLimit = 65_536;
  private readonly api: Octokit;
  private me?: Promise<Identity>;

  constructor(private readonly o: GithubOptions) {
    this.api = new Octokit({
      auth: o.token,
      baseUrl: o.apiUrl.replace(/\/$/, ''),
      userAgent: 'flinkops',
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
  }

  whoAmI(): Promise<Identity> {
    this.me ??= (async () => {
      try {
        const { data } = await withRetry(() => this.api.rest.users.getAuthenticated(), statusOf);
        return { id: data.id, login: data.login };
      } catch (e) {
        const message = String((e as { message?: unknown })?.message ?? '');
        if (statusOf(e) === 403 && /not accessible by integration/i.test(message))
          return { login: this.o.appSlug ? `${this.o.appSlug}[bot]` : ACTIONS_BOT };
        throw new ScmError(explainStatus('GitHub', statusOf(e), 'read the user of the token'), statusOf(e));
      }
    })();
    return this.me;
  }

  async listNotes(): Promise<HostNote[]> {
    const comments = await this.call('list pull request comments', () =>
      this.api.paginate(this.api.rest.issues.listComments, {
        ...this.repo(),
        issue_number: this.o.pullNumber,
        per_page: 100,
      }),
    );
    return comments.map((c) => ({
      id: c.id,
      body: c.body ?? '',
      url: c.html_url,
      ...(c.user ? { author: { id: c.user.id, login: c.user.login } } : {}),
    }));
  }

  async createNote(body: string): Promise<{ id: number; url: string }> {
    const { data } = await this.call(
      'create the plan comment',
      () => this.api.rest.issues.createComment({ ...this.repo(), issue_number: this.o.pullNumber, body }),
      false,
    );
    return { id: data.id, url: data.html_url };
  }

  async updateNote(id: number, body: string): Promise<void> {
    await this.call('update the plan comment', () =>
      this.api.rest.issues.updateComment({ ...this.repo(), comment_id: id, body }),
    );
  }

  async setCommitStatus({ sha, state, name, description, targetUrl }: CommitStatus) {
    await this.call('set the commit status', () =>
      this.api.rest.repos.createCommitStatus({
        ...this.repo(),
        sha,
        state: STATE[state],
        context: name,
        description: description.slice(0, 140),
        ...(targetUrl ? { target_url: targetUrl } : {}),
      }),
    );
  }

  async listApprovals(): Promise<string[]> {
    const reviews = await this.call('read the reviews', () =>
      this.api.paginate(this.api.rest.pulls.listReviews, {
        ...this.repo(),
        pull_number: this.o.pullNumber,
        per_page: 100,
      }),
    );
    // A reviewer's latest review decides: approved, then "changes requested", is not an approval.
    const latest = new Map<string, string>();
    for (const r of reviews) if (r.user?.login && r.state !== 'COMMENTED') latest.set(r.user.login, r.state);
    return [...latest.entries()]
      .filter(([, s]) => s === 'APPROVED')
      .map(([u]) => u)
      .sort();
  }

  async findMergeRequest(sha: string): Promise<number | undefined> {
    const pulls = await this.call('find the pull request of the commit', () =>
      this.api.paginate(this.api.rest.repos.listPullRequestsAssociatedWithCommit, {
        ...this.repo(),
        commit_sha: sha,
        per_page: 100,
      }),
    );
    const merged = pulls.filter((p) => p.merged_at);
    return (merged.find((p) => p.merge_commit_sha === sha) ?? merged[0])?.number;
  }

  forMergeRequest(number: number): GithubHost {
    return new GithubHost({ ...this.o, pullNumber: number });
  }

  async listGroupMembers(group: string): Promise<string[]> {
    const [org, team] = group.split('/');
    if (!org || !team) return [];
    const members = await this.call(`list the members of ${group}`, () =>
      this.api.paginate(this.api.rest.teams.listMembersInOrg, { org, team_slug: team, per_page: 100 }),
    );
    return members.map((m) => m.login).sort();
  }

  private repo() {
    return { owner: this.o.owner, repo: this.o.repo };
  }

  private async call<T>(what: string, fn: () => Promise<T>, retry = true): Promise<T> {
    try {
      return retry
        ? await withRetry(fn, statusOf, {
            retryAfterOf: (e) =>
              Number((e as { response?: { headers?: Record<string, string> } })?.response?.headers?.['retry-after']) ||
              undefined,
          })
        : await fn();
    } catch (e) {
      const status = statusOf(e);
      throw new ScmError(explainStatus('GitHub', status, what), status);
    }
  }
}

/**
 * GitHub Actions: GITHUB_REPOSITORY, GITHUB_API_URL, the pull request from the event file, and
 * GITHUB_TOKEN (the workflow's token, a GitHub App installation token — then FLINKOPS_GITHUB_APP_SLUG
 * names the app — or a personal access token).
 */
export const github: HostDefinition = {
  label: 'GitHub',
  variables: ['GITHUB_REPOSITORY', 'GITHUB_TOKEN'],
  setup: 'GITHUB_TOKEN: the workflow token, an app installation token or a personal access token',
  detects: (env) => Boolean(env.GITHUB_ACTIONS || env.GITHUB_REPOSITORY),
  connect(env) {
    const [owner = '', repo = ''] = env.GITHUB_REPOSITORY!.split('/');
    return new GithubHost({
      apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
      owner,
      repo,
      pullNumber: 0,
      token: env.GITHUB_TOKEN!,
      ...(env.FLINKOPS_GITHUB_APP_SLUG ? { appSlug: env.FLINKOPS_GITHUB_APP_SLUG } : {}),
    });
  },
  pipelineMergeRequest(env) {
    if (!env.GITHUB_EVENT_PATH)
      throw new ScmError('GitHub: GITHUB_EVENT_PATH not set (run plan --comment on pull_request events)');
    let event: { pull_request?: { number?: number }; number?: number };
    try {
      event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'));
    } catch (e) {
      throw new ScmError(`GitHub: cannot read GITHUB_EVENT_PATH ${env.GITHUB_EVENT_PATH}: ${(e as Error).message}`);
    }
    const pullNumber = event.pull_request?.number ?? event.number;
    if (!pullNumber)
      throw new ScmError('GitHub: the event has no pull request (run plan --comment on pull_request events)');
    return pullNumber;
  },
};

function statusOf(e: unknown): number | undefined {
  const s = (e as { status?: number })?.status;
  return typeof s === 'number' ? s : undefined;
}
