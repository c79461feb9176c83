/** Retries an idempotent call on rate limits, 5xx and network errors, with exponential backoff. */
export async function withRetry<T>(
  call: () => Promise<T>,
  statusOf: (e: unknown) => number | undefined,
  options: { attempts?: number; baseMs?: number; retryAfterOf?: (e: unknown) => number | undefined } = {},
): Promise<T> {
  const attempts = options.attempts ?? 4;
  const base = options.baseMs ?? Number(process.env.FLINKOPS_RETRY_BASE_MS ?? 250);
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (e) {
      const status = statusOf(e);
      const retryable =
        status === undefined ? isNetworkError(e) : status === 429 || status === 502 || status === 503 || status === 504;
      if (!retryable || i >= attempts) throw e;
      const after = options.retryAfterOf?.(e);
      const wait = after !== undefined ? Math.min(after * 1000, 30_000) : base * 2 ** (i - 1);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

function isNetworkError(e: unknown): boolean {
  const code = (e as { code?: string; cause?: { code?: string } })?.cause?.code ?? (e as { code?: string })?.code;
  return typeof code === 'string' && /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|UND_ERR/.test(code);
}
