import { hostname } from 'node:os';
import { ApiError, KubeError, type KubeClient } from '../k8s/client.js';

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
  };
}

export interface LeaseOptions {
  namespace: string;
  name: string;
  /** Who holds it: the CI job URL, else host and process. */
  holder?: string;
  durationSeconds?: number;
  /** How long to wait for another holder before giving up (ms). */
  waitMs?: number;
  pollMs?: number;
}

/** The identity a lease is held under: the pipeline job when there is one. */
export function defaultHolder(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.CI_JOB_URL ||
    (env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL ?? 'github'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : `${hostname()}/pid-${process.pid}`)
  );
}

/**
 * A Kubernetes Lease per environment keeps two applies (or an apply and an action) from
 * interleaving, whatever started them. Taken with optimistic concurrency (resourceVersion), renewed
 * while held, released at the end; a holder that died is taken over once its lease expired.
 */
export class EnvLease {
  private timer: NodeJS.Timeout | undefined;
  private resourceVersion: string | undefined;
  readonly holder: string;
  private readonly duration: number;

  constructor(
    private readonly client: KubeClient,
    private readonly o: LeaseOptions,
  ) {
    this.holder = o.holder ?? defaultHolder();
    this.duration = o.durationSeconds ?? 60;
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.o.namespace)}/leases`;
  }

  async acquire(): Promise<void> {
    const deadline = Date.now() + (this.o.waitMs ?? 300_000);
    for (;;) {
      const held = await this.tryAcquire();
      if (held === true) break;
      if (Date.now() >= deadline) {
        throw new KubeError(
          `another run holds the lease ${this.o.namespace}/${this.o.name}: ${held.holder} (renewed ${held.renewed ?? 'never'})`,
          'wait for it to finish; a holder that died is taken over when its lease expires',
        );
      }
      await new Promise((r) => setTimeout(r, this.o.pollMs ?? 2000));
    }
    // Renew at a third of the duration, so one slow request never lets it lapse.
    this.timer = setInterval(() => void this.renew().catch(() => undefined), (this.duration * 1000) / 3);
    this.timer.unref();
  }

  private async tryAcquire(): Promise<true | { holder: string; renewed?: string }> {
    const now = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    let current: Lease | undefined;
    try {
      current = (await this.client.request<Lease>('GET', `${this.path}/${this.o.name}`)).body;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw leaseError(e, this.o);
    }
    const spec = { holderIdentity: this.holder, leaseDurationSeconds: this.duration, acquireTime: now, renewTime: now };
    try {
      if (!current) {
        const r = await this.client.request<Lease>('POST', this.path, {
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.o.name, namespace: this.o.namespace },
            spec,
          },
        });
        this.resourceVersion = r.body.metadata.resourceVersion;
        return true;
      }
      const holder = current.spec.holderIdentity;
      const renewed = current.spec.renewTime ? Date.parse(current.spec.renewTime) : 0;
      const expired =
        !holder ||
        holder === this.holder ||
        renewed + (current.spec.leaseDurationSeconds ?? this.duration) * 1000 < Date.now();
      if (!expired) return { holder: holder!, ...(current.spec.renewTime ? { renewed: current.spec.renewTime } : {}) };
      const r = await this.client.request<Lease>('PUT', `${this.path}/${this.o.name}`, {
        body: { ...current, spec },
        retryConflict: false,
      });
      this.resourceVersion = r.body.metadata.resourceVersion;
      return true;
    } catch (e) {
      // Someone else created or took it between our read and write: look again.
      if (e instanceof ApiError && e.status === 409) return { holder: 'another run (it just took the lease)' };
      throw leaseError(e, this.o);
    }
  }

  private async renew(): Promise<void> {
    const current = (await this.client.request<Lease>('GET', `${this.path}/${this.o.name}`)).body;
    if (current.spec.holderIdentity !== this.holder) return;
    const now = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    const r = await this.client.request<Lease>('PUT', `${this.path}/${this.o.name}`, {
      body: { ...current, spec: { ...current.spec, renewTime: now } },
      retryConflict: false,
    });
    this.resourceVersion = r.body.metadata.resourceVersion;
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    try {
      const current = (await this.client.request<Lease>('GET', `${this.path}/${this.o.name}`)).body;
      if (current.spec.holderIdentity !== this.holder) return;
      await this.client.request('PUT', `${this.path}/${this.o.name}`, {
        body: { ...current, spec: { ...current.spec, holderIdentity: null, renewTime: null, acquireTime: null } },
        retryConflict: false,
      });
    } catch {
      // An unreleased lease expires by itself.
    }
  }
}

function leaseError(e: unknown, o: LeaseOptions): Error {
  if (e instanceof ApiError)
    return new KubeError(
      `cannot take the lease ${o.namespace}/${o.name}: ${e.message}`,
      e.status === 403
        ? `grant get/create/update on leases.coordination.k8s.io in namespace ${o.namespace} (or set FLINKOPS_NAMESPACE)`
        : undefined,
    );
  return e as Error;
}
