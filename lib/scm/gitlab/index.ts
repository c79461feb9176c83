import { Gitlab } from '@gitbeaker/rest';
import { explainStatus, marker, ScmError, type CommitState, type ScmPlatform } from '../types.js';
import { withRetry } from '../retry.js';

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

/** GitLab through @gitbeaker/rest: merge request notes, commit statuses, approvals. */
export class GitlabPlatform implements ScmPlatform {
  readonly host = 'gitlab' as const;
  private readonly api: InstanceType<typeof Gitlab>;

  constructor(private readonly o: GitlabOptions) {
    const host = o.apiUrl.replace(/\/api\/v4\/?$/, '');
    this.api = new Gitlab({ host, token: o.token });
  }

  async ensurePlanNote({ topic, body }: { topic: string; body: string }) {
    const tag = marker(topic);
    const full = `${tag}\n${body}`;
    const find = async () => {
      const notes = (await this.call('list merge request notes', () =>
        this.api.MergeRequestNotes.all(this.o.projectId, this.o.mergeRequestIid, { perPage: 100, maxPages: 20 }),
      )) as unknown as { id: number; body: string; system?: boolean }[];
      return notes.find((n) => !n.system && n.body.startsWith(tag));
    };
    const existing = await find();
    if (existing) {
      if (existing.body === full) return { action: 'unchanged' as const, id: existing.id };
      await this.call('update the plan note', () =>
        this.api.MergeRequestNotes.edit(this.o.projectId, this.o.mergeRequestIid, existing.id, { body: full }),
      );
      return { action: 'updated' as const, id: existing.id };
    }
    // Creating is not idempotent: no blind retry. If the host failed mid-way, look again before trying once more.
    try {
      const note = (await this.api.MergeRequestNotes.create(
        this.o.projectId,
        this.o.mergeRequestIid,
        full,
      )) as unknown as { id: number };
      return { action: 'created' as const, id: note.id };
    } catch (e) {
      const status = statusOf(e);
      if (status !== undefined && status < 500 && status !== 429)
        throw new ScmError(explainStatus('GitLab', status, 'create the plan note'), status);
      const after = await find();
      if (after) return { action: 'created' as const, id: after.id };
      const note = (await this.call('create the plan note', () =>
        this.api.MergeRequestNotes.create(this.o.projectId, this.o.mergeRequestIid, full),
      )) as unknown as { id: number };
      return { action: 'created' as const, id: note.id };
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

  forMergeRequest(number: number): GitlabPlatform {
    return new GitlabPlatform({ ...this.o, mergeRequestIid: number });
  }

  async readPlanNote(topic: string): Promise<string | undefined> {
    const tag = marker(topic);
    const notes = (await this.call('list merge request notes', () =>
      this.api.MergeRequestNotes.all(this.o.projectId, this.o.mergeRequestIid, { perPage: 100, maxPages: 20 }),
    )) as unknown as { body: string; system?: boolean }[];
    const note = notes.find((n) => !n.system && n.body.startsWith(tag));
    return note?.body.slice(tag.length + 1);
  }

  async listGroupMembers(group: string): Promise<string[]> {
    const members = (await this.call(`list the members of ${group}`, () =>
      this.api.GroupMembers.all(group, { includeInherited: true, perPage: 100, maxPages: 20 }),
    )) as unknown as { username: string }[];
    return members.map((m) => m.username).sort();
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(fn, statusOf);
    } catch (e) {
      const status = statusOf(e);
      throw new ScmError(explainStatus('GitLab', status, what), status);
    }
  }
}

function statusOf(e: unknown): number | undefined {
  const err = e as { cause?: { response?: { status?: number } }; message?: string };
  const s = err?.cause?.response?.status;
  if (typeof s === 'number') return s;
  const m = /last status code: (\d{3})/.exec(err?.message ?? '');
  return m ? Number(m[1]) : undefined;
}
