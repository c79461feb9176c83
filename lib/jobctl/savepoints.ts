import { ApiError, type KubeClient } from '../k8s/client.js';
import { MANAGER, type KubeObject } from '../k8s/objects.js';
import { listObjects } from '../k8s/requests.js';
import type { Resources } from '../k8s/resources.js';

/** One savepoint of a job, as the operator recorded it. */
export interface SavepointEntry {
  /** ISO time the savepoint was started (the operator's timeStamp) or completed (a snapshot's resultTimestamp). */
  time: string;
  path: string;
  /** MANUAL, PERIODIC, UPGRADE or UNKNOWN (the operator's SnapshotTriggerType). */
  trigger: string;
  /** CANONICAL, NATIVE or UNKNOWN (SavepointFormatType). */
  format: string;
  /** Where it was read: the job's status, or a FlinkStateSnapshot resource (named). */
  source: string;
  /** The flinkops.io/commit that was applied when it was taken, when known. */
  commit?: string;
}

const FLINK = 'flink.apache.org/v1beta1';

/**
 * The savepoints of a job, newest first: `status.jobStatus.savepointInfo` (lastSavepoint and
 * savepointHistory, kept when FlinkStateSnapshot resources are disabled), the upgrade savepoint
 * path, and the COMPLETED FlinkStateSnapshot resources whose jobReference is this job (operator
 * ≥ 1.10, when the cluster serves that CRD). The commit is known for savepoints taken since the
 * last apply (the object's commit annotation then was the same); older ones say so.
 */
export async function savepointHistory(
  client: KubeClient,
  resources: Resources,
  live: KubeObject,
  snapshots: StateSnapshots = new StateSnapshots(client, resources),
): Promise<SavepointEntry[]> {
  const out = new Map<string, SavepointEntry>();
  const info = live.status?.jobStatus?.savepointInfo ?? {};
  const applied = lastApplied(live);
  const commit = live.metadata.annotations?.['flinkops.io/commit'];
  const withCommit = (e: SavepointEntry): SavepointEntry =>
    commit && applied && Date.parse(e.time) >= Date.parse(applied) ? { ...e, commit } : e;
  for (const sp of [...(info.savepointHistory ?? []), ...(info.lastSavepoint ? [info.lastSavepoint] : [])]) {
    if (!sp?.location) continue;
    out.set(
      sp.location,
      withCommit({
        time: new Date(Number(sp.timeStamp ?? 0)).toISOString(),
        path: sp.location,
        trigger: sp.triggerType ?? 'UNKNOWN',
        format: sp.formatType ?? 'UNKNOWN',
        source: 'status',
      }),
    );
  }
  for (const snap of await snapshots.of(live, 'savepoint')) {
    const path = snap.status?.path as string | undefined;
    if (!path || out.has(path)) continue;
    out.set(
      path,
      withCommit({
        time: String(snap.status?.resultTimestamp ?? snap.metadata.creationTimestamp ?? ''),
        path,
        trigger: snap.metadata.labels?.['snapshot.trigger-type'] ?? 'UNKNOWN',
        format: snap.spec?.savepoint?.formatType ?? 'CANONICAL',
        source: `FlinkStateSnapshot ${snap.metadata.name}`,
      }),
    );
  }
  const upgrade = live.status?.jobStatus?.upgradeSavepointPath as string | undefined;
  if (upgrade && !out.has(upgrade))
    out.set(upgrade, {
      time: '',
      path: upgrade,
      trigger: 'UPGRADE',
      format: 'UNKNOWN',
      source: 'status (upgradeSavepointPath)',
    });
  return [...out.values()].sort((a, b) =>
    a.time === b.time ? a.path.localeCompare(b.path) : a.time < b.time ? 1 : -1,
  );
}

/** One checkpoint the operator recorded: it records only those it triggered itself (manual or periodic). */
export interface CheckpointEntry {
  /** ISO time: the trigger time in the status (Checkpoint.timeStamp), a snapshot's resultTimestamp. */
  time: string;
  trigger: string;
  /** The job's status (checkpointInfo.lastCheckpoint), or a FlinkStateSnapshot resource (named). */
  source: string;
}

/**
 * The last checkpoint the operator recorded: `status.jobStatus.checkpointInfo.lastCheckpoint`
 * (SnapshotObserver#observeTriggeredCheckpoint, kept when FlinkStateSnapshot resources are disabled)
 * or the newest COMPLETED checkpoint FlinkStateSnapshot of the job. Flink's own periodic checkpoints
 * are not in the operator's status (the Flink UI and the checkpoint-age alert see them).
 */
export async function lastCheckpoint(
  live: KubeObject,
  snapshots: StateSnapshots,
): Promise<CheckpointEntry | undefined> {
  const out: CheckpointEntry[] = [];
  const last = live.status?.jobStatus?.checkpointInfo?.lastCheckpoint;
  if (typeof last?.timeStamp === 'number' && last.timeStamp > 0)
    out.push({
      time: new Date(last.timeStamp).toISOString(),
      trigger: last.triggerType ?? 'UNKNOWN',
      source: 'status',
    });
  for (const snap of await snapshots.of(live, 'checkpoint')) {
    const time = Date.parse(String(snap.status?.resultTimestamp ?? ''));
    if (Number.isNaN(time)) continue;
    out.push({
      time: new Date(time).toISOString(),
      trigger: snap.metadata.labels?.['snapshot.trigger-type'] ?? 'UNKNOWN',
      source: `FlinkStateSnapshot ${snap.metadata.name}`,
    });
  }
  return out.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0))[0];
}

/**
 * The COMPLETED FlinkStateSnapshot resources of a job (operator ≥ 1.10), listed once per namespace
 * however many jobs ask; none when the cluster does not serve that CRD.
 */
export class StateSnapshots {
  private readonly lists = new Map<string, Promise<KubeObject[]>>();
  constructor(
    private readonly client: KubeClient,
    private readonly resources: Resources,
  ) {}

  async of(live: KubeObject, type: 'savepoint' | 'checkpoint'): Promise<KubeObject[]> {
    const namespace = live.metadata.namespace!;
    let list = this.lists.get(namespace);
    if (!list) {
      list = this.list(namespace);
      this.lists.set(namespace, list);
    }
    return (await list).filter(
      (s) =>
        s.spec?.[type] &&
        s.spec?.jobReference?.name === live.metadata.name &&
        (s.spec?.jobReference?.kind ?? live.kind) === live.kind &&
        s.status?.state === 'COMPLETED',
    );
  }

  private async list(namespace: string): Promise<KubeObject[]> {
    try {
      await this.resources.resolve(FLINK, 'FlinkStateSnapshot');
    } catch {
      return [];
    }
    try {
      return await listObjects(this.client, this.resources, FLINK, 'FlinkStateSnapshot', namespace);
    } catch (e) {
      if (e instanceof ApiError && (e.status === 403 || e.status === 404)) return [];
      throw e;
    }
  }
}

/** When flinkops last changed the object (its field manager's time in managedFields). */
function lastApplied(live: KubeObject): string | undefined {
  return live.metadata.managedFields
    ?.filter((m) => m.manager === MANAGER.apply && !m.subresource && m.time)
    .map((m) => m.time!)
    .sort()
    .at(-1);
}
