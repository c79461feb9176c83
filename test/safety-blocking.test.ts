import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAction } from '../actions/action.js';
import { logs } from '../actions/logs.js';
import { status } from '../actions/status.js';
import { BLOCKED_BY } from '../lib/repo/blocking.js';
import { Fixture } from './support/fixture.js';

let fx: Fixture;
beforeEach(() => {
  fx = new Fixture();
});
afterEach(() => fx.dispose());

const JOB = 'datasync/kafka-orders-to-paimon';
const JOB_YAML = 'jobs/datasync/kafka-orders-to-paimon/job.yaml';
// No cluster is reachable through this kubeconfig: a command that gets past the load check fails connecting.
const target = (root: string) => ({ kubeconfig: path.join(root, 'no-such-kubeconfig') });

describe('status, action and logs decide with the one blocking table (lib/repo/blocking.ts)', () => {
  it('every command is in the table', () => {
    expect(BLOCKED_BY.status).toBe('selected jobs');
    expect(BLOCKED_BY.action).toBe('selected jobs');
    expect(BLOCKED_BY.logs).toBe('selected jobs');
  });

  it("a selected job's load error stops them before any cluster is contacted, at file:line:column", async () => {
    fx.edit(JOB_YAML, 'parallelism: 4\n', 'parallelism: 4\nnoSuchField: 1\n');
    const root = fx.root;
    const results = [
      await status({ repo: root, env: 'test', jobs: [JOB], ...target(root) }),
      await runAction({ repo: root, env: 'test', job: JOB, action: 'stop', ...target(root), processEnv: {} }),
      await logs({ repo: root, env: 'test', job: JOB, ...target(root) }),
    ];
    for (const r of results) {
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/jobs\/datasync\/kafka-orders-to-paimon\/job\.yaml\n\s+\d+:\d+\s+error/);
      expect(r.stderr).toContain('noSuchField');
      expect(r.stderr).not.toMatch(/kubeconfig|internal error/);
    }
  });

  it("another job's load error does not stop status of the selected job", async () => {
    fx.edit(JOB_YAML, 'parallelism: 4\n', 'parallelism: 4\nnoSuchField: 1\n');
    const r = await status({ repo: fx.root, env: 'test', jobs: ['rental/orders-enrich-house'], ...target(fx.root) });
    expect(r.stderr).not.toContain('noSuchField');
  });
});
