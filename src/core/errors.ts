/**
 * Every error a client can see, with a stable code and its HTTP status. docs/errors.md documents each
 * code; a test checks the two agree. Add a code here, then document it.
 */
export const ERRORS = {
  CB_VALIDATION: { status: 400, title: 'The request is not valid' },
  CB_MALFORMED_BODY: { status: 400, title: 'The body could not be parsed' },
  CB_UNAUTHORIZED: { status: 401, title: 'Missing or invalid credentials' },
  CB_INVALID_SIGNATURE: { status: 401, title: 'The request signature does not match' },
  CB_FORBIDDEN: { status: 403, title: 'The key may not do this' },
  CB_CSRF: { status: 403, title: 'The CSRF token of the session is missing or wrong' },
  CB_NOT_FOUND: { status: 404, title: 'Not found' },
  CB_CONFLICT: { status: 409, title: 'Conflicts with what is stored' },
  CB_DELIVERY_IN_FLIGHT: { status: 409, title: 'The delivery is still pending or being sent' },
  CB_PAYLOAD_TOO_LARGE: { status: 413, title: 'The body is larger than allowed' },
  CB_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The content type is not supported' },
  CB_TOO_MANY_ATTEMPTS: { status: 429, title: 'Too many failed sign-ins' },
  CB_SOURCE_FAILED: { status: 422, title: 'The uploaded file could not be synced' },
  CB_INTERNAL: { status: 500, title: 'Internal error' },
  CB_PBX_REFUSED: { status: 502, title: 'The PBX refused' },
  CB_CRM_FAILED: { status: 502, title: 'The CRM refused or could not be reached' },
  CB_PBX_UNAVAILABLE: { status: 503, title: 'No PBX connection can do this now' },
  CB_NOT_READY: { status: 503, title: 'Not ready' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** An expected failure with a code from the registry; `field` names the offending input (JSON pointer). */
export class CallbridgeError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'CallbridgeError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.field = field;
  }
}

export function invalid(field: string, message: string): CallbridgeError {
  return new CallbridgeError('CB_VALIDATION', message, field);
}
