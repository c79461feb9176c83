import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectHost, platformFromEnv } from '../lib/scm/detect.js';
import { GithubHost } from '../lib/scm/github/index.js';
import { GitlabHost } from '../lib/scm/gitlab/index.js';
import { platformForCommit } from '../lib/scm/merged.js';
import { scmPlatform } from '../lib/scm/platform.js';
import { type GitHost, type HostNote, marker, ScmError } from '../lib/scm/types.js';
import { FakeHosts } from './support/fakeHosts.js';

process.env.FLINKOPS_RETRY_BASE_MS = '5';
const SHA = 'a'.repeat(40);
let hosts: FakeHosts;
beforeEach(async () => {
  hosts = await new FakeHosts().start();
});
afterEach(() => hosts.stop());

const gitlab = (token = hosts.gitlab.token, mr = hosts.gitlab.mr) =>
  scmPlatform(
    new GitlabHost({ apiUrl: `${hosts.url}/api/v4`, projectId: hosts.gitlab.project, mergeRequestIid: mr, token }),
  );
const github = (token = hosts.github.token) =>
  scmPlatform(
    new GithubHost({ apiUrl: hosts.url, owner: 'rent', repo: 'flink-jobs', pullNumber: hosts.github.pr, token }),
  );
const someone = { id: 3, username: 'li.na' };

describe('GitLab', () => {
  it('keeps one sticky plan note: a second plan updates it, never adds one', async () => {
    hosts.gitlab.notes.push(
      { id: 1, body: 'LGTM', system: false, author: someone },
      { id: 2, body: 'added 1 commit', system: true, author: someone },
    );
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
    for (let i = 0; i < 150; i++)
      hosts.gitlab.notes.push({ id: i + 1, body: `comment ${i}`, system: false, author: someone });
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
    const err = (await gitlab()
      .listApprovals()
      .catch((e: unknown) => e)) as ScmError;
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
    // GET /user once per run, then list, create; list, update.
    expect(hosts.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /user',
      'GET /repos/rent/flink-jobs/issues/9/comments',
      'POST /repos/rent/flink-jobs/issues/9/comments',
      'GET /user',
      'GET /repos/rent/flink-jobs/issues/9/comments',
      'PATCH /repos/rent/flink-jobs/issues/comments/1000',
    ]);
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

// A comment anyone can write that starts with the plan marker: it must neither be taken over by
// `plan --comment` nor read by `apply` as the reviewed plan (issue 13, point 11).
const forged = `${marker('plan:prod')}\nplan hash \`${'f'.repeat(64)}\` · apply refuses any other plan`;

describe('the sticky note is the one written by the token’s own user', () => {
  it('GitLab: a note by another user carrying the marker is left alone and is not the plan', async () => {
    const mallory = { id: 66, username: 'mallory' };
    hosts.gitlab.notes.push({ id: 1, body: forged, system: false, author: mallory });
    expect(await gitlab().readPlanNote('plan:prod')).toBeUndefined();
    const r = await gitlab().ensurePlanNote({ topic: 'plan:prod', body: 'plan hash `abc`' });
    expect(r.action).toBe('created');
    expect(hosts.gitlab.notes.find((n) => n.id === 1)!.body).toBe(forged);
    expect(hosts.gitlab.notes.filter((n) => n.author.id === hosts.gitlab.user.id)).toHaveLength(1);
    expect(await gitlab().readPlanNote('plan:prod')).toBe('plan hash `abc`');
    // The same login on another account (a renamed user) is still someone else: ids decide on GitLab.
    hosts.gitlab.notes.splice(0, hosts.gitlab.notes.length, {
      id: 2,
      body: forged,
      system: false,
      author: { id: 67, username: hosts.gitlab.user.username },
    });
    expect(await gitlab().readPlanNote('plan:prod')).toBeUndefined();
  });

  it('GitHub with a personal access token: GET /user names the author', async () => {
    hosts.github.comments.push({ id: 5, body: forged, html_url: 'x', user: { id: 66, login: 'mallory' } });
    expect(await github().readPlanNote('plan:prod')).toBeUndefined();
    await github().ensurePlanNote({ topic: 'plan:prod', body: 'one' });
    await github().ensurePlanNote({ topic: 'plan:prod', body: 'two' });
    expect(hosts.github.comments.map((c) => [c.user.login, c.body])).toEqual([
      ['mallory', forged],
      ['flinkops-bot', `${marker('plan:prod')}\ntwo`],
    ]);
    expect(hosts.requests.filter((q) => q.method === 'PATCH').map((q) => q.path)).toEqual([
      '/repos/rent/flink-jobs/issues/comments/1000',
    ]);
  });

  it('GitHub Actions’ GITHUB_TOKEN: the author is github-actions[bot]; a user’s comment is not the plan', async () => {
    hosts.github.tokenKind = 'installation';
    hosts.github.comments.push({ id: 5, body: forged, html_url: 'x', user: { id: 66, login: 'mallory' } });
    const a = await github().ensurePlanNote({ topic: 'plan:prod', body: 'one' });
    const b = await github().ensurePlanNote({ topic: 'plan:prod', body: 'two' });
    expect([a.action, b.action]).toEqual(['created', 'updated']);
    expect(hosts.github.comments[0]!.body).toBe(forged);
    expect(hosts.github.comments[1]!.user.login).toBe('github-actions[bot]');
    expect(await github().readPlanNote('plan:prod')).toBe('two');
  });

  it('GitHub App installation token: FLINKOPS_GITHUB_APP_SLUG names the bot, github-actions[bot] is someone else', async () => {
    hosts.github.tokenKind = 'installation';
    const app = (slug?: string) =>
      scmPlatform(
        new GithubHost({
          apiUrl: hosts.url,
          owner: 'rent',
          repo: 'flink-jobs',
          pullNumber: hosts.github.pr,
          token: hosts.github.token,
          ...(slug ? { appSlug: slug } : {}),
        }),
      );
    hosts.github.comments.push(
      {
        id: 5,
        body: `${marker('plan:prod')}\nby actions`,
        html_url: 'x',
        user: { id: 41898282, login: 'github-actions[bot]' },
      },
      {
        id: 6,
        body: `${marker('plan:prod')}\nby the app`,
        html_url: 'y',
        user: { id: 900, login: 'flinkops-app[bot]' },
      },
    );
    expect(await app('flinkops-app').readPlanNote('plan:prod')).toBe('by the app');
    expect(await app().readPlanNote('plan:prod')).toBe('by actions');
  });

  it('a token whose user cannot be read is an explained error, not a guess', async () => {
    hosts.failNext(401);
    await expect(gitlab().readPlanNote('plan:prod')).rejects.toThrow(/GitLab refused the token \(401\).*read the user/);
  });
});

describe('mentions in notes are neutralised', () => {
  // The hosts' own patterns, as the judge: GitLab's user/group reference (`(?<!\w)@` and a path) and
  // GitHub's mention filter (`@` after a non-word character, a login or `org/team`).
  const gitlabMention = /(?<![A-Za-z0-9_])@[A-Za-z0-9_.]/;
  const githubMention = /(?:^|\W)@[a-z0-9]/im;
  const body = [
    'Owners: @rent/rental-analysts @zhao.min → @all @here @rent/datasync/oncall',
    '> ⚠️ owners changed: now `@org/team`, (@zhang.wei)',
    '<details><summary><code>~ rental/rental-metrics-1m</code> — update @li.na</summary>',
    '```diff',
    "+WHERE remark <> '@all' -- ops@rent.example keeps its address",
    '```',
    '/merge',
    '/approve @someone',
  ].join('\n');

  for (const [name, host, read] of [
    ['GitLab', () => gitlab(), () => hosts.gitlab.notes.at(-1)!.body],
    ['GitHub', () => github(), () => hosts.github.comments.at(-1)!.body],
  ] as const)
    it(`${name}: the posted note pings nobody, runs no quick action and reads the same`, async () => {
      await host().ensurePlanNote({ topic: 'plan:prod', body });
      const posted = read();
      for (const line of posted.split('\n')) {
        expect(line).not.toMatch(gitlabMention);
        expect(line).not.toMatch(githubMention);
        expect(line).not.toMatch(/^\/\w/);
      }
      // Nothing else changed: without the invisible word joiners it is the text flinkops wrote.
      expect(posted.replaceAll('\u2060', '')).toBe(`${marker('plan:prod')}\n${body}`);
      expect(posted).toContain('ops@rent.example');
      // Posting the same plan again finds it unchanged (neutralising is stable).
      expect((await host().ensurePlanNote({ topic: 'plan:prod', body })).action).toBe('unchanged');
    });
});

describe('one host detection, one note routine', () => {
  const gitlabEnv = () => ({
    GITLAB_CI: 'true',
    CI_API_V4_URL: `${hosts.url}/api/v4`,
    CI_PROJECT_ID: hosts.gitlab.project,
    GITLAB_TOKEN: hosts.gitlab.token,
  });

  it('names the host from the CI variables, and what is missing', async () => {
    expect(() => detectHost({})).toThrow(
      'no Git host found: set the GitLab (CI_API_V4_URL, CI_PROJECT_ID, GITLAB_TOKEN) or GitHub (GITHUB_REPOSITORY, GITHUB_TOKEN) variables',
    );
    expect(() => detectHost({ GITLAB_CI: 'true', CI_API_V4_URL: 'x' })).toThrow(
      'GitLab: CI_PROJECT_ID, GITLAB_TOKEN not set (a project access token with api scope in GITLAB_TOKEN)',
    );
    expect(() => platformFromEnv(gitlabEnv())).toThrow(/CI_MERGE_REQUEST_IID not set/);
    expect(() =>
      platformFromEnv({ GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'rent/flink-jobs', GITHUB_TOKEN: 't' }),
    ).toThrow(/GITHUB_EVENT_PATH not set/);
    // The same detection serves plan --comment (the pipeline's merge request) and apply (the commit's).
    const plan = platformFromEnv({ ...gitlabEnv(), CI_MERGE_REQUEST_IID: String(hosts.gitlab.mr) });
    expect(plan.host).toBe('gitlab');
    await plan.ensurePlanNote({ topic: 'plan:prod', body: 'x' });
    const merge = 'c'.repeat(40);
    hosts.gitlab.mergeRequestsOfCommit[merge] = [{ iid: hosts.gitlab.mr, state: 'merged', merge_commit_sha: merge }];
    const bound = await platformForCommit(merge, gitlabEnv());
    expect(bound?.number).toBe(hosts.gitlab.mr);
    expect(await bound!.platform.readPlanNote('plan:prod')).toBe('x');
  });

  it('a third host is only its primitives: the shared routine keeps its note sticky and ignores forgeries', async () => {
    // An in-memory host (as a new folder under lib/scm/ would implement against its API).
    const notes: HostNote[] = [{ id: 1, body: forged, author: { login: 'mallory' } }];
    const third: GitHost = {
      name: 'third',
      noteLimit: 200,
      whoAmI: async () => ({ login: 'flinkops' }),
      listNotes: async () => notes.map((n) => ({ ...n })),
      createNote: async (body) => {
        notes.push({ id: notes.length + 1, body, author: { login: 'flinkops' } });
        return { id: notes.length };
      },
      updateNote: async (id, body) => {
        notes.find((n) => n.id === id)!.body = body;
      },
      setCommitStatus: async () => {},
      listApprovals: async () => [],
      findMergeRequest: async () => undefined,
      forMergeRequest: () => third,
      listGroupMembers: async () => [],
    };
    const p = scmPlatform(third);
    expect((await p.ensurePlanNote({ topic: 'plan:prod', body: 'a @all' })).action).toBe('created');
    expect((await p.ensurePlanNote({ topic: 'plan:prod', body: 'b @all' })).action).toBe('updated');
    expect(notes.map((n) => n.body)).toEqual([forged, `${marker('plan:prod')}\nb @\u2060all`]);
    expect(await p.readPlanNote('plan:prod')).toBe('b @\u2060all');
    await expect(p.ensurePlanNote({ topic: 'plan:prod', body: 'x'.repeat(200) })).rejects.toThrow(
      /third: the note has 228 characters, more than the host accepts \(200\)/,
    );
  });
});
