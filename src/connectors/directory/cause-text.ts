/**
 * Why a source's HTTP request failed, in words a person can act on: undici nests the socket's error
 * (with its code) in `cause`, a connection attempt to several addresses in an AggregateError. Used
 * by the CSV and vCard/CardDAV readers, whose messages name the host before it.
 */
const CODES: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused (is the server running, is the port right?)',
  ENOTFOUND: 'the host name is unknown (check the URL)',
  EAI_AGAIN: 'the host name could not be resolved now (DNS)',
  ECONNRESET: 'the server closed the connection',
  UND_ERR_SOCKET: 'the server closed the connection',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate cannot be verified',
};

export function causeText(err: unknown): string {
  let e: unknown = err;
  // The first code met that is not known here: shown as it is when nothing better turns up.
  let code: string | undefined;
  for (let i = 0; i < 4 && e; i++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string') {
      if (CODES[c]) return CODES[c];
      code ??= c;
    }
    e = e instanceof AggregateError && e.errors[0] ? e.errors[0] : (e as { cause?: unknown }).cause;
  }
  const message = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
  if (message === 'terminated' || message === 'fetch failed') return code ?? 'the connection broke off';
  return message || code || 'unknown error';
}
