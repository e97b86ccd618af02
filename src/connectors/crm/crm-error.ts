/**
 * What goes wrong talking to a CRM, by what the caller should do about it:
 * - auth: credentials refused even after a fresh token (fix the connection, then replay);
 * - api_disabled: the user may not use the API (Salesforce "API Enabled" permission);
 * - rate_limited: try again, at `retryAt` when the CRM said so (429 Retry-After);
 * - unavailable: 5xx, timeout, network: try again later;
 * - rejected: the CRM refused this request (4xx validation): retrying cannot help;
 * - blocked: the SSRF guard refused the address; nothing was sent.
 */
import type { AttemptOutcome } from '../../delivery/delivery.ts';

export type CrmErrorKind = 'auth' | 'api_disabled' | 'rate_limited' | 'unavailable' | 'rejected' | 'blocked';

export class CrmError extends Error {
  readonly kind: CrmErrorKind;
  readonly status: number | undefined;
  readonly retryAt: string | undefined;

  constructor(kind: CrmErrorKind, message: string, options: { status?: number; retryAt?: string } = {}) {
    super(message);
    this.name = 'CrmError';
    this.kind = kind;
    this.status = options.status;
    this.retryAt = options.retryAt;
  }
}

/** The delivery outcome of a failed journaling attempt. Unknown errors are retried (infrastructure). */
export function outcomeOf(err: unknown, request?: string): AttemptOutcome {
  const extra = request ? { request } : {};
  if (!(err instanceof CrmError)) return { outcome: 'retry', error: (err as Error)?.message ?? String(err), ...extra };
  const status = err.status === undefined ? {} : { status: err.status };
  switch (err.kind) {
    case 'rate_limited':
      return { outcome: 'retry', error: err.message, ...status, ...(err.retryAt ? { at: err.retryAt } : {}), ...extra };
    case 'unavailable':
      return { outcome: 'retry', error: err.message, ...status, ...extra };
    case 'blocked':
      return { outcome: 'blocked', error: err.message };
    case 'auth':
    case 'api_disabled':
    case 'rejected':
      return { outcome: 'failed', error: err.message, ...status, ...extra };
  }
}
