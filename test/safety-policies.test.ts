import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fixture } from './support/fixture.js';

let fx: Fixture;
beforeEach(() => {
  fx = new Fixture();
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', fx.root, '-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'base');
});
afterEach(() => fx.dispose());

// A policy file of the wrong shape: a list, a scalar, `policies:` a map, a policy that is not a mapping.
const SHAPES: [string, string, RegExp][] = [
  ['a list', '- a\n- b\n', /1:1 +error +the file must be a mapping, not a list/],
  ['a scalar', 'just a scalar\n', /1:1 +error +the file must be a mapping, not string/],
  ['policies: a map', 'policies: {a: 1}\n', /1:11 +error +"policies" must be a list, not a mapping/],
  ['a policy that is a number', 'policies: [1]\n', /1:12 +error +"policies.0" must be a mapping, not number 1/],
];

describe('a policy file of the wrong shape is a diagnostic at file:line:column, exit 1', () => {
  for (const [what, text, diagnostic] of SHAPES)
    it(`${what}: validate, render and plan`, () => {
      fx.write('platform/policies/x.yaml', text);
      for (const args of [['validate'], ['render', '--env', 'test'], ['plan', '--env', 'test', '--base', 'HEAD']]) {
        const r = fx.cli(...args);
        const out = r.stdout + r.stderr;
        expect(r.code, `${args[0]}: ${out}`).toBe(1);
        expect(out).toContain('platform/policies/x.yaml\n');
        expect(out).toMatch(diagnostic);
        expect(out).not.toMatch(/internal error|\n\s+at /);
      }
    });
});
