// The cluster commands' usage errors and cluster problems, through the bundled CLI (no cluster needed).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { authorize } from '../../lib/jobctl/authorize.js';
import { signature } from '../../lib/jobctl/callback.js';
import { callerFromEnv } from '../../lib/jobctl/identity.js';
import { actionPatch } from '../../lib/jobctl/patch.js';
import { healthOf } from '../../lib/apply/health.js';
import { inWaves } from '../../lib/apply/order.js';
import { Fixture } from '../support/fixture.js';

const fx = new Fixture();
afterAll(() => fx.dispose());

describe('cluster commands on the command line', () => {
  it('an unknown context is a cluster problem with a hint (exit 1), never another cluster', () => {
    const kubeconfig = path.join(fx.root, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: other, context: {cluster: c, user: u}}]\ncurrent-context: other\n',
    );
    const r = fx.cli('apply', '--env', 'prod', '--kubeconfig', kubeconfig);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'flinkops apply: no context "k8s-prod" in the kubeconfig (contexts: other)\n  hint: pass --context NAME, or fix kubernetes.context in platform/envs/<env>.yaml\n',
    );
  });

  it('wrong usage exits 2', () => {
    expect(fx.cli('apply', '--env', 'test', '--changed').code).toBe(2);
    expect(fx.cli('action', 'explode', 'daily-settlement', '--env', 'test').stderr).toContain(
      'unknown action "explode" (actions: start, stop, suspend, savepoint, restart, run, restore)',
    );
    expect(
      fx.cli('action', 'stop', 'daily-settlement', '--env', 'test', '--callback', 'https://ds.example/cb').stderr,
    ).toContain('--callback needs FLINKOPS_CALLBACK_SECRET');
    expect(fx.cli('logs', '--env', 'test').code).toBe(2);
    expect(fx.cli('status', '--env', 'nope').stderr).toContain('no environment "nope"');
  });
});

describe('the pure parts', () => {
  it('orders namespaces, then ConfigMaps, then clusters, then what refers to them', () => {
    const waves = inWaves([
      { kind: 'Ingress', name: 'a' },
      { kind: 'FlinkSessionJob', name: 'b' },
      { kind: 'ConfigMap', name: 'c' },
      { kind: 'FlinkDeployment', name: 'd' },
      { kind: 'Namespace', name: 'e' },
    ]);
    expect(waves.map((w) => w.map((o) => o.kind))).toEqual([
      ['Namespace'],
      ['ConfigMap'],
      ['FlinkDeployment'],
      ['FlinkSessionJob', 'Ingress'],
    ]);
  });

  it('reads health from the status the operator writes', () => {
    const o = (
      status: Record<string, unknown>,
      generation = 2,
      spec: Record<string, unknown> = { job: { state: 'running' } },
    ) => ({
      apiVersion: 'flink.apache.org/v1beta1',
      kind: 'FlinkDeployment',
      metadata: { name: 'x', generation },
      spec,
      status,
    });
    expect(
      healthOf(o({ observedGeneration: 2, lifecycleState: 'STABLE', jobStatus: { state: 'RUNNING' } })).health,
    ).toBe('healthy');
    expect(
      healthOf(o({ observedGeneration: 1, lifecycleState: 'STABLE', jobStatus: { state: 'RUNNING' } })).health,
    ).toBe('progressing');
    expect(healthOf(o({ observedGeneration: 1, lifecycleState: 'FAILED' })).health).toBe('progressing');
    expect(healthOf(o({ observedGeneration: 2, lifecycleState: 'ROLLED_BACK' })).health).toBe('failed');
    expect(healthOf(o({ observedGeneration: 1, error: 'boom' }), '').health).toBe('failed');
    expect(healthOf(o({ observedGeneration: 1, error: 'old' }), 'old').health).toBe('progressing');
    expect(
      healthOf(o({ observedGeneration: 2, lifecycleState: 'SUSPENDED' }, 2, { job: { state: 'suspended' } })).health,
    ).toBe('suspended');
  });

  it('authorises owners and triggers only', () => {
    const owners = {
      owners: ['@liu.yang', '@rent/homeservice-engineers'],
      triggers: [
        { principal: 'scheduler:dolphinscheduler', actions: ['start' as const, 'stop' as const], envs: ['prod'] },
      ],
    };
    expect(authorize(owners, ['user:liu.yang'], 'savepoint', 'prod').allowed).toBe(true);
    expect(authorize(owners, ['scheduler:dolphinscheduler'], 'start', 'prod').allowed).toBe(true);
    expect(authorize(owners, ['scheduler:dolphinscheduler'], 'start', 'test')).toEqual({
      allowed: false,
      reason: 'owners.yaml lets scheduler:dolphinscheduler only start/stop in prod',
    });
    expect(authorize(undefined, ['user:liu.yang'], 'stop', 'prod').allowed).toBe(false);
    expect(
      callerFromEnv({
        CI: 'true',
        CI_PIPELINE_SOURCE: 'merge_request_event',
        FLINKOPS_TRIGGERED_BY: 'scheduler:x',
        GITLAB_USER_LOGIN: 'mallory',
      }).principals,
    ).toEqual(['user:mallory']);
  });

  it('an action repeats the fields it owns, so a savepoint after a stop does not restart the job', () => {
    const live = {
      apiVersion: 'flink.apache.org/v1beta1',
      kind: 'FlinkDeployment',
      metadata: {
        name: 'x',
        namespace: 'n',
        managedFields: [
          {
            manager: 'flinkops-action',
            operation: 'Apply' as const,
            fieldsV1: { 'f:spec': { 'f:job': { 'f:state': {} } } },
          },
        ],
      },
      spec: { job: { state: 'suspended' } },
    };
    expect(actionPatch(live, { action: 'savepoint', nonce: 5 }).spec).toEqual({
      job: { state: 'suspended', savepointTriggerNonce: 5 },
    });
    // openssl dgst -sha256 -hmac k <<< '{"a":1}' (without the newline)
    expect(signature('{"a":1}', 'k')).toBe('sha256=c3a92ff9e274cdcce27a58c15a78ec6dcbbdbd0038a87e7a11baef2028fd8bff');
  });
});
