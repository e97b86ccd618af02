/**
 * Downloads a CSV source's file, streaming. Failures become SourceErrors in words a person can act
 * on: who could not be reached, which status the server answered and what to check, how far the
 * download got before the connection broke.
 */
import { SourceError, type ReadContext } from '../directory-source.ts';
import { causeText } from '../cause-text.ts';
import { responseBytes } from '../response-body.ts';
import type { CsvOptions } from './csv-source.ts';

const STATUS_HINTS: Record<number, [SourceError['kind'], string]> = {
  401: ['auth', 'check the username and password (or the token)'],
  403: ['auth', 'the account may not read this file'],
  404: ['remote', 'check the URL'],
  410: ['remote', 'check the URL'],
};

export async function openCsvUrl(o: CsvOptions, context: ReadContext): Promise<AsyncIterable<Uint8Array>> {
  const url = new URL(o.url!);
  const headers: Record<string, string> = { accept: 'text/csv, text/plain, */*' };
  if (o.username) headers.authorization = 'Basic ' + Buffer.from(`${o.username}:${o.password ?? ''}`).toString('base64');
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  const timeout = AbortSignal.timeout((o.timeoutSeconds ?? 300) * 1000);
  const signal = AbortSignal.any([context.signal, timeout]);
  const where = url.host;
  let response: Response;
  try {
    response = await context.fetch(url, { headers, signal, redirect: 'follow' });
  } catch (err) {
    throw fetchFailure(err, where, timeout.aborted, o.timeoutSeconds ?? 300);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    const [kind, hint] = STATUS_HINTS[response.status] ?? ['remote', response.status >= 500 ? 'the server has a problem; the run is tried again at the next interval' : 'check the URL and the server'];
    throw new SourceError(kind, `The server answered ${response.status} ${response.statusText || ''}`.trimEnd() + `: ${hint}`);
  }
  if (!response.body) throw new SourceError('remote', 'The server answered without a body');
  const seconds = o.timeoutSeconds ?? 300;
  return responseBytes(response, (err, received) => {
    if (err instanceof SourceError) return err;
    if (timeout.aborted) return new SourceError('timeout', `The download from ${where} took longer than ${seconds} s (${received} bytes received)`);
    return new SourceError('unreachable', `The connection to ${where} broke after ${received} bytes: ${causeText(err)}; nothing was changed`);
  });
}

function fetchFailure(err: unknown, where: string, timedOut: boolean, seconds: number): SourceError {
  // Already in words a person can act on (the engine's SSRF guard refused the address).
  if (err instanceof SourceError) return err;
  if (timedOut) return new SourceError('timeout', `${where} did not answer within ${seconds} s`);
  return new SourceError('unreachable', `Could not reach ${where}: ${causeText(err)}`);
}
