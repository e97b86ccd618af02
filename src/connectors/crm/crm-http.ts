/**
 * HTTP for CRM connectors, through the delivery engine's SSRF-guarded dispatchers (the tenant's
 * allow-list applies to CRM hosts as it does to webhooks). Maps answers to CrmError kinds: 401 auth
 * (the caller refreshes its token once and asks again), 403 rejected unless the CRM says otherwise,
 * 408/429/5xx unavailable or rate_limited with Retry-After, other 4xx rejected. Bodies never logged.
 * A safe request whose kept-alive connection closed before any answer is sent once more (stale-connection.ts).
 */
import { request } from 'undici';
import type { SafeDispatchers } from '../../delivery/safe-dispatcher.ts';
import { parseRetryAfter } from '../../delivery/retry-policy.ts';
import { requestLine } from '../../delivery/http-sender.ts';
import { sendOnceMoreIfStale } from '../../delivery/stale-connection.ts';
import { CrmError } from './crm-error.ts';

export type CrmRequest = { method: string; url: string; headers?: Record<string, string>; body?: string | null };
export type CrmResponse = { status: number; headers: Record<string, string>; text: string };

/** Sends one request and returns any answer (no status mapping). Network trouble → CrmError. */
export async function send(dispatchers: SafeDispatchers, allowList: readonly string[], req: CrmRequest, signal: AbortSignal): Promise<CrmResponse> {
  const timeout = AbortSignal.timeout(dispatchers.timeouts.totalMs);
  try {
    const both = AbortSignal.any([signal, timeout]);
    // A lookup (GET) on a kept-alive connection the CRM closed just then is sent once more.
    const res = await sendOnceMoreIfStale(req.method, both, () =>
      request(req.url, {
        method: req.method as 'GET',
        headers: { 'user-agent': 'Callbridge', ...req.headers },
        body: req.body ?? undefined,
        dispatcher: dispatchers.for(allowList),
        signal: both,
      }),
    );
    const text = await res.body.text();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
    return { status: res.statusCode, headers, text };
  } catch (err) {
    for (let e = err as { name?: string; message?: string; cause?: unknown } | undefined, d = 0; e && d < 5; e = e.cause as typeof e, d++) {
      if (e.name === 'DestinationBlockedError') throw new CrmError('blocked', e.message ?? 'refused by the SSRF guard');
    }
    const why = signal.aborted || timeout.aborted ? 'no answer in time' : ((err as { code?: string }).code ?? (err as Error).message);
    throw new CrmError('unavailable', `${requestLine(req.method, req.url)}: ${why}`);
  }
}

/** Throws the CrmError an unsuccessful answer stands for; returns a 2xx answer as is. */
export function checkStatus(req: CrmRequest, res: CrmResponse): CrmResponse {
  const { status } = res;
  if (status >= 200 && status < 300) return res;
  const line = requestLine(req.method, req.url);
  if (status === 401) throw new CrmError('auth', `${line}: HTTP 401, credentials refused`, { status });
  if (status === 429 || status === 408 || status >= 500) {
    const at = parseRetryAfter(res.headers['retry-after'], new Date());
    const kind = status === 429 ? 'rate_limited' : 'unavailable';
    throw new CrmError(kind, `${line}: HTTP ${status}`, { status, ...(at ? { retryAt: at.toISOString() } : {}) });
  }
  throw new CrmError('rejected', `${line}: HTTP ${status}${vendorMessage(res.text)}`, { status });
}

/** A short vendor error message (their error codes, not our data) for the delivery log. */
function vendorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    const first = Array.isArray(body) ? body[0] : body;
    const msg = (first as { errorCode?: string; message?: string; error?: string })?.errorCode ?? (first as { message?: string })?.message ?? (first as { error?: string })?.error;
    return typeof msg === 'string' ? `: ${msg.slice(0, 200)}` : '';
  } catch {
    return '';
  }
}

/** Sends, maps the status and parses JSON (empty body: null). */
export async function sendJson(dispatchers: SafeDispatchers, allowList: readonly string[], req: CrmRequest, signal: AbortSignal): Promise<unknown> {
  const res = checkStatus(req, await send(dispatchers, allowList, req, signal));
  if (!res.text) return null;
  try {
    return JSON.parse(res.text);
  } catch {
    throw new CrmError('rejected', `${requestLine(req.method, req.url)}: the answer is not JSON`, { status: res.status });
  }
}
