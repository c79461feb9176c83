import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GithubPlatform } from '../lib/scm/github/index.js';
import { GitlabPlatform } from '../lib/scm/gitlab/index.js';
import { ScmError } from '../lib/scm/types.js';
import { FakeHosts } from './support/fakeHosts.js';

process.env.FLINKOPS_RETRY_BASE_MS = '5';
const SHA = 'a'.repeat(40);
let hosts: FakeHosts;
beforeEach(async () => {
  hosts = await new FakeHosts().start();
});
afterEach(() => hosts.stop());

const gitlab = (token = hosts.gitlab.token, mr = hosts.gitlab.mr) =>
  new GitlabPlatform({ apiUrl: `${hosts.url}/api/v4`, projectId: hosts.gitlab.project, mergeRequestIid: mr, token });
const github = (token = hosts.github.token) =>
  new GithubPlatform({ apiUrl: hosts.url, owner: 'rent', repo: 'flink-jobs', pullNumber: hosts.github.pr, token });

describe('GitLab', () => {
  it('keeps one sticky plan note: a second plan updates it, never adds one', async () => {
    hosts.gitlab.notes.push({ id: 1, body: 'LGTM', system: false }, { id: 2, body: 'added 1 commit', system: true });
    const first = await gitlab().ensurePlanNote({ topic: 'plan:prod', body: 'Plan: 1 to add' });
    const second = await gitlab().ensurePlanNote({ topic: 'plan:prod', body: 'Plan: 2 to add' });
    const third = await gitlab().ensurePlanNote({ topic: 'plan:prod', body: 'Plan: 2 to add' });
    expect([first.action, second.action, third.action]).toEqual(['created', 'updated', 'unchanged']);
    expect(second.id).toBe(first.id);
    const ours = hosts.gitlab.notes.filter((n) => n.body.includes('flinkops:plan:prod'));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toBe('<!-- flinkops:plan:prod -->\nPlan: 2 to add');
    // Another environment's plan is another note.
    await gitlab().ensurePlanNote({ topic: 'plan:test', body: 'x' });
    expect(hosts.gitlab.notes).toHaveLength(4);
  });

  it('finds the note across pages', async () => {
    for (let i = 0; i < 150; i++) hosts.gitlab.notes.push({ id: i + 1, body: `comment ${i}`, system: false });
    await gitlab().ensurePlanNote({ topic: 'plan:prod', body: 'a' });
    await gitlab().ensurePlanNote({ topic: 'plan:prod', body: 'b' });
    expect(hosts.gitlab.notes.filter((n) => n.body.startsWith('<!-- flinkops'))).toHaveLength(1);
  });

  it('sets a commit status and reads approvals', async () => {
    await gitlab().setCommitStatus({
      sha: SHA,
      state: 'success',
      name: 'flinkops/plan:prod',
      description: 'Plan: 1 to add, 0 to change, 0 to destroy.',
    });
    expect(hosts.gitlab.statuses[0]).toMatchObject({ sha: SHA, state: 'success', name: 'flinkops/plan:prod' });
    expect(await gitlab().listApprovals()).toEqual(['zhang.wei']);
  });

  it('explains a refused token and a wrong merge request', async () => {
    await expect(gitlab('wrong').ensurePlanNote({ topic: 't', body: 'b' })).rejects.toThrow(
      /refused the token \(401\).*GITLAB_TOKEN/,
    );
    await expect(gitlab(undefined, 99).listApprovals()).rejects.toThrow(/404.*merge request/);
  });

  it('retries 503 and 429 on reads and updates, and gives up with a clear error', async () => {
    hosts.failNext(503, 2);
    expect(await gitlab().listApprovals()).toEqual(['zhang.wei']);
    hosts.failNext(503, 10);
    const err = await gitlab()
      .listApprovals()
      .catch((e) => e);
    expect(err).toBeInstanceOf(ScmError);
    expect(err.message).toMatch(/GitLab failed \(503\).*retried/);
  });

  it('does not create a duplicate note when the host failed after creating it', async () => {
    hosts.failNextOf('POST', 500, true);
    const r = await gitlab().ensurePlanNote({ topic: 'p', body: 'one' });
    expect(r.action).toBe('created');
    expect(hosts.gitlab.notes).toHaveLength(1);
  });

  it('creates the note when the host failed before creating it', async () => {
    hosts.failNextOf('POST', 503);
    await gitlab().ensurePlanNote({ topic: 'p', body: 'one' });
    expect(hosts.gitlab.notes).toHaveLength(1);
    expect(hosts.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
  });
});

describe('GitHub', () => {
  it('keeps one sticky plan comment', async () => {
    const a = await github().ensurePlanNote({ topic: 'plan:prod', body: 'Plan: 1 to add' });
    const b = await github().ensurePlanNote({ topic: 'plan:prod', body: 'Plan: 0 to add' });
    expect([a.action, b.action]).toEqual(['created', 'updated']);
    expect(hosts.github.comments).toHaveLength(1);
    expect(hosts.github.comments[0]!.body).toBe('<!-- flinkops:plan:prod -->\nPlan: 0 to add');
    expect(hosts.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'GET', 'PATCH']);
  });

  it('sets a commit status, and counts only the latest review of each reviewer', async () => {
    await github().setCommitStatus({
      sha: SHA,
      state: 'failed',
      name: 'flinkops/plan:prod',
      description: 'validation failed',
    });
    expect(hosts.github.statuses[0]).toMatchObject({ state: 'failure', context: 'flinkops/plan:prod' });
    hosts.github.reviews.push(
      { user: { login: 'a' }, state: 'APPROVED' },
      { user: { login: 'b' }, state: 'APPROVED' },
      { user: { login: 'b' }, state: 'CHANGES_REQUESTED' },
      { user: { login: 'c' }, state: 'COMMENTED' },
    );
    expect(await github().listApprovals()).toEqual(['a']);
  });

  it('honours Retry-After on 429 and explains 401', async () => {
    hosts.failNext(429, 1, { 'retry-after': '0' });
    expect(await github().listApprovals()).toEqual([]);
    await expect(github('nope').listApprovals()).rejects.toThrow(/refused the token \(401\).*GITHUB_TOKEN/);
  });
});
