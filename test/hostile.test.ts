// Hostile repository content: files from outside, bytes that are not text, variables that explode
// or refer to themselves, JavaScript's own names, SQL nested beyond reason. Each is an ordinary
// diagnostic at its position — never a silent change, never an internal error.
import { mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../lib/diagnostics/diagnostic.js';
import { renderEnv } from '../lib/render/render.js';
import { loadRepo } from '../lib/repo/load.js';
import { resolveJob } from '../lib/resolve/config.js';
import { Fixture } from './support/fixture.js';

let fx: Fixture;
beforeEach(() => {
  fx = new Fixture();
});
afterEach(() => fx.dispose());

const job = 'jobs/datasync/kafka-orders-to-paimon';
const rules = (ds: Diagnostic[], rule: string) => ds.filter((d) => d.rule === rule);

describe('files from outside the repository', () => {
  it('a platform/ folder that is a link to a place outside is refused, not read', () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'flinkops-platform-'));
    renameSync(path.join(fx.root, 'platform'), path.join(outside, 'platform'));
    symlinkSync(path.join(outside, 'platform'), path.join(fx.root, 'platform'));
    const ds = rules(fx.validate(), 'repo/symlink-escape');
    expect(ds.map((d) => d.file)).toContain('platform/versions.yaml');
    expect(ds[0]!.message).toMatch(/leads outside the repository through a symbolic link/);
  });

  it('a SQL file linking into .git is refused and never reaches the rendered ConfigMap', () => {
    mkdirSync(path.join(fx.root, '.git'));
    writeFileSync(path.join(fx.root, '.git/config'), '[remote "origin"]\n  url = https://token:s3cret@git.example/x\n');
    symlinkSync('../../../.git/config', path.join(fx.root, job, '03-config.sql'));
    const ds = rules(fx.validate(), 'repo/symlink-escape');
    expect(ds).toContainEqual(
      expect.objectContaining({ file: `${job}/03-config.sql`, message: expect.stringContaining('leads into .git') }),
    );
    const { repo } = loadRepo(fx.root);
    const r = renderEnv(repo, {
      env: 'test',
      jobs: repo.jobs.filter((j) => j.id === 'datasync/kafka-orders-to-paimon'),
    });
    expect(JSON.stringify(r.objects)).not.toContain('s3cret');
  });
});

describe('bytes that are not text', () => {
  it('invalid UTF-8 is an error at its line and column, not U+FFFD in the deployed SQL', () => {
    writeFileSync(
      path.join(fx.root, job, '03-bad.sql'),
      Buffer.concat([Buffer.from('-- ok\nSELECT 1 AS x'), Buffer.from([0xc3, 0x28]), Buffer.from(';\n')]),
    );
    expect(rules(fx.validate(), 'repo/encoding')).toEqual([
      expect.objectContaining({ file: `${job}/03-bad.sql`, line: 2, column: 14, severity: 'error' }),
    ]);
  });

  it('a byte-order mark is an error, not part of the first key', () => {
    fx.write(`${job}/job.yaml`, `\ufeff${fx.read(`${job}/job.yaml`)}`);
    expect(rules(fx.validate(), 'repo/encoding')).toEqual([
      expect.objectContaining({ file: `${job}/job.yaml`, message: expect.stringContaining('byte-order mark') }),
    ]);
  });
});

describe('variables', () => {
  it('JavaScript names are ordinary: `__proto__` is a key like any other, `${toString}` is undefined', () => {
    fx.edit(`${job}/job.yaml`, 'vars:\n', 'vars:\n  __proto__: proto-value\n  constructor: built\n');
    fx.write(`${job}/03-names.sql`, "SELECT '${__proto__}', '${constructor}', '${toString}', '${hasOwnProperty}';\n");
    const undefinedNames = rules(fx.validate(), 'vars/undefined')
      .filter((d) => d.file === `${job}/03-names.sql` && d.message.endsWith('"test"'))
      .map((d) => d.message);
    expect(undefinedNames).toEqual([
      '${toString} is not defined for environment "test"',
      '${hasOwnProperty} is not defined for environment "test"',
    ]);
    const { repo } = loadRepo(fx.root);
    const eff = resolveJob(repo, repo.jobs.find((j) => j.id === 'datasync/kafka-orders-to-paimon')!, 'test');
    expect(Object.getOwnPropertyDescriptor(eff.effective!.vars, '__proto__')?.value).toBe('proto-value');
    expect(eff.effective!.vars.constructor).toBe('built');
  });

  it('a variable that expands exponentially is refused at its position, quickly', () => {
    const lines = ['  v0: xxxxxxxxxxxxxxxx'];
    for (let i = 1; i <= 30; i++) lines.push(`  v${i}: \${v${i - 1}}\${v${i - 1}}`);
    fx.edit(`${job}/job.yaml`, 'vars:\n', `vars:\n${lines.join('\n')}\n`);
    fx.write(`${job}/03-bomb.sql`, "SELECT '${v30}';\n");
    const ds = rules(fx.validate(), 'vars/too-large');
    expect(ds[0]).toMatchObject({ file: `${job}/job.yaml`, severity: 'error' });
    expect(ds[0]!.message).toMatch(/^variable "v1[0-9]" would expand to more than 262144 characters/);
    expect(ds[0]!.line).toBeGreaterThan(5);
  });

  it('a cycle is reported with its path, and never deployed literally', () => {
    fx.edit(`${job}/job.yaml`, 'vars:\n', 'vars:\n  a: x${b}\n  b: y${a}\n');
    fx.write(`${job}/03-cycle.sql`, "SELECT '${a}';\n");
    const ds = rules(fx.validate(), 'vars/cycle');
    expect(ds.map((d) => d.message)).toContain('variable "a" refers to itself: a → b → a');
    const { repo } = loadRepo(fx.root);
    const r = renderEnv(repo, {
      env: 'test',
      jobs: repo.jobs.filter((j) => j.id === 'datasync/kafka-orders-to-paimon'),
    });
    expect(r.diagnostics.some((d) => d.severity === 'error')).toBe(true);
  });
});

describe('SQL nested beyond reason', () => {
  it('30 KB of nested parentheses is an ordinary syntax error', () => {
    const depth = 15_000;
    fx.write(`${job}/03-deep.sql`, `SELECT ${'('.repeat(depth)}1${')'.repeat(depth)} AS x;\n`);
    const ds = rules(fx.validate(), 'sql/syntax').filter((d) => d.file === `${job}/03-deep.sql`);
    expect(ds).toEqual([
      expect.objectContaining({
        line: 1,
        column: 'SELECT '.length + 129,
        message: expect.stringContaining('nested more than 128 deep'),
      }),
    ]);
  });
});
