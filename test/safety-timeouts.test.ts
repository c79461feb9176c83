import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeClient, KubeError } from '../lib/k8s/client.js';

// A server that accepts connections and never answers: every request times out.
let server: Server;
let sockets: Socket[];
let dir: string;
let kubeconfig: string;
beforeEach(async () => {
  sockets = [];
  server = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  dir = mkdtempSync(path.join(tmpdir(), 'flinkops-timeout-'));
  kubeconfig = path.join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{name: silent, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: silent, context: {cluster: silent, user: u}}]
current-context: silent
`,
  );
});
afterEach(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

describe('a server that never answers', () => {
  it('fails with the total time waited over all attempts, not one attempt’s time-out', async () => {
    const client = await KubeClient.connect({ kubeconfig, timeoutMs: 300, attempts: 3, backoffMs: 50 });
    const started = Date.now();
    const err = await client.request('GET', '/api/v1/namespaces').then(
      () => undefined,
      (e: unknown) => e,
    );
    const waited = (Date.now() - started) / 1000;
    expect(err).toBeInstanceOf(KubeError);
    const message = (err as Error).message;
    expect(message).toContain('no answer within 0.3 s per attempt');
    const stated = /\(3 attempts over (\d+(?:\.\d)?) s\)/.exec(message);
    expect(stated, message).not.toBeNull();
    // Three time-outs of 0.3 s plus two backoffs: at least 0.9 s, and what it says is what it waited.
    expect(Number(stated![1])).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(Number(stated![1]) - waited)).toBeLessThanOrEqual(0.2);
    expect(sockets.length).toBe(3);
  });
});
