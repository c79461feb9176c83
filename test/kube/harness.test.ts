// Runs against a real kube-apiserver + etcd on loopback (tools/kube). No mocks.
import { randomBytes } from 'node:crypto';
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeForTests, type KubeCluster } from './harness.js';

const GROUP = 'flink.apache.org';
const VERSION = 'v1beta1';
const PLURAL = 'flinkdeployments';
const ssa = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

type Obj = Record<string, any>;

let kube: KubeCluster | undefined;
let core: CoreV1Api;
let custom: CustomObjectsApi;
const namespace = `flinkops-it-${randomBytes(5).toString('hex')}`;

/** A minimal application deployment, shaped like the operator's examples/basic.yaml. */
function basicDeployment(name: string): Obj {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'FlinkDeployment',
    metadata: { name, namespace },
    spec: {
      image: 'flink:2.2',
      flinkVersion: 'v2_2',
      flinkConfiguration: { 'taskmanager.numberOfTaskSlots': '2' },
      serviceAccount: 'flink',
      jobManager: { resource: { memory: '2048m', cpu: 1 } },
      taskManager: { resource: { memory: '2048m', cpu: 1 } },
      job: {
        jarURI: 'local:///opt/flink/examples/streaming/StateMachineExample.jar',
        parallelism: 2,
        upgradeMode: 'stateless',
      },
    },
  };
}

/** The status code and message of a refused request. */
async function refusal(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiException) {
      const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
      return { code: err.code, message: String(body?.message ?? err.message) };
    }
    throw err;
  }
  throw new Error('the API server accepted the request');
}

beforeAll(async () => {
  kube = await startKubeForTests();
  if (!kube) return;
  const kc = new KubeConfig();
  kc.loadFromFile(kube.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
}, 20 * 60_000);

afterAll(async () => {
  if (!kube) return;
  try {
    await core.deleteNamespace({ name: namespace });
  } catch {
    // the server is going away anyway
  }
  await kube.stop();
}, 120_000);

describe('local kube-apiserver', () => {
  it('serves on loopback with token auth', (ctx) => {
    if (!kube) return ctx.skip();
    expect(kube.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(kube.token).toMatch(/^[0-9a-f]{48}$/);
    expect(kube.caPem).toContain('BEGIN CERTIFICATE');
  });

  it('creates a namespace', async (ctx) => {
    if (!kube) return ctx.skip();
    const ns = await core.createNamespace({ body: { metadata: { name: namespace } } });
    expect(ns.metadata?.name).toBe(namespace);
    expect(ns.status?.phase).toBe('Active');
  });

  it('server-side applies a FlinkDeployment with field manager flinkops', async (ctx) => {
    if (!kube) return ctx.skip();
    const body = basicDeployment('basic-example');
    const applied = (await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        name: 'basic-example',
        body,
        fieldManager: 'flinkops',
        force: true,
      },
      ssa,
    )) as Obj;
    expect(applied.metadata.uid).toBeTruthy();
    expect(applied.spec.job.upgradeMode).toBe('stateless');
    expect(applied.spec.job.parallelism).toBe(2);
    const managers = (applied.metadata.managedFields as Obj[]).map((m) => [m.manager, m.operation]);
    expect(managers).toContainEqual(['flinkops', 'Apply']);

    // Applying the same intent again is a no-op: same resourceVersion.
    const again = (await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        name: 'basic-example',
        body,
        fieldManager: 'flinkops',
        force: true,
      },
      ssa,
    )) as Obj;
    expect(again.metadata.resourceVersion).toBe(applied.metadata.resourceVersion);
  });

  it('refuses objects that break the CRD schema', async (ctx) => {
    if (!kube) return ctx.skip();
    const bogusMode = basicDeployment('bogus-mode');
    bogusMode.spec.job.upgradeMode = 'bogus';
    const r1 = await refusal(
      custom.patchNamespacedCustomObject(
        {
          group: GROUP,
          version: VERSION,
          namespace,
          plural: PLURAL,
          name: 'bogus-mode',
          body: bogusMode,
          fieldManager: 'flinkops',
          force: true,
        },
        ssa,
      ),
    );
    expect(r1.code).toBe(422);
    expect(r1.message).toContain('spec.job.upgradeMode');
    expect(r1.message).toContain('Unsupported value');

    const stringParallelism = basicDeployment('string-parallelism');
    stringParallelism.spec.job.parallelism = 'two';
    const r2 = await refusal(
      custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        body: stringParallelism,
      }),
    );
    expect(r2.code).toBe(422);
    expect(r2.message).toContain('spec.job.parallelism');

    // Nothing was stored.
    const list = (await custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURAL,
    })) as Obj;
    expect((list.items as Obj[]).map((i) => i.metadata.name)).toEqual(['basic-example']);
  });

  it('accepts status written through the status subresource (playing the operator)', async (ctx) => {
    if (!kube) return ctx.skip();
    const name = 'basic-example';
    await custom.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        name,
        body: { status: { lifecycleState: 'STABLE', jobStatus: { state: 'RUNNING', jobName: 'State machine job' } } },
        fieldManager: 'flink-kubernetes-operator',
      },
      mergePatch,
    );
    const read = (await custom.getNamespacedCustomObjectStatus({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURAL,
      name,
    })) as Obj;
    expect(read.status.lifecycleState).toBe('STABLE');
    expect(read.status.jobStatus.state).toBe('RUNNING');

    // Status is owned by the subresource: applying spec keeps it.
    const reapplied = (await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        name,
        body: basicDeployment(name),
        fieldManager: 'flinkops',
        force: true,
      },
      ssa,
    )) as Obj;
    expect(reapplied.status.lifecycleState).toBe('STABLE');

    // The status schema is enforced too.
    const bad = await refusal(
      custom.patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          namespace,
          plural: PLURAL,
          name,
          body: { status: { lifecycleState: 'HAPPY' } },
        },
        mergePatch,
      ),
    );
    expect(bad.code).toBe(422);
    expect(bad.message).toContain('status.lifecycleState');

    // A failure, as the operator would report it.
    await custom.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        name,
        body: { status: { lifecycleState: 'FAILED', jobStatus: { state: 'FAILED' }, error: 'boom' } },
      },
      mergePatch,
    );
    const failed = (await custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURAL,
      name,
    })) as Obj;
    expect(failed.status.lifecycleState).toBe('FAILED');
    expect(failed.status.jobStatus.state).toBe('FAILED');
    expect(failed.status.error).toBe('boom');
  });
});
