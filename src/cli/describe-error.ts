/** Turns whatever was thrown into the one line the CLI prints (the stack only with `--debug`). */

export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // pg reports "connection refused" to several addresses as an AggregateError with an empty message.
  if (!err.message && err instanceof AggregateError && err.errors.length) return describeError(err.errors[0]);
  // fetch() says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, a TLS error) is the cause.
  if (err.message === 'fetch failed' && err.cause) return `fetch failed: ${describeError(err.cause)}`;
  const code = (err as { code?: unknown }).code;
  const message = err.message.split('\n')[0] || (typeof code === 'string' ? code : err.name);
  return message;
}

/** The stack, followed by the stacks of its causes. */
export function errorDetails(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? String(current)) : String(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) parts.push('Caused by:');
  }
  return parts.join('\n');
}
