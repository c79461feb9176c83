import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtInCrdDir, loadCrds, OPERATOR_VERSION } from '../../lib/render/crds.js';

describe('the pinned operator CRDs (crds/flink-kubernetes-operator/<version>/)', () => {
  const dir = builtInCrdDir();

  it('are the unmodified files of the release their README names', () => {
    expect(path.basename(dir)).toBe(OPERATOR_VERSION);
    const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
    expect(readme).toContain(`tag \`release-${OPERATOR_VERSION}\``);
    const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
    expect(files.sort()).toEqual([
      'flinkdeployments.flink.apache.org-v1.yml',
      'flinksessionjobs.flink.apache.org-v1.yml',
    ]);
    for (const f of files) {
      // The blob id git gives the file must be the one the README lists (the file at the tag).
      const blob = execFileSync('git', ['hash-object', path.join(dir, f)], { encoding: 'utf8' }).trim();
      expect(readme).toContain(`| \`${f}\` | \`${blob}\` |`);
    }
  });

  it('give a validator for each kind flinkops renders', () => {
    expect([...loadCrds(dir).byType.keys()].sort()).toEqual([
      'flink.apache.org/v1beta1/FlinkDeployment',
      'flink.apache.org/v1beta1/FlinkSessionJob',
    ]);
  });
});
