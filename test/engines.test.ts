import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { PROJECT } from './support/fixture.js';

const pkg = JSON.parse(readFileSync(path.join(PROJECT, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(path.join(PROJECT, 'package-lock.json'), 'utf8'));

describe('Node engines', () => {
  it('every locked dependency runs on the oldest Node that package.json admits (npm install warns of none)', () => {
    const oldest = semver.minVersion(pkg.engines.node)!.version;
    const refusing = Object.entries(lock.packages as Record<string, { version?: string; engines?: { node?: string } }>)
      .filter(([name, p]) => name && p.engines?.node && !semver.satisfies(oldest, p.engines.node))
      .map(([name, p]) => `${name.replace(/^.*node_modules\//, '')}@${p.version} needs node ${p.engines!.node}`);
    expect(refusing, `package.json says node ${pkg.engines.node}`).toEqual([]);
  });
});
