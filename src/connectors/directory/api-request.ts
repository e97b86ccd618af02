/**
 * One HTTP request of a cloud/CRM directory reader (Microsoft Graph, Salesforce, SugarCRM, EWS),
 * through the engine's guarded `ctx.fetch` and under its `ctx.signal`.
 *
 * Throttling is the vendors' common language: 429 (and 503) with `Retry-After` in seconds or as an
 * HTTP date. The reader waits as asked and tries again, a bounded number of times and never longer
 * than `maxWaitMs` per wait, so a source that throttles for an hour fails the run with a message
 * instead of holding the engine's run slot. Without `Retry-After` it backs off exponentially.
 * Network failures become `SourceError('unreachable')` naming only the origin, never the path (links
 * carry paging tokens) nor any credential.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SourceError, type ReadContext } from './directory-source.ts';

export type ApiRequestPolicy = {
  /** The system's name in messages, e.g. "Microsoft Graph". */
  service: string;
  /** Throttled attempts retried before the run fails (default 5). */
  maxRetries?: number;
  /** The longest single wait honoured (default 120 s); a longer Retry-After fails the run. */
  maxWaitMs?: number;
};

const RETRYABLE = new Set([429, 503]);

/** Sends the request, waiting out 429/503 as the server asks; any other status is returned. */
export async function apiRequest(ctx: Pick<ReadContext, 'fetch' | 'signal'>, url: string, init: RequestInit, policy: ApiRequestPolicy): Promise<Response> {
  const maxWaitMs = policy.maxWaitMs ?? 120_000;
  for (let attempt = 0; ; attempt++) {
    const response = await send(ctx, url, init, policy.service);
    if (!RETRYABLE.has(response.status)) return response;
    const waitMs = retryAfterMs(response.headers.get('retry-after')) ?? Math.min(1000 * 2 ** attempt, maxWaitMs);
    await response.body?.cancel();
    await waitOutThrottle(ctx.signal, policy, attempt, waitMs, { kept: `refusing requests with HTTP ${response.status}`, cause: `HTTP ${response.status}` });
  }
}

/**
 * One throttled attempt, however the server said so (HTTP 429, EWS's ErrorServerBusy): waits
 * `waitMs`, or fails the run once the retries are used up or the wait asked for is beyond the bound.
 * `refusal` names the answer in the messages: `kept` after "kept", `cause` in parentheses.
 */
export async function waitOutThrottle(signal: AbortSignal, policy: ApiRequestPolicy, attempt: number, waitMs: number, refusal: { kept: string; cause: string }): Promise<void> {
  const maxRetries = policy.maxRetries ?? 5;
  const maxWaitMs = policy.maxWaitMs ?? 120_000;
  if (attempt >= maxRetries) {
    throw new SourceError('remote', `${policy.service} kept ${refusal.kept} (throttled) after ${maxRetries} retries; try again later`);
  }
  if (waitMs > maxWaitMs) {
    throw new SourceError('remote', `${policy.service} asked to wait ${Math.ceil(waitMs / 1000)} s before the next request (${refusal.cause}); the run stopped and will be tried again later`);
  }
  await wait(waitMs, signal);
}

/** Waits, or rejects with the signal's own reason (the engine's timeout or stop) when it aborts. */
export async function wait(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (err) {
    throw signal.aborted ? signal.reason : err;
  }
}

async function send(ctx: Pick<ReadContext, 'fetch' | 'signal'>, url: string, init: RequestInit, service: string): Promise<Response> {
  try {
    return await ctx.fetch(url, { ...init, signal: ctx.signal });
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    if (err instanceof SourceError) throw err;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new SourceError('unreachable', `${service} at ${origin(url)} is unreachable (${why})`);
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); null if absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The scheme and host of a URL, for messages that must not show paths or query strings. */
export function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the configured URL';
  }
}

/** Basic or bearer credentials of an HTTP reader (vCard, CardDAV, EWS); the token wins when both are set. */
export type HttpAuth = { username?: string; password?: string; token?: string };

export function authHeader(auth: HttpAuth): Record<string, string> {
  if (auth.token) return { authorization: `Bearer ${auth.token}` };
  if (auth.username) return { authorization: 'Basic ' + Buffer.from(`${auth.username}:${auth.password ?? ''}`).toString('base64') };
  return {};
}

/** Reads a JSON body; a body that is not JSON is the remote system's fault. */
export async function readJson(response: Response, service: string): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new SourceError('remote', `${service} answered HTTP ${response.status} with a body that is not JSON`);
  }
}
