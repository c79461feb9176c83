import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { KubeClient } from '../../lib/k8s/client.js';
import type { KubeObject } from '../../lib/k8s/objects.js';
import type { Fixture } from '../support/fixture.js';
import { type KubeCluster, startKubeForTests } from '../kube/harness.js';
import { apply } from '../../actions/apply.js';

export const FLINK = 'flink.apache.org/v1beta1';

/** Gives a fixture's teams and session clusters namespaces of their own, so test runs never meet. */
export function isolate(fx: Fixture): string {
  const suffix = randomBytes(3).toString('hex');
  for (const team of ['acquisition', 'datasync', 'homeservice', 'rental'])
    fx.edit(`jobs/${team}/team.yaml`, `namespace: flink-${team}`, `namespace: flink-${team}-${suffix}`);
  fx.edit('platform/sessions.yaml', 'namespace: flink-shared', `namespace: flink-shared-${suffix}`);
  return suffix;
}

/**
 * A test file's cluster: the local kube-apiserver (undefined where it cannot run), an admin client,
 * and flinkops' own namespace for leases and ApplySets, which the actions read from FLINKOPS_NAMESPACE.
 */
export async function openCluster(systemNs: string): Promise<{ kube: KubeCluster; k: KubeClient } | undefined> {
  const kube = await startKubeForTests();
  if (!kube) return undefined;
  process.env.FLINKOPS_NAMESPACE = systemNs;
  const k = await admin(kube.kubeconfig);
  await ensureNamespace(k, systemNs);
  return { kube, k };
}

export async function closeCluster(kube: KubeCluster | undefined, k: KubeClient | undefined): Promise<void> {
  if (!kube) return;
  k?.close();
  await kube.stop();
}

/** Applies one job of the fixture to the test environment, as the tests of actions start from. */
export async function applyJob(fx: Fixture, kube: KubeCluster, job: string): Promise<void> {
  const r = await apply({
    repo: fx.root,
    env: 'test',
    jobs: [job],
    kubeconfig: kube.kubeconfig,
    context: 'flinkops-local',
  });
  if (r.exitCode !== 0) throw new Error(r.stdout + r.stderr);
}

export async function admin(kubeconfig: string): Promise<KubeClient> {
  return KubeClient.connect({ kubeconfig });
}

export async function ensureNamespace(k: KubeClient, name: string): Promise<void> {
  await k.request('PATCH', `/api/v1/namespaces/${name}`, {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    contentType: 'application/apply-patch+yaml',
    query: { fieldManager: 'test' },
  });
}

export function flinkPath(ns: string, name: string, kind = 'flinkdeployments'): string {
  return `/apis/${FLINK}/namespaces/${ns}/${kind}/${name}`;
}

export async function get(k: KubeClient, p: string): Promise<KubeObject | undefined> {
  try {
    return (await k.request<KubeObject>('GET', p)).body;
  } catch (e) {
    if ((e as { status?: number }).status === 404) return undefined;
    throw e;
  }
}

/** Plays the operator: writes the status subresource, with observedGeneration caught up unless told. */
export async function setStatus(
  k: KubeClient,
  p: string,
  status: Record<string, unknown>,
  caughtUp = true,
): Promise<void> {
  const obj = (await get(k, p))!;
  const body = { status: { ...(caughtUp ? { observedGeneration: obj.metadata.generation } : {}), ...status } };
  await k.request('PATCH', `${p}/status`, { body, contentType: 'application/merge-patch+json' });
}

/** Someone else changes a field flinkops owns (as `kubectl edit` would, its own field manager). */
export async function editByHand(
  k: KubeClient,
  p: string,
  patch: Record<string, unknown>,
  manager = 'kubectl-edit',
): Promise<void> {
  await k.request('PATCH', p, {
    body: patch,
    contentType: 'application/merge-patch+json',
    query: { fieldManager: manager },
  });
}

/** A kubeconfig for a service account limited by RBAC (TokenRequest), to see a cluster refuse requests. */
export async function limitedKubeconfig(
  k: KubeClient,
  dir: string,
  o: { server: string; caPem: string; systemNs: string; allowed: string[] },
): Promise<string> {
  const sa = `flinkops-limited-${randomBytes(2).toString('hex')}`;
  const ssa = (p: string, body: unknown) =>
    k.request('PATCH', p, { body, contentType: 'application/apply-patch+yaml', query: { fieldManager: 'test' } });
  await ssa(`/api/v1/namespaces/${o.systemNs}/serviceaccounts/${sa}`, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: sa, namespace: o.systemNs },
  });
  for (const ns of [o.systemNs, ...o.allowed]) {
    await ssa(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/${sa}`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: sa, namespace: ns },
      rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
    });
    await ssa(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/${sa}`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: sa, namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: sa },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace: o.systemNs }],
    });
  }
  const tr = await k.request<{ status: { token: string } }>(
    'POST',
    `/api/v1/namespaces/${o.systemNs}/serviceaccounts/${sa}/token`,
    { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } } },
  );
  const file = path.join(dir, `${sa}.kubeconfig`);
  const ca = Buffer.from(o.caPem).toString('base64');
  writeFileSync(
    file,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${o.server}\n    certificate-authority-data: ${ca}\nusers:\n- name: u\n  user:\n    token: ${tr.body.status.token}\ncontexts:\n- name: limited\n  context: {cluster: c, user: u}\ncurrent-context: limited\n`,
  );
  return file;
}
