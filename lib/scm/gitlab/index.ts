import { Gitlab } from '@gitbeaker/rest';
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

export interface GitlabOptions {
  /** `CI_API_V4_URL`, e.g. https://gitlab.example.com/api/v4 */
  apiUrl: string;
  projectId: string | number;
  mergeRequestIid: number;
  token: string;
}

const STATE: Record<CommitState, 'pending' | 'running' | 'success' | 'failed'> = {
  pending: 'pending',
  running: 'running',
  success: 'success',
  failed: 'failed',
};

interface NoteResponse {
  id: number;
  body: string;
  system?: boolean;
  author?: { id: number; username: string } | null;
}

/** GitLab through @gitbeaker/rest: merge request notes, commit statuses, approvals, the token's user. */
export class GitlabHost implements GitHost {
  readonly name = 'gitlab';
  /** GitLab's limit for a note's text. */
  readonly noteLimit = 1_000_000;
  private readonly api: InstanceType<typeof Gitlab>;
  private me?: Promise<Identity>;

  constructor(private readonly o: GitlabOptions) {
    const host = o.apiUrl.replace(/\/api\/v4\/?$/, '');
    this.api = new Gitlab({ host, token: o.token });
  }

  whoAmI(): Promise<Identity> {
    // A project or group access token acts as its bot user; GET /user names it.
    this.me ??= this.call('read the user of the token', () => this.api.Users.showCurrentUser()).then((u) => {
      const user = u as unknown as { id: number; username: string };
      return { id: user.id, login: user.username };
    });
    return this.me;
  }

  async listNotes(): Promise<HostNote[]> {
    const notes = (await this.call('list merge request notes', () =>
      this.api.MergeRequestNotes.all(this.o.projectId, this.o.mergeRequestIid, {
        perPage: 100,
        maxPages: 20,
        sort: 'asc',
        orderBy: 'created_at',
      }),
    )) as unknown as NoteResponse[];
    return notes
      .filter((n) => !n.system)
      .map((n) => ({
        id: n.id,
        body: n.body,
        ...(n.author ? { author: { id: n.author.id, login: n.author.username } } : {}),
      }));
  }

  async createNote(body: string): Promise<{ id: number }> {
    const note = (await this.call(
      'create the plan note',
      () => this.api.MergeRequestNotes.create(this.o.projectId, this.o.mergeRequestIid, body),
      false,
    )) as unknown as { id: number };
    return { id: note.id };
  }

  async updateNote(id: number, body: string): Promise<void> {
    await this.call('update the plan note', () =>
      this.api.MergeRequestNotes.edit(this.o.projectId, this.o.mergeRequestIid, id, { body }),
    );
  }

  async setCommitStatus({ sha, state, name, description, targetUrl }: CommitStatus) {
    await this.call('set the commit status', () =>
      this.api.Commits.editStatus(this.o.projectId, sha, STATE[state], {
        name,
        description: description.slice(0, 255),
        ...(targetUrl ? { targetUrl } : {}),
      }),
    );
  }

  async listApprovals(): Promise<string[]> {
    const r = (await this.call('read the approvals', () =>
      this.api.MergeRequestApprovals.showConfiguration(this.o.projectId, { mergerequestIId: this.o.mergeRequestIid }),
    )) as unknown as {
      approved_by?: { user: { username: string } }[];
    };
    return (r.approved_by ?? []).map((a) => a.user.username).sort();
  }

  async findMergeRequest(sha: string): Promise<number | undefined> {
    const mrs = (await this.call('find the merge request of the commit', () =>
      this.api.Commits.allMergeRequests(this.o.projectId, sha),
    )) as unknown as {
      iid: number;
      state: string;
      merge_commit_sha?: string | null;
      squash_commit_sha?: string | null;
      sha?: string;
    }[];
    // The merged one whose merge, squash or head commit this is (a commit can appear in several MRs).
    const merged = mrs.filter((m) => m.state === 'merged');
    const exact =
      merged.find((m) => m.merge_commit_sha === sha || m.squash_commit_sha === sha) ??
      merged.find((m) => m.sha === sha) ??
      merged[0];
    return exact?.iid;
  }

  forMergeRequest(number: number): GitlabHost {
    return new GitlabHost({ ...this.o, mergeRequestIid: number });
  }

  async listGroupMembers(group: string): Promise<string[]> {
    const members = (await this.call(`list the members of ${group}`, () =>
      this.api.GroupMembers.all(group, { includeInherited: true, perPage: 100, maxPages: 20 }),
    )) as unknown as { username: string }[];
    return members.map((m) => m.username).sort();
  }

  private async call<T>(what: string, fn: () => Promise<T>, retry = true): Promise<T> {
    try {
      return retry ? await withRetry(fn, statusOf) : await fn();
    } catch (e) {
      const status = statusOf(e);
      throw new ScmError(explainStatus('GitLab', status, what), status);
    }
  }
}

/** GitLab CI: the predefined CI_* variables and a project access token (api scope) in GITLAB_TOKEN. */
export const gitlab: HostDefinition = {
  label: 'GitLab',
  variables: ['CI_API_V4_URL', 'CI_PROJECT_ID', 'GITLAB_TOKEN'],
  setup: 'a project access token with api scope in GITLAB_TOKEN',
  detects: (env) => Boolean(env.CI_API_V4_URL || env.GITLAB_CI),
  connect: (env) =>
    new GitlabHost({
      apiUrl: env.CI_API_V4_URL!,
      projectId: env.CI_PROJECT_ID!,
      mergeRequestIid: 0,
      token: env.GITLAB_TOKEN!,
    }),
  pipelineMergeRequest(env) {
    const iid = Number(env.CI_MERGE_REQUEST_IID);
    if (!Number.isInteger(iid) || iid <= 0)
      throw new ScmError('GitLab: CI_MERGE_REQUEST_IID not set (run plan --comment in a merge request pipeline)');
    return iid;
  },
};

function statusOf(e: unknown): number | undefined {
  const err = e as { cause?: { response?: { status?: number } }; message?: string };
  const s = err?.cause?.response?.status;
  if (typeof s === 'number') return s;
  const m = /last status code: (\d{3})/.exec(err?.message ?? '');
  return m ? Number(m[1]) : undefined;
}
