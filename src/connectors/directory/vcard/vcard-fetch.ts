/**
 * HTTP for the vCard and CardDAV readers, through the engine's guarded `ctx.fetch`: basic or bearer
 * auth (api-request.ts), a time limit per request, and failures as SourceErrors that name the host
 * but never the path, a credential or any card data.
 *
 * Not apiRequest: these readers talk to file and DAV servers, not throttling vendor APIs, so they
 * have a per-request time limit instead of Retry-After, and messages in the servers' terms (host,
 * what was under way) rather than a vendor's name.
 */
import { authHeader, type HttpAuth } from '../api-request.ts';
import { SourceError, type ReadContext } from '../directory-source.ts';
import { causeText } from '../cause-text.ts';
import { responseBytes } from '../response-body.ts';

/** A failure while a request or its body was under way. */
export function transferError(err: unknown, host: string, signal: AbortSignal, timeout: AbortSignal, what: string): SourceError {
  if (err instanceof SourceError) return err;
  if (timeout.aborted) return new SourceError('timeout', `${host} did not finish ${what} in time`);
  if (signal.aborted) return new SourceError('timeout', `the run was stopped while ${what} (timeout or shutdown)`);
  return new SourceError('unreachable', `${host}: ${causeText(err)} while ${what}; nothing was changed`);
}

/** Status → SourceError, or null for 2xx/207. */
export function statusError(response: Response, host: string): SourceError | null {
  const s = response.status;
  if (s >= 200 && s < 300) return null;
  if (s === 401) return new SourceError('auth', `${host} refused the username or password (HTTP 401)`);
  if (s === 403) return new SourceError('auth', `${host} does not let this account read the address book (HTTP 403)`);
  if (s === 404 || s === 410) return new SourceError('remote', `${host} has nothing at this URL (HTTP ${s}): check the URL`);
  return new SourceError('remote', `${host} answered HTTP ${s}${s >= 500 ? ': the server has a problem; the run is tried again later' : ''}`);
}

export type HttpRequest = { method: string; headers?: Record<string, string>; body?: string };

/**
 * Sends one request and returns the response with its body unread; the body is read under the same
 * time limit. Network failures, timeouts and aborts become SourceErrors.
 */
export async function send(context: Pick<ReadContext, 'fetch' | 'signal'>, url: string, request: HttpRequest, timeoutSeconds: number): Promise<{ response: Response; timeout: AbortSignal; host: string }> {
  const host = new URL(url).host;
  const timeout = AbortSignal.timeout(timeoutSeconds * 1000);
  try {
    const response = await context.fetch(url, { method: request.method, headers: request.headers, body: request.body, signal: AbortSignal.any([context.signal, timeout]), redirect: 'follow' });
    return { response, timeout, host };
  } catch (err) {
    throw transferError(err, host, context.signal, timeout, 'connecting');
  }
}

/** Downloads `url` as a byte stream; a broken connection mid-body throws SourceError('unreachable'). */
export async function download(context: Pick<ReadContext, 'fetch' | 'signal'>, url: string, auth: HttpAuth, timeoutSeconds: number): Promise<AsyncIterable<Uint8Array>> {
  const { response, timeout, host } = await send(context, url, { method: 'GET', headers: { accept: 'text/vcard, text/x-vcard, text/directory, */*', ...authHeader(auth) } }, timeoutSeconds);
  const failed = statusError(response, host);
  if (failed) {
    await response.body?.cancel().catch(() => {});
    throw failed;
  }
  if (!response.body) throw new SourceError('remote', `${host} answered without a body`);
  return responseBytes(response, (err) => transferError(err, host, context.signal, timeout, 'downloading'));
}
