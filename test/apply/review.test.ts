// "Only the reviewed plan": apply on the default branch recomputes the merge's plan and compares
// its hash with the one in the merge request's sticky note (fake GitLab/GitHub that check each
// request), and with approval.requireOwnerApproval needs an owner's approval; a real API server.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply } from '../../actions/apply.js';
import type { KubeClient } from '../../lib/k8s/client.js';
import { computePlan } from '../../lib/plan/plan.js';
import { GithubHost } from '../../lib/scm/github/index.js';
import { GitlabHost } from '../../lib/scm/gitlab/index.js';
import { scmPlatform } from '../../lib/scm/platform.js';
import { marker } from '../../lib/scm/types.js';
import { startKubeForTests, type KubeCluster } from '../kube/harness.js';
import { FakeHosts } from '../support/fakeHosts.js';
import { GitFixture } from '../support/gitRepo.js';
import { admin, ensureNamespace, flinkPath, get, isolate } from './support.js';

let kube: KubeCluster | undefined;
let k: KubeClient;
let hosts: FakeHosts;
let fx: GitFixture;
let sfx: string;
let merge: string;
let hash: string;
const systemNs = `flinkops-it-${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  hosts = await new FakeHosts().start();
  process.env.FLINKOPS_RETRY_BASE_MS = '5';
  fx = new GitFixture();
  sfx = isolate(fx);
  fx.edit('platform/envs/test.yaml', 'requireOwnerApproval: false', 'requireOwnerApproval: true');
  fx.commit('namespaces of this test; owners approve in test');
  fx.git('checkout', '-q', '-b', 'feature');
  fx.edit('jobs/datasync/kafka-orders-to-paimon/job.yaml', 'parallelism: 1', 'parallelism: 2');
  fx.commit('more parallelism in test');
  fx.git('checkout', '-q', 'main');
  fx.git('merge', '-q', '--no-ff', '-m', 'Merge branch feature', 'feature');
  merge = fx.git('rev-parse', 'HEAD').trim();
  const computed = await computePlan({ root: fx.root, env: 'test', base: 'HEAD^1', classify: false });
  if ('refused' in computed) throw new Error('the fixture does not load');
  hash = computed.plan.planHash;
  Object.assign(process.env, {
    CI_API_V4_URL: `${hosts.url}/api/v4`,
    CI_PROJECT_ID: hosts.gitlab.project,
    GITLAB_TOKEN: hosts.gitlab.token,
    FLINKOPS_NAMESPACE: systemNs,
  });
  hosts.gitlab.mergeRequestsOfCommit[merge] = [{ iid: hosts.gitlab.mr, state: 'merged', merge_commit_sha: merge }];
  hosts.gitlab.groupMembers['rent/datasync-engineers'] = ['wang.fang'];
  kube = await startKubeForTests();
  if (!kube) return;
  k = await admin(kube.kubeconfig);
  await ensureNamespace(k, systemNs);
}, 20 * 60_000);

afterAll(async () => {
  fx?.dispose();
  await hosts?.stop();
  if (!kube) return;
  k.close();
  await kube.stop();
}, 120_000);

const note = (h: string) =>
  `${marker('plan:test')}\n### flinkops plan — test\n…\n<sub>plan hash \`${h}\` · abc → def · apply refuses any other plan</sub>\n`;
const run = () =>
  apply({
    repo: fx.root,
    env: 'test',
    jobs: [],
    changed: true,
    base: 'HEAD^1',
    requireReview: true,
    kubeconfig: kube!.kubeconfig,
    context: 'flinkops-local',
    json: true,
  });
const ns = () => `flink-datasync-${sfx}`;

describe('apply applies only the reviewed plan', () => {
  it('refuses when the merge request has no plan note', async (ctx) => {
    if (!kube) return ctx.skip();
    hosts.gitlab.notes.length = 0;
    const r = await run();
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      `flinkops apply: refused (apply/unreviewed-plan): no reviewed plan for test on merge request !${hosts.gitlab.mr}\n  hint: run \`flinkops plan --comment\` in the merge request pipeline (it posts the plan hash), or pass --plan-hash\nnothing was applied\n`,
    );
  });

  it('refuses a plan that differs from the reviewed one, and changes nothing', async (ctx) => {
    if (!kube) return ctx.skip();
    hosts.gitlab.notes.push({ id: 1, body: note('0'.repeat(64)), system: false, author: hosts.gitlab.user });
    const r = await run();
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      `the plan to apply (${hash.slice(0, 12)}) differs from the plan reviewed on merge request !${hosts.gitlab.mr} (000000000000)`,
    );
    expect(JSON.parse(r.stdout)).toMatchObject({ results: [], refused: { rule: 'apply/unreviewed-plan' } });
    expect(await get(k, flinkPath(ns(), 'kafka-orders-to-paimon'))).toBeUndefined();
    // The host was asked which merge request the merge commit came from.
    expect(
      hosts.requests.some(
        (q) => q.path === `/api/v4/projects/${hosts.gitlab.project}/repository/commits/${merge}/merge_requests`,
      ),
    ).toBe(true);
  });

  it('a note by someone else that carries the marker and the right hash is not the reviewed plan', async (ctx) => {
    if (!kube) return ctx.skip();
    const ours = hosts.gitlab.notes.splice(0);
    const mallory = { id: 66, username: 'mallory' };
    hosts.gitlab.notes.push({ id: 2, body: note(hash), system: false, author: mallory });
    let r = await run();
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`no reviewed plan for test on merge request !${hosts.gitlab.mr}`);
    // Listed before flinkops' own note, it still does not count: the own note's (other) hash decides.
    hosts.gitlab.notes.push(...ours);
    r = await run();
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`differs from the plan reviewed on merge request !${hosts.gitlab.mr} (000000000000)`);
    expect(await get(k, flinkPath(ns(), 'kafka-orders-to-paimon'))).toBeUndefined();
    hosts.gitlab.notes.splice(0, hosts.gitlab.notes.length, ...ours);
  });

  it('refuses the reviewed plan when no owner of the changed job approved', async (ctx) => {
    if (!kube) return ctx.skip();
    hosts.gitlab.notes[0]!.body = note(hash);
    hosts.gitlab.approvedBy = ['someone.else'];
    const r = await run();
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      'refused (apply/owner-approval): no owner approved datasync/kafka-orders-to-paimon (owners: @zhang.wei, @rent/datasync-engineers) on merge request !7 (approved by: @someone.else)',
    );
  });

  it('applies the reviewed plan once a member of an owning group approved', async (ctx) => {
    if (!kube) return ctx.skip();
    hosts.gitlab.approvedBy = ['wang.fang'];
    const r = await run();
    expect(r.exitCode, r.stderr).toBe(0);
    const results = JSON.parse(r.stdout).results as { kind: string; name: string; result: string }[];
    expect(results.find((x) => x.kind === 'FlinkDeployment')).toMatchObject({
      name: 'kafka-orders-to-paimon',
      result: 'created',
    });
    // Only the changed job: --changed applied one job's objects (and its namespace's shared ones).
    expect(new Set(results.filter((x) => x.kind === 'FlinkDeployment').map((x) => x.name))).toEqual(
      new Set(['kafka-orders-to-paimon']),
    );
    expect((await get(k, flinkPath(ns(), 'kafka-orders-to-paimon')))!.spec!.job.parallelism).toBe(2);
  });

  it('--plan-hash stands in for the note', async (ctx) => {
    if (!kube) return ctx.skip();
    const r = await apply({
      repo: fx.root,
      env: 'test',
      jobs: ['datasync/kafka-orders-to-paimon'],
      requireReview: true,
      planHash: 'f'.repeat(64),
      kubeconfig: kube!.kubeconfig,
      context: 'flinkops-local',
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('differs from the plan reviewed on merge request !7 (ffffffffffff)');
  });
});

describe('Git hosts: the merge request of a commit, the plan note, group members', () => {
  it('GitLab', async () => {
    const gl = scmPlatform(
      new GitlabHost({
        apiUrl: `${hosts.url}/api/v4`,
        projectId: hosts.gitlab.project,
        mergeRequestIid: 0,
        token: hosts.gitlab.token,
      }),
    );
    expect(await gl.findMergeRequest(merge)).toBe(7);
    expect(await gl.findMergeRequest('a'.repeat(40))).toBeUndefined();
    hosts.gitlab.notes.splice(0, hosts.gitlab.notes.length, {
      id: 5,
      body: note(hash),
      system: false,
      author: hosts.gitlab.user,
    });
    expect(await gl.forMergeRequest(7).readPlanNote('plan:test')).toContain(`plan hash \`${hash}\``);
    expect(await gl.forMergeRequest(7).readPlanNote('plan:prod')).toBeUndefined();
    expect(await gl.listGroupMembers('rent/datasync-engineers')).toEqual(['wang.fang']);
  });

  it('GitHub', async () => {
    const h = hosts.github;
    const gh = scmPlatform(
      new GithubHost({ apiUrl: hosts.url, owner: h.owner, repo: h.repo, pullNumber: 0, token: h.token }),
    );
    h.pullsOfCommit[merge] = [
      { number: 8, merged_at: null, merge_commit_sha: 'b'.repeat(40) },
      { number: h.pr, merged_at: '2025-01-01T00:00:00Z', merge_commit_sha: merge },
    ];
    expect(await gh.findMergeRequest(merge)).toBe(h.pr);
    h.comments.push({ id: 77, body: note(hash), html_url: 'x', user: h.user });
    expect(await gh.forMergeRequest(h.pr).readPlanNote('plan:test')).toContain(hash);
    h.teamMembers['rent/datasync-engineers'] = ['wang-fang'];
    expect(await gh.listGroupMembers('rent/datasync-engineers')).toEqual(['wang-fang']);
  });
});
