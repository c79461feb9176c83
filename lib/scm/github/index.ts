import { Octokit } from '@octokit/rest';
import { explainStatus, marker, ScmError, type CommitState, type ScmPlatform } from '../types.js';
import { withRetry } from '../retry.js';

export interface GithubOptions {
  /** `GITHUB_API_URL`, e.g. https://api.github.com */
  apiUrl: string;
  owner: string;
  repo: string;
  pullNumber: number;
  token: string;
}

const STATE: Record<CommitState, 'pending' | 'success' | 'failure'> = {
  pending: 'pending',
  running: 'pending',
  success: 'success',
  failed: 'failure',
};

/** GitHub through @octokit/rest: pull request (issue) comments, commit statuses, reviews. */
export class GithubPlatform implements ScmPlatform {
  readonly host = 'github' as const;
  private readonly api: Octokit;

  constructor(private readonly o: GithubOptions) {
    this.api = new Octokit({
      auth: o.token,
      baseUrl: o.apiUrl.replace(/\/$/, ''),
      userAgent: 'flinkops',
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
  }

  async ensurePlanNote({ topic, body }: { topic: string; body: string }) {
    const tag = marker(topic);
    const full = `${tag}\n${body}`;
    const base = { owner: this.o.owner, repo: this.o.repo };
    const find = async () => {
      const comments = await this.call('list pull request comments', () =>
        this.api.paginate(this.api.rest.issues.listComments, {
          ...base,
          issue_number: this.o.pullNumber,
          per_page: 100,
        }),
      );
      return comments.find((c) => (c.body ?? '').startsWith(tag));
    };
    const existing = await find();
    if (existing) {
      if (existing.body === full) return { action: 'unchanged' as const, id: existing.id, url: existing.html_url };
      await this.call('update the plan comment', () =>
        this.api.rest.issues.updateComment({ ...base, comment_id: existing.id, body: full }),
      );
      return { action: 'updated' as const, id: existing.id, url: existing.html_url };
    }
    try {
      const { data } = await this.api.rest.issues.createComment({
        ...base,
        issue_number: this.o.pullNumber,
        body: full,
      });
      return { action: 'created' as const, id: data.id, url: data.html_url };
    } catch (e) {
      const status = statusOf(e);
      if (status !== undefined && status < 500 && status !== 429)
        throw new ScmError(explainStatus('GitHub', status, 'create the plan comment'), status);
      const after = await find();
      if (after) return { action: 'created' as const, id: after.id, url: after.html_url };
      const { data } = await this.call('create the plan comment', () =>
        this.api.rest.issues.createComment({ ...base, issue_number: this.o.pullNumber, body: full }),
      );
      return { action: 'created' as const, id: data.id, url: data.html_url };
    }
  }

  async setCommitStatus({
    sha,
    state,
    name,
    description,
    targetUrl,
  }: {
    sha: string;
    state: CommitState;
    name: string;
    description: string;
    targetUrl?: string;
  }) {
    await this.call('set the commit status', () =>
      this.api.rest.repos.createCommitStatus({
        owner: this.o.owner,
        repo: this.o.repo,
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
        owner: this.o.owner,
        repo: this.o.repo,
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
        owner: this.o.owner,
        repo: this.o.repo,
        commit_sha: sha,
        per_page: 100,
      }),
    );
    const merged = pulls.filter((p) => p.merged_at);
    return (merged.find((p) => p.merge_commit_sha === sha) ?? merged[0])?.number;
  }

  forMergeRequest(number: number): GithubPlatform {
    return new GithubPlatform({ ...this.o, pullNumber: number });
  }

  async readPlanNote(topic: string): Promise<string | undefined> {
    const tag = marker(topic);
    const comments = await this.call('list pull request comments', () =>
      this.api.paginate(this.api.rest.issues.listComments, {
        owner: this.o.owner,
        repo: this.o.repo,
        issue_number: this.o.pullNumber,
        per_page: 100,
      }),
    );
    const c = comments.find((x) => (x.body ?? '').startsWith(tag));
    return c?.body?.slice(tag.length + 1);
  }

  async listGroupMembers(group: string): Promise<string[]> {
    const [org, team] = group.split('/');
    if (!org || !team) return [];
    const members = await this.call(`list the members of ${group}`, () =>
      this.api.paginate(this.api.rest.teams.listMembersInOrg, { org, team_slug: team, per_page: 100 }),
    );
    return members.map((m) => m.login).sort();
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(fn, statusOf, {
        retryAfterOf: (e) =>
          Number((e as { response?: { headers?: Record<string, string> } })?.response?.headers?.['retry-after']) ||
          undefined,
      });
    } catch (e) {
      const status = statusOf(e);
      throw new ScmError(explainStatus('GitHub', status, what), status);
    }
  }
}

function statusOf(e: unknown): number | undefined {
  const s = (e as { status?: number })?.status;
  return typeof s === 'number' ? s : undefined;
}
