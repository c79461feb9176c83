// Test harness for a real local Kubernetes API server (embedded etcd +
// kube-apiserver built from k8s.io/kubernetes), see tools/kube/README.md.
//
//   const kube = await startKube();   // runs tools/kube/up.sh (builds on first use)
//   ... new KubeConfig().loadFromFile(kube.kubeconfig) ...
//   await kube.stop();                // tools/kube/down.sh (when no other file uses it)
//
// Availability policy: without a Go toolchain (and no cached binary), or when
// the build/start fails, tests may skip with a loud warning, but only when
// CI is not set. With CI set they fail.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const toolsDir = resolve(repoRoot, 'tools', 'kube');

export interface KubeCluster {
  /** Path of the kubeconfig (token auth, cluster CA embedded). */
  kubeconfig: string;
  /** https://127.0.0.1:PORT */
  server: string;
  /** Bearer token of a user in system:masters. */
  token: string;
  /** PEM of the CA that signed the serving certificate. */
  caPem: string;
  /** Stops the server (unless another test file still holds a lease on it). */
  stop(): Promise<void>;
}

export interface KubeAvailability {
  ok: boolean;
  reason?: string;
}

/** True when CI is set to anything but "", "0" or "false". */
export function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * Whether the local API server can be had: a cached binary exists, or a Go
 * toolchain is there to build one. Says nothing about whether a build succeeds.
 */
export function kubeAvailability(): KubeAvailability {
  const cached = spawnSync('bash', [resolve(toolsDir, 'build.sh'), '--check'], { stdio: 'ignore' });
  if (cached.status === 0) return { ok: true };
  const go = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    return { ok: false, reason: 'no Go toolchain (go >= 1.26) on PATH and no cached flinkops-kube binary' };
  }
  const m = /^go(\d+)\.(\d+)/.exec(go.stdout.trim());
  if (m && (Number(m[1]) < 1 || (Number(m[1]) === 1 && Number(m[2]) < 26))) {
    return { ok: false, reason: `${go.stdout.trim()} is too old to build kube-apiserver (needs go >= 1.26)` };
  }
  return { ok: true };
}

export function kubeAvailable(): boolean {
  return kubeAvailability().ok;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runScript(script: string, args: string[], echoStderr: boolean): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [resolve(toolsDir, script), ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FLINKOPS_KUBE_LEASE_PID: String(process.pid) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (echoStderr) process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

interface KubeconfigFile {
  clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
  users?: { user?: { token?: string } }[];
}

/** Start (or join) the local API server. Throws when up.sh fails. */
export async function startKube(): Promise<KubeCluster> {
  const lease = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const verbose = process.env.FLINKOPS_KUBE_QUIET === undefined;
  const up = await runScript('up.sh', ['--lease', lease], verbose);
  const lines = up.stdout.trim().split('\n');
  const kubeconfig = lines[lines.length - 1]?.trim() ?? '';
  if (up.code !== 0 || kubeconfig === '') {
    const tail = up.stderr.trim().split('\n').slice(-30).join('\n');
    throw new Error(`tools/kube/up.sh failed (exit ${up.code}):\n${tail}`);
  }
  const cfg = parse(readFileSync(kubeconfig, 'utf8')) as KubeconfigFile;
  const cluster = cfg.clusters?.[0]?.cluster;
  const server = cluster?.server;
  const token = cfg.users?.[0]?.user?.token;
  const ca = cluster?.['certificate-authority-data'];
  if (!server || !token || !ca) throw new Error(`unexpected kubeconfig written by up.sh: ${kubeconfig}`);

  let stopped: Promise<void> | undefined;
  return {
    kubeconfig,
    server,
    token,
    caPem: Buffer.from(ca, 'base64').toString('utf8'),
    stop() {
      stopped ??= runScript('down.sh', ['--lease', lease], verbose).then((r) => {
        if (r.code !== 0) throw new Error(`tools/kube/down.sh failed (exit ${r.code}): ${r.stderr}`);
      });
      return stopped;
    },
  };
}

function loudWarning(message: string): void {
  const bar = '!'.repeat(78);
  console.warn(
    `\n${bar}\n!!! SKIPPING Kubernetes API server tests: ${message}\n` +
      `!!! These tests run against a real kube-apiserver built by tools/kube/build.sh.\n` +
      `!!! With CI=true this is a failure, not a skip.\n${bar}\n`,
  );
}

/**
 * For tests: start the server, or — outside CI only — return undefined after a
 * loud warning when it cannot be had (no Go, build or start failed).
 * With CI set, any such failure is thrown.
 */
export async function startKubeForTests(): Promise<KubeCluster | undefined> {
  const avail = kubeAvailability();
  if (!avail.ok) {
    if (isCI()) throw new Error(`Kubernetes API server unavailable in CI: ${avail.reason}`);
    loudWarning(avail.reason ?? 'unavailable');
    return undefined;
  }
  try {
    return await startKube();
  } catch (err) {
    if (isCI()) throw err;
    loudWarning(err instanceof Error ? err.message : String(err));
    return undefined;
  }
}
