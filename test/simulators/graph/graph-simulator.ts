/**
 * A Microsoft Entra ID token endpoint and the slice of Microsoft Graph v1.0 a phonebook reads, on
 * 127.0.0.1, over an in-memory directory the test controls. Written from Microsoft's documentation,
 * not from our reader:
 *
 * - learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow — `POST
 *   /{tenant}/oauth2/v2.0/token` (form: client_id, client_secret, grant_type=client_credentials,
 *   scope=…/.default) → `{ token_type: "Bearer", expires_in, ext_expires_in, access_token }`; errors
 *   `{ error, error_description: "AADSTS…", error_codes, timestamp, trace_id, correlation_id }`
 *   (AADSTS90002 unknown tenant, AADSTS700016 unknown app, AADSTS7000215 wrong secret,
 *   AADSTS1002012 scope without /.default).
 * - learn.microsoft.com/graph/delta-query-overview and /graph/delta-query-users, /graph/api/user-delta,
 *   /graph/api/orgcontact-delta — `GET /v1.0/users/delta?$select=…`, `/v1.0/contacts/delta`: pages
 *   with `@odata.context`, `value`, and either `@odata.nextLink` (`$skiptoken`) or, on the last page,
 *   `@odata.deltaLink` (`$deltatoken`); later rounds return changed records with their selected
 *   properties (never-set ones absent) and deletions as `{ id, "@removed": { reason } }`.
 * - devblogs.microsoft.com/microsoft365dev/duration-of-change-tracking-tokens-for-identity-and-education-resources
 *   — an expired directory delta token: 400 `syncStateNotFound`; /graph/delta-query-overview: 410 Gone.
 * - learn.microsoft.com/graph/api/user-list-contacts — `GET /v1.0/users/{id}/contacts?$top&$select`,
 *   paged with `$skip` in `@odata.nextLink`; unset properties are `null`.
 * - learn.microsoft.com/graph/errors — `{ error: { code, message, innerError: { date, request-id,
 *   client-request-id } } }`; 401 `InvalidAuthenticationToken`, 403 `Authorization_RequestDenied`.
 * - learn.microsoft.com/graph/throttling — 429 with `Retry-After` (seconds).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SimUser = { id: string; displayName?: string; givenName?: string; surname?: string; companyName?: string; mail?: string; businessPhones?: string[]; mobilePhone?: string; faxNumber?: string };
export type SimOrgContact = { id: string; displayName?: string; givenName?: string; surname?: string; companyName?: string; mail?: string; phones?: Array<{ type: string; number: string }> };
export type SimMailContact = { id: string; displayName?: string; givenName?: string; surname?: string; companyName?: string; emailAddresses?: Array<{ name: string; address: string }>; businessPhones?: string[]; homePhones?: string[]; mobilePhone?: string; personalNotes?: string };

type Entry = { version: number; record: Record<string, unknown> | null; removedReason?: 'changed' | 'deleted' };
type Cursor = { c: 'users' | 'contacts'; mode: 'initial' | 'delta'; since: number; until: number; offset: number; select: string; gen: number };

export type GraphSimulatorOptions = { tenantId: string; clientId: string; clientSecret: string; pageSize?: number; permissions?: string[] };

export class GraphSimulator {
  readonly options: Required<GraphSimulatorOptions>;
  readonly requests: Array<{ method: string; path: string; status: number }> = [];
  tokensIssued = 0;
  #server: Server | null = null;
  #base = '';
  #clock = 0;
  #collections = { users: new Map<string, Entry>(), contacts: new Map<string, Entry>() };
  #mailboxes = new Map<string, SimMailContact[]>();
  #tokens = new Map<string, number>();
  #throttle: { count: number; seconds: number } = { count: 0, seconds: 0 };
  #deltaExpiry: 400 | 410 | null = null;
  #apiRequests = 0;
  #hook: ((path: string, index: number) => void) | null = null;
  /** Called before each API (not token/login) request is answered, with its index counted from when the hook was set; tests change data or tokens mid-run here. */
  set onApiRequest(hook: ((path: string, index: number) => void) | null) {
    this.#hook = hook;
    this.#apiRequests = 0;
  }
  get onApiRequest(): ((path: string, index: number) => void) | null {
    return this.#hook;
  }

  constructor(options: GraphSimulatorOptions) {
    this.options = { pageSize: 3, permissions: ['User.Read.All', 'OrgContact.Read.All', 'Contacts.Read'], ...options };
  }

  async start(): Promise<{ authorityUrl: string; graphUrl: string }> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.#base = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return { authorityUrl: this.#base, graphUrl: this.#base };
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve());
    this.#server?.closeAllConnections();
  }

  upsertUser(user: SimUser): void {
    this.#collections.users.set(user.id, { version: ++this.#clock, record: { ...user } });
  }
  upsertOrgContact(contact: SimOrgContact): void {
    this.#collections.contacts.set(contact.id, { version: ++this.#clock, record: { ...contact } });
  }
  /** `changed`: soft-deleted (restorable 30 days); `deleted`: permanently. Both appear as @removed. */
  deleteUser(id: string, reason: 'changed' | 'deleted' = 'changed'): void {
    this.#collections.users.set(id, { version: ++this.#clock, record: null, removedReason: reason });
  }
  deleteOrgContact(id: string): void {
    this.#collections.contacts.set(id, { version: ++this.#clock, record: null, removedReason: 'deleted' });
  }
  setMailbox(user: string, contacts: SimMailContact[]): void {
    this.#mailboxes.set(user, contacts);
  }
  /** Every issued token stops working (as if its hour ran out). */
  expireTokens(): void {
    this.#tokens.clear();
  }
  /** The next `count` Graph requests answer 429 with `Retry-After: seconds`. */
  throttle(count: number, seconds: number): void {
    this.#throttle = { count, seconds };
  }
  /** Delta tokens issued so far are no longer known: 400 syncStateNotFound or 410 Gone. */
  expireDeltaTokens(status: 400 | 410): void {
    this.#deltaExpiry = status;
    this.#generation++;
  }
  #generation = 0;

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#base);
    const body = await new Promise<string>((resolve) => {
      let data = '';
      req.on('data', (chunk) => (data += chunk));
      req.on('end', () => resolve(data));
    });
    const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method: req.method ?? 'GET', path: url.pathname, status });
      res.writeHead(status, { 'content-type': 'application/json; odata.metadata=minimal', ...headers });
      res.end(JSON.stringify(json));
    };
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (token && req.method === 'POST') return this.#token(decodeURIComponent(token[1]), new URLSearchParams(body), send);

    const graphError = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
      send(status, { error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': randomUUID(), 'client-request-id': randomUUID() } } }, headers);
    this.#hook?.(url.pathname + url.search, this.#apiRequests++);
    if (this.#throttle.count > 0) {
      this.#throttle.count--;
      return graphError(429, 'TooManyRequests', 'Too many requests.', { 'retry-after': String(this.#throttle.seconds) });
    }
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ')) return graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.', { 'www-authenticate': 'Bearer realm=""' });
    const expires = this.#tokens.get(auth.slice(7));
    if (expires === undefined || expires < Date.now()) return graphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.', { 'www-authenticate': 'Bearer error="invalid_token"' });

    const collection = /^\/v1\.0\/(users|contacts)\/delta$/.exec(url.pathname)?.[1] as 'users' | 'contacts' | undefined;
    if (collection && req.method === 'GET') {
      const permission = collection === 'users' ? 'User.Read.All' : 'OrgContact.Read.All';
      if (!this.options.permissions.includes(permission)) return graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
      const skip = url.searchParams.get('$skiptoken');
      const delta = url.searchParams.get('$deltatoken');
      let cursor: Cursor;
      if (skip) cursor = decode(skip);
      else if (delta) {
        const from = decode(delta);
        if (this.#deltaExpiry && from.gen < this.#generation) {
          return this.#deltaExpiry === 410
            ? graphError(410, 'resyncRequired', 'Resync required. Replace any local items with the server\'s version and start a full synchronization.')
            : graphError(400, 'syncStateNotFound', 'The sync state generation is not found. The delta token is expired and data must be synchronized again.');
        }
        cursor = { ...from, mode: 'delta', until: this.#clock, offset: 0 };
      } else cursor = { c: collection, mode: 'initial', since: 0, until: this.#clock, offset: 0, select: url.searchParams.get('$select') ?? '', gen: this.#generation };
      return send(200, this.#deltaPage(cursor));
    }
    const mailbox = /^\/v1\.0\/users\/([^/]+)\/contacts$/.exec(url.pathname);
    if (mailbox && req.method === 'GET') {
      if (!this.options.permissions.includes('Contacts.Read')) return graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
      const user = decodeURIComponent(mailbox[1]);
      const contacts = this.#mailboxes.get(user);
      if (!contacts) return graphError(404, 'ErrorInvalidUser', `The requested user '${user}' is invalid.`);
      const top = Number(url.searchParams.get('$top') ?? 10);
      const skipN = Number(url.searchParams.get('$skip') ?? 0);
      const select = (url.searchParams.get('$select') ?? '').split(',').filter(Boolean);
      const value = contacts.slice(skipN, skipN + top).map((c) => pick(c as Record<string, unknown>, select, true));
      const next = skipN + top < contacts.length ? `${this.#base}/v1.0/users/${mailbox[1]}/contacts?$select=${select.join(',')}&$top=${top}&$skip=${skipN + top}` : undefined;
      return send(200, { '@odata.context': `${this.#base}/v1.0/$metadata#users('${user}')/contacts(${select.join(',')})`, value, ...(next ? { '@odata.nextLink': next } : {}) });
    }
    return graphError(404, 'Request_ResourceNotFound', `Resource '${url.pathname}' does not exist or one of its queried reference-property objects are not present.`);
  }

  #token(tenant: string, form: URLSearchParams, send: (status: number, json: unknown) => void): void {
    const fail = (status: number, error: string, code: number, description: string) =>
      send(status, { error, error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${new Date().toISOString()}`, error_codes: [code], timestamp: new Date().toISOString(), trace_id: randomUUID(), correlation_id: randomUUID() });
    if (tenant !== this.options.tenantId) return fail(400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    if (form.get('grant_type') !== 'client_credentials') return fail(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    if (form.get('client_id') !== this.options.clientId) return fail(400, 'unauthorized_client', 700016, `Application with identifier '${form.get('client_id')}' was not found in the directory '${tenant}'.`);
    if (form.get('client_secret') !== this.options.clientSecret) return fail(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.');
    if (!form.get('scope')?.endsWith('/.default')) return fail(400, 'invalid_scope', 1002012, 'The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).');
    const accessToken = `eyJ0eXAiOiJKV1Qi.${randomUUID()}`;
    this.#tokens.set(accessToken, Date.now() + 3599_000);
    this.tokensIssued++;
    send(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken });
  }

  #deltaPage(cursor: Cursor): Record<string, unknown> {
    const entries = [...this.#collections[cursor.c].entries()]
      .filter(([, e]) => (cursor.mode === 'initial' ? e.record !== null && e.version <= cursor.until : e.version > cursor.since && e.version <= cursor.until))
      .sort(([a, ea], [b, eb]) => ea.version - eb.version || a.localeCompare(b));
    const page = entries.slice(cursor.offset, cursor.offset + this.options.pageSize);
    const select = cursor.select.split(',').filter(Boolean);
    const value = page.map(([id, e]) => (e.record ? pick(e.record, select, false) : { id, '@removed': { reason: e.removedReason } }));
    const context = `${this.#base}/v1.0/$metadata#${cursor.c}(${select.join(',')})`;
    const more = cursor.offset + page.length < entries.length;
    return more
      ? { '@odata.context': context, '@odata.nextLink': `${this.#base}/v1.0/${cursor.c}/delta?$skiptoken=${encode({ ...cursor, offset: cursor.offset + page.length })}`, value }
      : { '@odata.context': context, '@odata.deltaLink': `${this.#base}/v1.0/${cursor.c}/delta?$deltatoken=${encode({ ...cursor, mode: 'delta', since: cursor.until, offset: 0 })}`, value };
  }
}

/** `$select` applied; `id` always. Delta responses omit never-set properties, list responses show null. */
function pick(record: Record<string, unknown>, select: string[], nulls: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { id: record.id };
  for (const key of select.length ? select : Object.keys(record)) {
    if (record[key] !== undefined) out[key] = record[key];
    else if (nulls) out[key] = key.endsWith('Phones') || key === 'emailAddresses' ? [] : null;
  }
  return out;
}

function encode(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decode(token: string): Cursor {
  return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Cursor;
}
