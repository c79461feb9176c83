// A plan is produced only from revisions that load: a broken merge request must not look harmless
// in its note. Git problems of the user's clone are exit 1 with a hint, never an internal error.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plan as planAction } from '../actions/plan.js';
import { computePlan } from '../lib/plan/plan.js';
import { PROJECT } from './support/fixture.js';
import { GitFixture } from './support/gitRepo.js';

let fx: GitFixture;
const outside = mkdtempSync(path.join(tmpdir(), 'flinkops-outside-'));
writeFileSync(path.join(outside, 'secret.yaml'), 'owners: ["@mallory"]\n');

beforeEach(() => {
  fx = new GitFixture();
  fx.git('checkout', '-q', '-b', 'feature');
});
afterEach(() => fx.dispose());

const run = () =>
  planAction({ repo: fx.root, env: 'test', base: 'main', format: 'text', comment: false, classify: false });

const job = 'jobs/rental/rental-metrics-1m';
const bomb = `a: &a ["x","x","x","x","x","x","x","x","x","x"]\n${Array.from(
  { length: 9 },
  (_, i) =>
    `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
      .fill(`*${String.fromCharCode(97 + i)}`)
      .join(',')}]`,
).join('\n')}\n`;

describe('plan refuses a revision that does not load', () => {
  const broken: [string, () => void, string][] = [
    [
      'a job.yaml that does not parse',
      () => fx.write(`${job}/job.yaml`, 'type: sql\nparallelism: [1\n'),
      'yaml/syntax',
    ],
    [
      'an oversized job.yaml',
      () => fx.write(`${job}/job.yaml`, `type: sql\n# ${'x'.repeat(1024 * 1024)}\n`),
      'repo/file-too-large',
    ],
    ['a YAML alias bomb', () => fx.write(`${job}/job.yaml`, bomb), 'yaml/aliases'],
    [
      'an owners.yaml linking outside the repository',
      () => {
        rmSync(path.join(fx.root, job, 'owners.yaml'));
        symlinkSync(path.join(outside, 'secret.yaml'), path.join(fx.root, job, 'owners.yaml'));
      },
      'repo/symlink-escape',
    ],
    [
      'an owners.yaml that is a folder (unreadable)',
      () => {
        rmSync(path.join(fx.root, job, 'owners.yaml'));
        fx.write(`${job}/owners.yaml/x`, '');
      },
      'repo/unreadable',
    ],
  ];
  for (const [what, breakIt, rule] of broken)
    it(`the head: ${what}`, async () => {
      breakIt();
      fx.commit(what);
      const r = await run();
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(rule);
      expect(r.stderr).toContain('flinkops plan: no plan — fix the repository first');
    });

  it('the base revision, named as such', async () => {
    fx.git('checkout', '-q', 'main');
    fx.write(`${job}/job.yaml`, 'type: sql\nparallelism: [1\n');
    fx.commit('break main');
    fx.git('checkout', '-q', '-B', 'feature');
    fx.edit(`${job}/job.yaml`, 'parallelism: [1\n', 'parallelism: 1\n');
    fx.commit('fix it on the branch');
    const r = await computePlan({ root: fx.root, env: 'test', base: 'main', classify: false });
    expect('refused' in r && r.refused.map((d) => d.message).join('\n')).toMatch(
      /^in the base revision [0-9a-f]{12}: /,
    );
  });
});

describe('git problems are the user’s to fix: exit 1 with a hint', () => {
  it('an unknown base', () => {
    const r = fx.cli('plan', '--env', 'test', '--base', 'no-such-ref');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('flinkops plan: "no-such-ref" is not a branch, tag or commit in this clone');
    expect(r.stderr).toContain('hint:');
    expect(r.stderr).not.toContain('internal error');
  });

  it('a shallow clone without the merge base says how much history to fetch', () => {
    for (let i = 0; i < 3; i++) {
      fx.write(`${job}/note-${i}.txt`, `${i}\n`);
      fx.commit(`feature ${i}`);
    }
    fx.git('checkout', '-q', 'main');
    for (let i = 0; i < 3; i++) {
      fx.write(`platform/note-${i}.txt`, `${i}\n`);
      fx.commit(`main ${i}`);
    }
    const clone = mkdtempSync(path.join(tmpdir(), 'flinkops-shallow-'));
    try {
      execFileSync('git', ['clone', '-q', '--depth', '1', '--no-single-branch', `file://${fx.root}`, clone]);
      execFileSync('git', ['-C', clone, 'checkout', '-q', 'feature']);
      const bin = path.join(PROJECT, 'bin/flinkops.mjs');
      const p = spawnSync(process.execPath, [bin, 'plan', '--env', 'test', '--base', 'origin/main', '--repo', clone], {
        encoding: 'utf8',
      });
      const r = { code: p.status, stderr: p.stderr };
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/this clone is shallow \(1 commits deep\) and does not reach/);
      expect(r.stderr).toContain('hint: fetch the whole history: git fetch --unshallow (in GitLab CI set GIT_DEPTH: 0');
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });
});
