/**
 * Sends one prepared HTTP request for a delivery and maps the answer to an attempt outcome:
 * 2xx delivered; 3xx failed (redirects are not followed: a receiver that moved must be reconfigured,
 * and following one could lead past the SSRF guard's intent); 408, 429 and 5xx retried, at the time
 * Retry-After names when it does; 410 gone; other 4xx failed; network errors and timeouts retried;
 * refused by the SSRF guard: blocked. Response bodies are read and discarded, never logged.
 */
import { request } from 'undici';
import type { AttemptOutcome } from './delivery.ts';
import { parseRetryAfter } from './retry-policy.ts';
import { scrubPath } from '../core/personal-data.ts';
import type { SafeDispatchers } from './safe-dispatcher.ts';

export type PreparedRequest = {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
};

/**
 * `POST https://host/path`: the query is left out, it may carry numbers and names; so are phone
 * numbers in the path (`/contacts/by-phone/[number]`, from a URL template).
 */
export function requestLine(method: string, url: string): string {
  try {
    const u = new URL(url);
    return `${method} ${u.protocol}//${u.host}${scrubPath(u.pathname, false)}`;
  } catch {
    return `${method} (invalid URL)`;
  }
}

export async function sendRequest(dispatchers: SafeDispatchers, allowList: readonly string[], req: PreparedRequest, signal: AbortSignal): Promise<AttemptOutcome> {
  const line = requestLine(req.method, req.url);
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return { outcome: 'failed', error: 'the URL is not valid', request: line };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { outcome: 'failed', error: `${url.protocol} URLs are not delivered; use http or https`, request: line };
  try {
    const res = await request(url, {
      method: req.method as 'POST',
      headers: { 'user-agent': 'Callbridge', ...req.headers },
      body: req.body ?? undefined,
      dispatcher: dispatchers.for(allowList),
      // The worker's signal carries the total timeout (its attemptTimeoutMs is the dispatcher's totalMs).
      signal,
    });
    // Drain (bounded) so the connection can be reused; the content is of no interest.
    await res.body.dump({ limit: 64 * 1024 }).catch(() => {});
    const status = res.statusCode;
    if (status >= 200 && status < 300) return { outcome: 'delivered', status, request: line };
    if (status >= 300 && status < 400) {
      const location = res.headers.location;
      const to = typeof location === 'string' ? ` to ${requestLine('', new URL(location, url).toString()).trim()}` : '';
      return { outcome: 'failed', status, error: `HTTP ${status}: redirect${to} not followed; configure the final URL`, request: line };
    }
    if (status === 410) return { outcome: 'gone', status, error: 'HTTP 410 Gone: the receiver says this endpoint no longer exists', request: line };
    if (status === 408 || status === 429 || status >= 500) {
      const at = parseRetryAfter(res.headers['retry-after'], new Date());
      return { outcome: 'retry', status, error: `HTTP ${status}`, request: line, ...(at ? { at: at.toISOString() } : {}) };
    }
    return { outcome: 'failed', status, error: `HTTP ${status}: the receiver refused the request`, request: line };
  } catch (err) {
    const blocked = blockedReason(err);
    if (blocked) return { outcome: 'blocked', error: blocked };
    if (signal.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError') return { outcome: 'retry', error: `no answer within ${dispatchers.timeouts.totalMs / 1000} s`, request: line };
    if (signal.aborted) return { outcome: 'retry', error: 'stopped before an answer came (shutdown)', request: line };
    return { outcome: 'retry', error: describeNetworkError(err), request: line };
  }
}

function blockedReason(err: unknown): string | undefined {
  for (let e = err as { name?: string; message?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.name === 'DestinationBlockedError') return e.message;
  }
  return undefined;
}

function describeNetworkError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'could not connect within the connect timeout';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND') return 'the host name does not resolve';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'the receiver did not answer in time';
  return `${code ? code + ': ' : ''}${e.message ?? String(err)}`.slice(0, 300);
}
