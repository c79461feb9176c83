// Render (and so apply, diff and plan) refuses objects that would be written twice, names the
// operator derives that two jobs would share, and namespaces reserved for Kubernetes and the platform.
import { cpSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderEnv } from '../lib/render/render.js';
import { loadRepo } from '../lib/repo/load.js';
import { Fixture } from './support/fixture.js';

let fx: Fixture;
beforeEach(() => {
  fx = new Fixture();
});
afterEach(() => fx.dispose());

const render = () => {
  const { repo } = loadRepo(fx.root);
  return renderEnv(repo, { env: 'test' }).diagnostics.filter((d) => d.severity === 'error');
};
const copy = (from: string, to: string) =>
  cpSync(path.join(fx.root, from), path.join(fx.root, to), { recursive: true });

describe('render refuses conflicting objects', () => {
  it('two jobs of the same name in one namespace: one object written twice', () => {
    copy('jobs/rental', 'jobs/rental-copy');
    const ds = render().filter((d) => d.rule === 'render/duplicate-object');
    expect(ds.map((d) => d.message)).toContain(
      'FlinkDeployment/flink-rental/rental-metrics-1m would be written by both rental-copy/rental-metrics-1m and rental/rental-metrics-1m',
    );
  });

  it('jobs x and x-rest: the operator’s REST Service of x is the other’s own Service', () => {
    copy('jobs/rental/orders-enrich-house', 'jobs/rental/orders-enrich-house-rest');
    const ds = render().filter((d) => d.rule === 'render/derived-name');
    expect(ds[0]).toMatchObject({
      message:
        'the operator creates orders-enrich-house-rest in flink-rental for both FlinkDeployment orders-enrich-house-rest and orders-enrich-house',
      job: 'rental/orders-enrich-house-rest',
    });
  });

  it('a team may not claim kube-system or the platform’s namespace', () => {
    fx.edit('jobs/rental/team.yaml', 'namespace: flink-rental', 'namespace: kube-system');
    expect(render().filter((d) => d.rule === 'render/reserved-namespace')[0]).toMatchObject({
      file: 'jobs/rental/team.yaml',
      message: 'namespace kube-system is reserved for Kubernetes: no job may deploy there',
    });
    fx.edit('jobs/rental/team.yaml', 'namespace: kube-system', 'namespace: flinkops-system');
    expect(render().some((d) => d.rule === 'render/reserved-namespace')).toBe(true);
  });

  it('the sample renders clean', () => {
    expect(render()).toEqual([]);
  });
});
