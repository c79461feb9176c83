import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { ApiError, type KubeClient } from '../k8s/client.js';
import { getObject } from '../k8s/requests.js';
import type { KubeObject } from '../k8s/objects.js';
import type { Resources } from '../k8s/resources.js';
import type { ApplyOutcome } from './applyObjects.js';
import { hasHealth, healthOf, type Health } from './health.js';

export interface WaitTarget {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  /** The error the object carried before the apply (a stale one is not a new failure). */
  errorBefore?: string;
}

export interface WaitResult {
  kind: string;
  namespace: string;
  name: string;
  health: Health | 'timeout';
  message: string;
  /** The folder with its last status, events and JobManager logs, when it did not become healthy. */
  artifacts?: string;
}

export interface WaitOptions {
  timeoutMs: number;
  pollMs?: number;
  /** Where to archive status, events and start-up logs of what failed (default `flinkops-artifacts`). */
  artifactsDir?: string;
}

/**
 * What an apply created or changed that has a health to wait for (Flink objects), with the error each
 * carried before; with `unchanged`, the Flink objects it left as they were too (a rollout wave is
 * healthy only when all of its jobs are, so a retried apply does not pass a job that failed).
 */
export function waitTargets(outcome: ApplyOutcome, unchanged = false): WaitTarget[] {
  const kinds = unchanged ? ['created', 'configured', 'unchanged'] : ['created', 'configured'];
  return outcome.results
    .filter((r) => kinds.includes(r.result) && hasHealth(r.kind))
    .map((r) => {
      const key = `${r.kind}/${r.namespace}/${r.name}`;
      const before = outcome.before.get(key)?.status?.error;
      return {
        apiVersion: outcome.live.get(key)!.apiVersion,
        kind: r.kind,
        namespace: r.namespace,
        name: r.name,
        errorBefore: typeof before === 'string' ? before : '',
      };
    });
}

/** Polls until every target is healthy or suspended, one has failed for good, or time runs out. */
export async function waitForHealth(
  client: KubeClient,
  resources: Resources,
  targets: WaitTarget[],
  o: WaitOptions,
): Promise<WaitResult[]> {
  const deadline = Date.now() + o.timeoutMs;
  const pending = new Map(targets.map((t) => [`${t.kind}/${t.namespace}/${t.name}`, t]));
  const done: WaitResult[] = [];
  const last = new Map<string, KubeObject>();
  while (pending.size) {
    await Promise.all(
      [...pending].map(async ([key, t]) => {
        const obj = await getObject(client, resources, t);
        if (!obj) {
          done.push({
            kind: t.kind,
            namespace: t.namespace,
            name: t.name,
            health: 'failed',
            message: 'the object is gone (deleted while waiting)',
          });
          pending.delete(key);
          return;
        }
        last.set(key, obj);
        const h = healthOf(obj, t.errorBefore);
        if (h.health !== 'progressing') {
          done.push({ kind: t.kind, namespace: t.namespace, name: t.name, health: h.health, message: h.message });
          pending.delete(key);
        }
      }),
    );
    if (!pending.size || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, Math.min(o.pollMs ?? 2000, Math.max(0, deadline - Date.now()))));
  }
  for (const [key, t] of pending) {
    const obj = last.get(key);
    done.push({
      kind: t.kind,
      namespace: t.namespace,
      name: t.name,
      health: 'timeout',
      message: `not healthy after ${Math.round(o.timeoutMs / 1000)} s: ${obj ? healthOf(obj, t.errorBefore).message : 'never read'}`,
    });
  }
  for (const r of done) {
    if (r.health !== 'failed' && r.health !== 'timeout') continue;
    const obj = last.get(`${r.kind}/${r.namespace}/${r.name}`);
    r.artifacts = await archive(client, r, obj, o.artifactsDir ?? 'flinkops-artifacts');
    r.message += `; events and logs in ${r.artifacts}`;
  }
  return done.sort((a, b) => `${a.namespace}/${a.kind}/${a.name}`.localeCompare(`${b.namespace}/${b.kind}/${b.name}`));
}

export interface KubeEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  involvedObject?: { kind?: string; name?: string };
}

/** The events of one object, oldest first. */
export async function eventsOf(
  client: KubeClient,
  namespace: string,
  kind: string,
  name: string,
): Promise<KubeEvent[]> {
  const r = await client.request<{ items: KubeEvent[] }>(
    'GET',
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
    { query: { fieldSelector: `involvedObject.name=${name},involvedObject.kind=${kind}` } },
  );
  const at = (e: KubeEvent) => e.lastTimestamp ?? e.eventTime ?? '';
  return [...(r.body.items ?? [])].sort((a, b) => at(a).localeCompare(at(b)));
}

export function formatEvents(events: KubeEvent[]): string {
  return events
    .map(
      (e) =>
        `${e.lastTimestamp ?? e.eventTime ?? ''}  ${e.type ?? ''}  ${e.reason ?? ''}  ${e.message ?? ''}${e.count && e.count > 1 ? ` (×${e.count})` : ''}`,
    )
    .join('\n');
}

/** The JobManager pods of a deployment, by the labels the operator gives them. */
export async function jobManagerPods(client: KubeClient, namespace: string, name: string): Promise<string[]> {
  const r = await client.request<{ items: { metadata: { name: string } }[] }>(
    'GET',
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
    { query: { labelSelector: `app=${name},component=jobmanager` } },
  );
  return (r.body.items ?? []).map((p) => p.metadata.name).sort();
}

/**
 * Archives what someone needs to debug a failed start after the Flink UI is gone: the last status,
 * the object's events, and each JobManager pod's log (its start-up). Archiving never fails the run:
 * what could not be read is noted in the folder.
 */
async function archive(client: KubeClient, r: WaitResult, obj: KubeObject | undefined, root: string): Promise<string> {
  const dir = path.join(root, r.namespace, `${r.kind}-${r.name}`);
  mkdirSync(dir, { recursive: true });
  const notes: string[] = [];
  writeFileSync(
    path.join(dir, 'status.yaml'),
    stringify({
      health: r.health,
      message: r.message,
      status: obj?.status ?? null,
      generation: obj?.metadata.generation ?? null,
    }),
  );
  try {
    writeFileSync(
      path.join(dir, 'events.txt'),
      `${formatEvents(await eventsOf(client, r.namespace, r.kind, r.name))}\n`,
    );
  } catch (e) {
    notes.push(`events: ${(e as Error).message}`);
  }
  if (r.kind === 'FlinkDeployment') {
    try {
      const pods = await jobManagerPods(client, r.namespace, r.name);
      if (!pods.length) notes.push('no JobManager pod exists (it never started, or the operator removed it)');
      for (const pod of pods) {
        try {
          const log = await client.request<string>(
            'GET',
            `/api/v1/namespaces/${encodeURIComponent(r.namespace)}/pods/${encodeURIComponent(pod)}/log`,
            { query: { container: 'flink-main-container', limitBytes: String(4 << 20) }, raw: true },
          );
          writeFileSync(path.join(dir, `${pod}.log`), String(log.body ?? ''));
        } catch (e) {
          notes.push(`log of pod ${pod}: ${e instanceof ApiError ? e.message : (e as Error).message}`);
        }
      }
    } catch (e) {
      notes.push(`pods: ${(e as Error).message}`);
    }
  }
  if (notes.length) writeFileSync(path.join(dir, 'NOTES.txt'), `${notes.join('\n')}\n`);
  return dir;
}
