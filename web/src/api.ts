/**
 * The UI's only way to the server: the public API, same origin, with the session cookie and, for
 * changes, the session's CSRF token. Errors are the API's problem+json, thrown as ApiError.
 */
export type Problem = { code: string; title: string; detail?: string; field?: string; status: number };

export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail ?? problem.title);
    this.problem = problem;
  }
}

let csrfToken: string | null = null;
let onUnauthorized: () => void = () => {};

/** Set after sign-in and on start (GET /api/v1/session). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a request answers 401: the session ended (expired, signed out elsewhere). */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return undefined as T;
  const data = await res.json().catch(() => undefined);
  if (!res.ok) {
    if (res.status === 401 && path !== '/api/v1/session') onUnauthorized();
    throw new ApiError(data?.code ? data : { code: 'CB_INTERNAL', title: res.statusText, status: res.status });
  }
  return data as T;
}

/**
 * Sends a file as the raw request body (`POST /api/v1/sources/{id}/upload`), reporting the bytes sent
 * as they go — fetch() cannot tell upload progress, XMLHttpRequest can. Fails like api() does; a
 * broken connection is `CB_NETWORK` (status 0).
 */
export function upload<T>(path: string, file: Blob, contentType: string, onProgress: (sent: number, total: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.withCredentials = true;
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('content-type', contentType);
    if (csrfToken) xhr.setRequestHeader('x-csrf-token', csrfToken);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    // A small file may go in one piece without a progress event.
    xhr.upload.onload = () => onProgress(file.size, file.size);
    xhr.onerror = () => reject(new ApiError({ code: 'CB_NETWORK', title: 'The connection broke', status: 0 }));
    xhr.onload = () => {
      let data: (T & Partial<Problem>) | undefined;
      try {
        data = JSON.parse(xhr.responseText) as T & Partial<Problem>;
      } catch {
        data = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(data as T);
      if (xhr.status === 401) onUnauthorized();
      reject(new ApiError(data?.code ? (data as Problem) : { code: 'CB_INTERNAL', title: xhr.statusText, status: xhr.status }));
    };
    xhr.send(file);
  });
}

/** A query string from the set values of `params`. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

// --- Shapes of the API's answers, as far as the UI reads them. ---

export type Role = 'admin' | 'agent';

export type Session = {
  user: { id: string; name: string; email: string | null; extension: string };
  role: Role;
  tenantId: string;
  defaultCountry: string;
  expiresAt: string;
  csrfToken: string;
  /** The user's own choices, stored server-side (PUT /api/v1/session/preferences). */
  preferences: { autoRunFavourite: boolean };
};

export type PhoneNumber = { raw: string; e164: string | null; withheld: boolean };

export type Call = {
  id: string;
  direction: 'inbound' | 'outbound' | 'internal';
  kind: string;
  from: PhoneNumber;
  to: PhoneNumber;
  did: string | null;
  queue: string | null;
  state: 'ringing' | 'answered' | 'ended';
  outcome: 'answered' | 'missed' | 'busy' | 'rejected' | 'failed' | null;
  hangupCause: string | null;
  answeredBy: string | null;
  extension: string | null;
  extensionsRang: string[];
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  ringSeconds: number | null;
  talkSeconds: number | null;
  transfers: { from: string | null; to: string; type: string; at: string }[];
  legs: { id: string; state: string; extension: string | null; startedAt: string; answeredAt: string | null; endedAt: string | null; cause: string | null }[];
  caller: { contactId: string | null; name: string | null; company: string | null; matchType: string } | null;
  version: number;
};

export type CallEventView = { seq: number; type: string; at: string; receivedAt: string; source: string; effect: string; legId: string; extension?: string | null; cause?: string | null; transferTo?: string | null };

export type CallDetail = Call & { events: CallEventView[] };

export type Contact = {
  id: string;
  kind: 'person' | 'company';
  name: string;
  company: string | null;
  numbers: { raw: string; e164: string | null; type: string; switchboard: boolean }[];
  emails: string[];
  notes: string | null;
  origin: string;
  sourceId: string | null;
  badge: 'S' | 'M';
  personal: boolean;
  updatedAt: string;
};

export type User = { id: string; extension: string; name: string; email: string | null };

export type ApiKey = { id: string; prefix: string; name: string; role: string; extension: string | null; createdAt: string; lastUsedAt: string | null; revokedAt: string | null };

export type Settings = { tenantId: string; name: string; defaultCountry: string; areaCode: string | null; placetelSecretSet: boolean; lookupSuffixDigits: number | null; retentionDays: number | null };
