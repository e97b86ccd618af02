/**
 * A kept-alive connection that the server closes just as it is reused fails a request that never
 * reached the server: the socket closes or resets before any answer. Browsers send such a request
 * once more on a new connection; so do sources' and CRM connectors' safe requests here. Unsafe ones
 * (a webhook, a CRM journal entry) are not resent at once: they go back to the outbox, which tries
 * again later and keeps them exactly once where the receiver can tell.
 */

/** Methods without effects on the server (RFC 9110 §9.2.1, and WebDAV's reads): resending one is harmless. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PROPFIND', 'REPORT']);

/** An error and those it wraps: undici nests the socket error in `cause`, a connect to several addresses fails with an AggregateError. */
export function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = err, i = 0; e && i < 5; i++) {
    chain.push(e);
    e = e instanceof AggregateError && e.errors[0] ? e.errors[0] : (e as { cause?: unknown }).cause;
  }
  return chain;
}

/** The connection closed or reset before any answer. */
export function closedBeforeAnswer(err: unknown): boolean {
  return causes(err).some((e) => ['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE'].includes((e as { code?: unknown }).code as string));
}

/**
 * Runs `send`; when it fails because the connection closed before any answer, the method is safe
 * and nobody aborted, runs it once more (undici then opens a new connection).
 */
export async function sendOnceMoreIfStale<T>(method: string | undefined, signal: AbortSignal | null | undefined, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (!closedBeforeAnswer(err) || !SAFE_METHODS.has((method ?? 'GET').toUpperCase()) || signal?.aborted) throw err;
    return await send();
  }
}
