import { Agent, request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';

/** A cluster problem the user must fix (no kubeconfig, unknown context, refused token): exit 1, with a hint. */
export class KubeError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** A request the API server answered with an error status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly body: KubeStatus | undefined,
  ) {
    super(message);
  }
}

/** The `Status` object the API server sends with an error. */
export interface KubeStatus {
  kind?: 'Status';
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    kind?: string;
    causes?: { type?: string; reason?: string; message?: string; field?: string }[];
    retryAfterSeconds?: number;
  };
}

export interface KubeResponse<T = unknown> {
  status: number;
  body: T;
}

export interface ClientOptions {
  /** A kubeconfig file; default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account. */
  kubeconfig?: string;
  /** The kubeconfig context; an unknown name is an error, never a silent fallback to another cluster. */
  context?: string;
  /** The context came from the environment file (not --context): in a pod, the in-cluster account stands for it. */
  contextFromEnvFile?: boolean;
  /** How many requests may be in flight at once (default 16). */
  concurrency?: number;
  /** Per-request timeout in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Retries of a retryable failure (429, 5xx, timeouts, resets), with exponential backoff (default 5 attempts). */
  attempts?: number;
  /** First backoff in milliseconds (default 200; $FLINKOPS_RETRY_BASE_MS). */
  backoffMs?: number;
}

/**
 * The Kubernetes API over one keep-alive connection pool. @kubernetes/client-node reads the
 * kubeconfig and authenticates (tokens, client certificates, exec plugins, in-cluster); the
 * requests themselves go through one shared agent, because the generated clients open a new TLS
 * connection per request, which made a 500-job apply slower than kubectl.
 */
export class KubeClient {
  readonly server: string;
  readonly contextName: string;
  readonly namespace: string;
  private readonly agent: Agent | HttpAgent;
  private readonly tls: RequestOptions;
  private headers: Record<string, string> | undefined;
  private headersAt = 0;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private active = 0;
  private readonly queue: (() => void)[] = [];
  readonly concurrency: number;

  private constructor(
    private readonly kc: KubeConfig,
    options: ClientOptions,
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster)
      throw new KubeError(
        `the kubeconfig context "${kc.getCurrentContext()}" names no cluster`,
        'check the kubeconfig (kubectl config view)',
      );
    this.server = cluster.server.replace(/\/+$/, '');
    this.contextName = kc.getCurrentContext();
    this.namespace = kc.getContextObject(this.contextName)?.namespace ?? 'default';
    this.concurrency = options.concurrency ?? (Number(process.env.FLINKOPS_KUBE_CONCURRENCY) || 16);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.attempts = options.attempts ?? 5;
    this.backoffMs = options.backoffMs ?? (Number(process.env.FLINKOPS_RETRY_BASE_MS) || 200);
    this.tls = {};
    const isHttp = this.server.startsWith('http:');
    this.agent = isHttp
      ? new HttpAgent({ keepAlive: true, maxSockets: this.concurrency })
      : new Agent({ keepAlive: true, maxSockets: this.concurrency });
  }

  /** Loads the kubeconfig (or the in-cluster account) and selects the context. */
  static async connect(options: ClientOptions = {}): Promise<KubeClient> {
    const kc = new KubeConfig();
    try {
      if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
      else kc.loadFromDefault();
    } catch (e) {
      throw new KubeError(
        `cannot read the kubeconfig: ${(e as Error).message}`,
        'set KUBECONFIG to a kubeconfig file, or run in a pod with a service account',
      );
    }
    if (!kc.getCurrentCluster() && !kc.getContexts().length) {
      throw new KubeError(
        'no Kubernetes cluster configured: KUBECONFIG is unset and this is not a pod',
        'set KUBECONFIG, or pass --context with a context of ~/.kube/config',
      );
    }
    const names = kc.getContexts().map((c) => c.name);
    // In a pod without a kubeconfig, the pod's own cluster is the environment's: its context name is not ours to check.
    const inCluster = names.length === 1 && names[0] === 'inCluster';
    if (options.context && !(inCluster && options.contextFromEnvFile)) {
      if (!names.includes(options.context)) {
        throw new KubeError(
          `no context "${options.context}" in the kubeconfig (contexts: ${names.join(', ') || 'none'})`,
          'pass --context NAME, or fix kubernetes.context in platform/envs/<env>.yaml',
        );
      }
      kc.setCurrentContext(options.context);
    }
    const client = new KubeClient(kc, options);
    const opts: RequestOptions = {};
    try {
      await kc.applyToHTTPSOptions(opts);
    } catch (e) {
      throw new KubeError(
        `cannot authenticate to ${client.server}: ${(e as Error).message}`,
        'check the credentials of the kubeconfig user',
      );
    }
    Object.assign(
      client.tls,
      pick(opts, ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername']),
    );
    const a = client.agent as Agent;
    Object.assign(a.options, client.tls);
    return client;
  }

  /** Authentication headers, refreshed every 30 s (exec plugins and projected tokens rotate). */
  private async authHeaders(): Promise<Record<string, string>> {
    if (this.headers && Date.now() - this.headersAt < 30_000) return this.headers;
    const opts: RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {}))
      if (typeof v === 'string' || typeof v === 'number') h[k] = String(v);
    if (opts.auth) h.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    this.headers = h;
    this.headersAt = Date.now();
    return h;
  }

  /** One request, bounded by the pool, retried on 429, 5xx, resets and timeouts; other errors throw ApiError. */
  async request<T = unknown>(
    method: string,
    path: string,
    options: {
      body?: unknown;
      contentType?: string;
      query?: Record<string, string | undefined>;
      retryConflict?: boolean;
      raw?: boolean;
    } = {},
  ): Promise<KubeResponse<T>> {
    const query = Object.entries(options.query ?? {}).filter(([, v]) => v !== undefined) as [string, string][];
    const url = `${this.server}${path}${query.length ? `?${new URLSearchParams(query)}` : ''}`;
    const body =
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body);
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      let r: KubeResponse;
      try {
        r = await this.limited(() =>
          this.once(method, url, body, options.contentType ?? 'application/json', options.raw === true),
        );
      } catch (e) {
        if (!isTransient(e) || attempt >= this.attempts) {
          // The time actually waited, not one attempt's: retries and backoff make it several times the timeout.
          const waited = attempt > 1 ? ` (${attempt} attempts over ${seconds(Date.now() - started)})` : '';
          throw new KubeError(
            `cannot reach the Kubernetes API at ${this.server}: ${(e as Error).message}${waited}`,
            'check the network, the cluster address in the kubeconfig, and that the cluster is up',
          );
        }
        await sleep(this.backoff(attempt));
        continue;
      }
      if (r.status < 400) return r as KubeResponse<T>;
      const st = (typeof r.body === 'object' && r.body ? r.body : undefined) as KubeStatus | undefined;
      const err = new ApiError(
        r.status,
        st?.reason ?? '',
        st?.message ?? (typeof r.body === 'string' && r.body ? r.body.slice(0, 500) : `HTTP ${r.status}`),
        st,
      );
      // A 409 "Conflict" is an optimistic-concurrency race worth retrying; a field-manager conflict or AlreadyExists is not.
      const conflict =
        r.status === 409 && st?.reason === 'Conflict' && !isFieldConflict(st) && options.retryConflict !== false;
      const retryable = r.status === 429 || r.status >= 500 || conflict;
      if (!retryable || attempt >= this.attempts) throw err;
      const after = st?.details?.retryAfterSeconds;
      await sleep(after ? Math.min(after * 1000, 10_000) : this.backoff(attempt));
    }
  }

  /** Exponential backoff with jitter, so parallel retries do not arrive together. */
  private backoff(attempt: number): number {
    return Math.min(this.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random()), 10_000);
  }

  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }

  private async once(
    method: string,
    url: string,
    body: string | undefined,
    contentType: string,
    raw: boolean,
  ): Promise<KubeResponse> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': 'flinkops',
      ...(await this.authHeaders()),
    };
    if (body !== undefined) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const u = new URL(url);
    const send = u.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        u,
        { method, headers, agent: this.agent, timeout: this.timeoutMs, ...(u.protocol === 'https:' ? this.tls : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            if (!raw || (res.statusCode ?? 0) >= 400) {
              try {
                parsed = text ? JSON.parse(text) : undefined;
              } catch {
                parsed = text;
              }
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(
          Object.assign(new Error(`no answer within ${seconds(this.timeoutMs)} per attempt`), { code: 'ETIMEDOUT' }),
        ),
      );
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** A streaming GET (logs --follow): calls `onData` per chunk until the server ends the stream. */
  async stream(path: string, query: Record<string, string>, onData: (chunk: string) => void): Promise<void> {
    const url = new URL(`${this.server}${path}?${new URLSearchParams(query)}`);
    const headers = { 'User-Agent': 'flinkops', ...(await this.authHeaders()) };
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    await new Promise<void>((resolve, reject) => {
      const req = send(
        url,
        { method: 'GET', headers, agent: this.agent, ...(url.protocol === 'https:' ? this.tls : {}) },
        (res) => {
          if ((res.statusCode ?? 0) >= 400) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let st: KubeStatus | undefined;
              try {
                st = JSON.parse(text);
              } catch {
                st = undefined;
              }
              reject(new ApiError(res.statusCode ?? 0, st?.reason ?? '', st?.message ?? text, st));
            });
            return;
          }
          res.setEncoding('utf8');
          res.on('data', onData);
          res.on('end', resolve);
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A server-side apply conflict with another field manager: retrying cannot help. */
export function isFieldConflict(st: KubeStatus | undefined): boolean {
  return !!st?.details?.causes?.some((c) => (c.reason ?? c.type) === 'FieldManagerConflict');
}

/** A duration for a message: whole seconds, or tenths under 10 s. */
function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function isTransient(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  return (
    typeof code === 'string' && /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|ESOCKETTIMEDOUT|UND_ERR/.test(code)
  );
}

function pick<T extends object>(o: T, keys: (keyof T)[]): Partial<T> {
  const out: Partial<T> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
