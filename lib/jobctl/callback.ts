import { createHmac } from 'node:crypto';

export interface ActionStatus {
  job: string;
  env: string;
  action: string;
  result: 'succeeded' | 'failed';
  message: string;
  savepoint?: string;
  state?: string;
  triggeredBy: string;
  pipeline?: string;
  at: string;
}

/** `sha256=<hex>` of HMAC-SHA256 over the exact body bytes, as GitHub signs webhooks. */
export function signature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * POSTs the action's outcome to the scheduler. The body is signed (`X-Flinkops-Signature-256`) with
 * the secret from $FLINKOPS_CALLBACK_SECRET; the receiver recomputes it over the raw body and
 * compares in constant time; `at` lets it refuse replays. Retried on 5xx and network errors.
 */
export async function postCallback(url: string, status: ActionStatus, secret: string, attempts = 3): Promise<void> {
  const body = JSON.stringify(status);
  let last = '';
  for (let i = 1; i <= attempts; i++) {
    try {
      const r = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'flinkops',
          'X-Flinkops-Signature-256': signature(body, secret),
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (r.ok) return;
      last = `HTTP ${r.status}`;
      if (r.status < 500 && r.status !== 429) break;
    } catch (e) {
      last = (e as Error).message;
    }
    if (i < attempts) await new Promise((r) => setTimeout(r, 500 * 2 ** (i - 1)));
  }
  throw new Error(`the callback to ${new URL(url).host} failed: ${last}`);
}
