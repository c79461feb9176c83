import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT } from './support/fixture.js';

/**
 * .gitlab-ci.yml checked by a real GitLab CI implementation (gitlab-ci-local): its JSON schema,
 * `workflow:rules`, job rules, `!reference` and `parallel:matrix` — which jobs each kind of
 * pipeline runs.
 */
let dir: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'flinkops-ci-'));
  for (const p of ['jobs', 'platform', 'templates', '.gitlab-ci.yml', 'package.json'])
    cpSync(path.join(PROJECT, p), path.join(dir, p), { recursive: true });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.email=ci@example', '-c', 'user.name=ci', 'commit', '-qm', 'init');
  // gitlab-ci-local reads the project path from origin's URL (never contacted) and compares
  // `changes:` with origin's default branch: a remote-tracking ref is enough.
  git('remote', 'add', 'origin', 'https://gitlab.rent.example/rent/flink-jobs.git');
  git('update-ref', 'refs/remotes/origin/main', 'HEAD');
  git('symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface ListedJob {
  name: string;
  when: string;
  stage: string;
  needs?: { job: string; optional: boolean }[];
}

function jobs(vars: Record<string, string>): string[] {
  return pipeline(vars)
    .map((j) => j.name)
    .sort();
}

function pipeline(vars: Record<string, string>): ListedJob[] {
  const args = [path.join(PROJECT, 'node_modules/gitlab-ci-local/src/index.js'), '--list-json'];
  for (const [k, v] of Object.entries(vars)) args.push('--variable', `${k}=${v}`);
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  expect(r.status, r.stderr + r.stdout).toBe(0);
  const list = JSON.parse(r.stdout.slice(r.stdout.search(/^\[/m))) as ListedJob[];
  return list.filter((j) => j.when !== 'never');
}

describe('the GitLab pipeline', () => {
  it('a merge request validates and plans each environment', () => {
    expect(jobs({ CI_PIPELINE_SOURCE: 'merge_request_event', CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main' })).toEqual([
      'plan: [prod]',
      'plan: [test]',
      'validate',
    ]);
  });

  it('a push to the default branch validates, applies test, then prod, and publishes the job catalog', () => {
    expect(jobs({ CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'main', CI_DEFAULT_BRANCH: 'main' })).toEqual([
      'apply:prod',
      'apply:test',
      'pages',
      'validate',
    ]);
  });

  it('a push to a branch with an open merge request starts no duplicate pipeline', () => {
    expect(
      jobs({ CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'feature', CI_OPEN_MERGE_REQUESTS: 'rent/flink-jobs!7' }),
    ).toEqual([]);
  });

  it('a trigger runs the run-time action only, and only when it names one', () => {
    expect(
      jobs({
        CI_PIPELINE_SOURCE: 'trigger',
        FLINKOPS_ACTION: 'start',
        FLINKOPS_JOB: 'homeservice/daily-settlement',
        FLINKOPS_ENV: 'prod',
      }),
    ).toEqual(['action']);
    expect(jobs({ CI_PIPELINE_SOURCE: 'trigger' })).toEqual([]);
  });

  it('a trigger on another branch runs nothing: its owners.yaml was never reviewed', () => {
    const action = { FLINKOPS_ACTION: 'stop', FLINKOPS_JOB: 'homeservice/daily-settlement', FLINKOPS_ENV: 'prod' };
    for (const source of ['trigger', 'api', 'pipeline'])
      expect(jobs({ CI_PIPELINE_SOURCE: source, CI_COMMIT_BRANCH: 'feature', ...action }), source).toEqual([]);
    expect(jobs({ CI_PIPELINE_SOURCE: 'api', CI_COMMIT_BRANCH: 'main', ...action })).toEqual(['action']);
  });

  it('a change to the Flink versions builds the base images and publishes the runner before any apply', () => {
    const text = execFileSync('cat', [path.join(dir, 'platform/versions.yaml')], { encoding: 'utf8' });
    execFileSync(
      'sh',
      ['-c', `printf '%s' "$1" > platform/versions.yaml`, 'sh', text.replace('java17-r4', 'java17-r5')],
      { cwd: dir },
    );
    git('-c', 'user.email=ci@example', '-c', 'user.name=ci', 'commit', '-qam', 'new image');
    try {
      const vars = { CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'main', CI_DEFAULT_BRANCH: 'main' };
      // One base-image job builds every version base-image:render wrote from platform/versions.yaml (no matrix here).
      expect(jobs(vars)).toEqual([
        'apply:prod',
        'apply:test',
        'base-image',
        'base-image:render',
        'pages',
        'runner:publish',
        'validate',
      ]);
      const list = pipeline(vars);
      const stages = ['validate', 'plan', 'image', 'apply'];
      const stageOf = (name: string) => stages.indexOf(list.find((j) => j.name === name)!.stage);
      for (const apply of ['apply:test', 'apply:prod']) {
        const needs = list.find((j) => j.name === apply)!.needs!.map((n) => n.job);
        expect(needs).toEqual(expect.arrayContaining(['base-image', 'runner:publish']));
        expect(stageOf(apply)).toBeGreaterThan(stageOf('base-image'));
        expect(stageOf(apply)).toBeGreaterThan(stageOf('runner:publish'));
      }
    } finally {
      git('reset', '-q', '--hard', 'HEAD~1');
    }
  });

  it('a merge request runs the tests of the jobs it reaches, shows their JUnit report and puts them in the plan note', () => {
    const ci = parse(readFileSync(path.join(PROJECT, '.gitlab-ci.yml'), 'utf8'), { logLevel: 'error' }) as {
      plan: { script: string[]; artifacts: { reports: { junit: string } } };
    };
    const script = ci.plan.script.join('\n');
    expect(script).toMatch(
      /flinkops test --changed --base "origin\/\$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" --env "\$ENV"/,
    );
    expect(script).toContain('--junit "test-$ENV.xml" --results "test-$ENV.json"');
    // the plan note is written even when a test failed; the job fails afterwards
    expect(script.indexOf('flinkops plan')).toBeGreaterThan(script.indexOf('flinkops test'));
    expect(script).toContain('--tests "test-$ENV.json"');
    expect(ci.plan.script[ci.plan.script.length - 1]).toBe('if [ -f tests-failed ]; then cat tests-failed; exit 1; fi');
    expect(ci.plan.artifacts.reports.junit).toBe('test-$ENV.xml');
  });

  it('the live schedule rebuilds the catalog with its live view; a push builds it after the applies, even a failed one', () => {
    expect(jobs({ CI_PIPELINE_SOURCE: 'schedule', FLINKOPS_SCHEDULE: 'live' })).toEqual(['pages']);
    const pages = pipeline({ CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'main', CI_DEFAULT_BRANCH: 'main' }).find(
      (j) => j.name === 'pages',
    )!;
    expect(pages.when).toBe('always');
    expect(pages.needs!.map((n) => n.job).sort()).toEqual(['apply:prod', 'apply:test']);
    expect(pages.needs!.every((n) => n.optional)).toBe(true);
  });

  it('the pages script: one status snapshot per environment, a cluster that does not answer left out, the site built with the others', () => {
    const ci = parse(readFileSync(path.join(PROJECT, '.gitlab-ci.yml'), 'utf8'), { logLevel: 'error' }) as {
      pages: { script: string[] };
    };
    // The script runs as written, with `npx flinkops` this checkout's CLI, except that `status`
    // answers for test (a snapshot of the shape status --json prints) and fails for prod, as an
    // unreachable cluster does.
    const work = mkdtempSync(path.join(tmpdir(), 'flinkops-pages-'));
    try {
      cpSync(dir, work, { recursive: true });
      const bin = path.join(work, '.bin');
      mkdirSync(bin);
      const snapshot = JSON.stringify({
        env: 'test',
        takenAt: '2026-12-01T16:00:00.000Z',
        jobs: [{ job: 'rental/rental-metrics-1m', health: 'failed', jobState: 'FAILED', message: 'job FAILED' }],
      });
      writeFileSync(
        path.join(bin, 'npx'),
        `#!/bin/sh
[ "$1" = flinkops ] || exit 127
shift
if [ "$1" = status ]; then
  [ "$3" = test ] && { printf '%s' '${snapshot}'; exit 0; }
  echo "flinkops status: no cluster" >&2; exit 1
fi
exec "${process.execPath}" "${path.join(PROJECT, 'bin/flinkops.mjs')}" "$@"
`,
      );
      chmodSync(path.join(bin, 'npx'), 0o755);
      const r = spawnSync('sh', ['-ec', ci.pages.script.join('\n')], {
        cwd: work,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      });
      expect(r.status, r.stderr + r.stdout).toBe(0);
      expect(r.stdout).toContain('no live view of prod (flinkops status exited 1)');
      expect(r.stdout).toContain('live view: test taken 2026-12-01T16:00:00.000Z');
      const live = readFileSync(path.join(work, 'public/live.html'), 'utf8');
      expect(live).toContain('No snapshot of prod');
      expect(live).toContain('href="jobs/rental/rental-metrics-1m.html"');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 600_000);

  it('the drift schedule checks every environment', () => {
    expect(jobs({ CI_PIPELINE_SOURCE: 'schedule', FLINKOPS_SCHEDULE: 'drift' })).toEqual([
      'drift: [prod]',
      'drift: [test]',
    ]);
  });
});
