// SIGINT during `flinkops apply`, through the bundled CLI against a real kube-apiserver (tools/kube): the
// request in flight finishes, nothing more is sent, the output says what changed and what was not sent,
// the environment lease is released and the exit code is 130.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply } from '../../actions/apply.js';
import type { KubeClient } from '../../lib/k8s/client.js';
import type { KubeCluster } from '../kube/harness.js';
import { Fixture, PROJECT } from '../support/fixture.js';
import { closeCluster, get, isolate, openCluster } from './support.js';

let kube: KubeCluster | undefined;
let k: KubeClient;
let fx: Fixture;
let proxy: Server;
const systemNs = `flinkops-it-${randomBytes(3).toString('hex')}`;
const work = mkdtempSync(path.join(tmpdir(), 'flinkops-interrupt-'));

beforeAll(async () => {
  const cluster = await openCluster(systemNs);
  if (!cluster) return;
  ({ kube, k } = cluster);
  process.env.FLINKOPS_RETRY_BASE_MS = '20';
  fx = new Fixture();
  isolate(fx);
}, 20 * 60_000);

afterAll(async () => {
  fx?.dispose();
  if (proxy) await new Promise<void>((r) => proxy.close(() => r()));
  rmSync(work, { recursive: true, force: true });
  await closeCluster(kube, k);
}, 120_000);

/** A plain-HTTP proxy to the API server that calls `onRequest` before forwarding each request. */
async function startProxy(cluster: KubeCluster, onRequest: (req: IncomingMessage) => Promise<void>): Promise<number> {
  const upstream = new URL(cluster.server);
  proxy = createServer(async (req, res) => {
    const body: Buffer[] = [];
    for await (const c of req) body.push(c as Buffer);
    await onRequest(req);
    const out = httpsRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: upstream.host, authorization: `Bearer ${cluster.token}` },
        ca: cluster.caPem,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.end(Buffer.concat(body));
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return (proxy.address() as { port: number }).port;
}

describe('apply interrupted by SIGINT', () => {
  it('finishes the request in flight, sends nothing more, reports it, releases the lease, exits 130', async (ctx) => {
    if (!kube) return ctx.skip();
    let child: ReturnType<typeof spawn> | undefined;
    let interrupted = false;
    // The first server-side apply of a FlinkDeployment: interrupt the CLI while that request is in flight.
    const port = await startProxy(kube, async (req) => {
      if (interrupted || req.method !== 'PATCH' || !/\/flinkdeployments\//.test(req.url ?? '')) return;
      if (req.url?.includes('dryRun')) return;
      interrupted = true;
      child!.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 300));
    });
    const kubeconfig = path.join(work, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{name: proxy, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: via-proxy}}]
contexts: [{name: flinkops-local, context: {cluster: proxy, user: u}}]
current-context: flinkops-local
`,
    );
    child = spawn(
      process.execPath,
      [
        path.join(PROJECT, 'bin/flinkops.mjs'),
        'apply',
        '--env',
        'test',
        '--kubeconfig',
        kubeconfig,
        '--context',
        'flinkops-local',
        '--repo',
        fx.root,
      ],
      {
        cwd: fx.root,
        // One request at a time: the interrupt lands between two objects, deterministically.
        env: { ...process.env, FLINKOPS_NAMESPACE: systemNs, FLINKOPS_KUBE_CONCURRENCY: '1' },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => (stderr += c));
    const code = await new Promise<number | null>((r) => child!.on('close', r));
    expect(interrupted).toBe(true);
    expect(stderr).toBe('');
    expect(code).toBe(130);
    // Exactly the FlinkDeployment in flight was applied; every object after it is listed as not sent.
    const created = stdout.split('\n').filter((l) => /^ {2}\+ created {4}FlinkDeployment /.test(l));
    expect(created).toHaveLength(1);
    const notSent = stdout.split('\n').filter((l) => l.startsWith('  · not-sent'));
    expect(notSent.length).toBeGreaterThan(0);
    expect(notSent.some((l) => l.includes('FlinkSessionJob'))).toBe(true);
    expect(stdout).toMatch(new RegExp(`Interrupted \\(SIGINT\\): ${notSent.length} objects were not sent`));
    expect(stdout).toMatch(new RegExp(`, ${notSent.length} not sent\\.`));
    // What the output calls not sent is not in the cluster.
    const first = /FlinkSessionJob (\S+)\/(\S+)/.exec(notSent.find((l) => l.includes('FlinkSessionJob'))!)!;
    expect(
      await get(k, `/apis/flink.apache.org/v1beta1/namespaces/${first[1]}/flinksessionjobs/${first[2]}`),
    ).toBeUndefined();
    // The lease was released: its holder is empty, and a second apply takes it at once (a held lease would
    // make it wait and give up after its 1 s timeout).
    const lease = await get(k, `/apis/coordination.k8s.io/v1/namespaces/${systemNs}/leases/flinkops-apply-test`);
    expect((lease as unknown as { spec: { holderIdentity?: string | null } }).spec.holderIdentity ?? null).toBeNull();
    const again = await apply({
      repo: fx.root,
      env: 'test',
      jobs: [],
      kubeconfig: kube.kubeconfig,
      context: 'flinkops-local',
      timeoutSeconds: 1,
    });
    expect(again.stderr ?? '').not.toContain('holds the lease');
    expect(again.exitCode, again.stderr).toBe(0);
  }, 180_000);
});
