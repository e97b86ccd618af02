/**
 * A Salesforce org on 127.0.0.1 as the CRM connector sees it — OAuth token endpoint, SOSL search,
 * SOQL on Task, sobject creation — written from Salesforce's documentation:
 *
 * - OAuth 2.0 username-password flow (developer.salesforce.com/docs/atlas.en-us.api_rest.meta/
 *   api_rest/intro_understanding_username_password_oauth_flow.htm) and client-credentials flow (help
 *   "OAuth 2.0 Client Credentials Flow for Server-to-Server Integration"): `POST /services/oauth2/token`
 *   form-encoded → `{ access_token, instance_url, id, token_type: "Bearer", issued_at, signature }`;
 *   refused → HTTP 400 `{ error: "invalid_grant" | "invalid_client_id", error_description }`; JWT
 *   bearer flow (help "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration", RFC 7523):
 *   `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<RS256 JWT: iss, sub, aud, exp>`.
 * - Search (api_rest "Search" resource `GET /services/data/vXX.X/search?q=<SOSL>` →
 *   `{ searchRecords: [{ attributes: { type, url }, …fields }] }`); SOSL syntax from soql_sosl
 *   "FIND {SearchQuery}" (quoted phrases, OR, backslash-escaped reserved characters) and
 *   "IN SearchGroup" (PHONE FIELDS: only phone fields). Model of the phone index: a term matches a
 *   field with the same digit sequence, so "+49 30 1234567" and "+49301234567" find each other but a
 *   number typed nationally ("030 1234567") is found only by its national form.
 * - Query (api_rest "Query" `GET …/query?q=<SOQL>` → `{ totalSize, done, records }`): only the
 *   `SELECT Id FROM Task WHERE CallObject = '…'` the connector sends; anything else MALFORMED_QUERY.
 * - Create (api_rest "Create a Record" `POST …/sobjects/{Task|Account}` → 201 `{ id, success, errors }`;
 *   validation → 400 `[{ message, errorCode, fields }]`); Task fields from the Object Reference "Task".
 * - Errors (api_rest "Status Codes and Error Responses"): 401 INVALID_SESSION_ID, 403
 *   API_CURRENTLY_DISABLED (the user lacks "API Enabled"), 403 API_DISABLED_FOR_ORG (the edition
 *   has no API access). `fail()` answers 429 / 5xx with Retry-After (RFC 9110) for fault tests.
 */
import { createVerify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SfRecord = Record<string, unknown> & { Id: string };
export type SfUser = { id: string; username: string; password: string; securityToken: string; apiEnabled: boolean };

const PHONE_FIELDS: Record<string, string[]> = { Contact: ['Phone', 'MobilePhone', 'HomePhone', 'OtherPhone', 'AssistantPhone'], Account: ['Phone', 'Fax'] };
const PREFIX: Record<string, string> = { Task: '00T', Account: '001', Contact: '003' };

export class SalesforceCrmSimulator {
  readonly objects: Record<'Task' | 'Account' | 'Contact', Map<string, SfRecord>> = { Task: new Map(), Account: new Map(), Contact: new Map() };
  readonly users: SfUser[] = [];
  /** The connected app; `publicKey` is its certificate's key for the JWT bearer flow. */
  readonly app = { clientId: 'sim-client', clientSecret: 'sim-secret', runAs: null as string | null, publicKey: null as string | null };
  readonly log: Array<{ method: string; path: string; status: number }> = [];
  tokensIssued = 0;
  /** Added before every API answer (ms): a slow org. */
  delayMs = 0;
  /** False: an edition without API access (every REST call 403 API_DISABLED_FOR_ORG). */
  orgApiEnabled = true;
  #tokens = new Map<string, SfUser>();
  #faults: Array<{ status: number; retryAfter?: string }> = [];
  #seq = 0;
  #server: Server | null = null;
  #base = '';

  async start(): Promise<string> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.#base = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.#base;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }

  addUser(username: string, password: string, securityToken: string, apiEnabled = true): SfUser {
    const user = { id: `005${String(this.users.length + 1).padStart(12, '0')}AAA`, username, password, securityToken, apiEnabled };
    this.users.push(user);
    return user;
  }

  add(type: 'Account' | 'Contact', fields: Record<string, unknown>): SfRecord {
    const record = { ...fields, Id: this.#id(type) };
    this.objects[type].set(record.Id, record);
    return record;
  }

  /** Every access token stops working (session timeout, revoked). */
  expireTokens(): void {
    this.#tokens.clear();
  }

  /** The next API requests (not token requests) answer these statuses, one each. */
  fail(...faults: Array<{ status: number; retryAfter?: string }>): void {
    this.#faults.push(...faults);
  }

  #id(type: string): string {
    return `${PREFIX[type]}${String(++this.#seq).padStart(12, '0')}AAA`;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#base);
    let body = '';
    for await (const chunk of req) body += chunk;
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      this.log.push({ method: req.method ?? 'GET', path: url.pathname, status });
      res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers });
      res.end(JSON.stringify(value));
    };
    if (url.pathname === '/services/oauth2/token' && req.method === 'POST') return this.#token(new URLSearchParams(body), json);
    const api = /^\/services\/data\/v(\d+\.\d)\/(search|query|sobjects\/(\w+))\/?$/.exec(url.pathname);
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const fault = this.#faults.shift();
    if (fault) return json(fault.status, [{ message: 'simulated', errorCode: fault.status === 429 ? 'REQUEST_LIMIT_EXCEEDED' : 'SERVER_UNAVAILABLE' }], fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
    const user = this.#tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (!user) return json(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    if (!this.orgApiEnabled) return json(403, [{ message: 'The REST API is not enabled for this Organization.', errorCode: 'API_DISABLED_FOR_ORG' }]);
    if (!user.apiEnabled) return json(403, [{ message: 'API is disabled for this User', errorCode: 'API_CURRENTLY_DISABLED' }]);
    if (!api) return json(404, [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
    const q = url.searchParams.get('q') ?? '';
    if (api[2] === 'search' && req.method === 'GET') return this.#search(q, json);
    if (api[2] === 'query' && req.method === 'GET') {
      const m = /^SELECT Id FROM Task WHERE CallObject = '((?:[^'\\]|\\.)*)' LIMIT 1$/.exec(q);
      if (!m) return json(400, [{ message: `unexpected token in '${q.slice(0, 30)}'`, errorCode: 'MALFORMED_QUERY' }]);
      const marker = m[1].replace(/\\(.)/g, '$1');
      const found = [...this.objects.Task.values()].filter((t) => t.CallObject === marker).slice(0, 1);
      return json(200, { totalSize: found.length, done: true, records: found.map((t) => ({ attributes: { type: 'Task', url: `/services/data/v${api[1]}/sobjects/Task/${t.Id}` }, Id: t.Id })) });
    }
    if (api[3] && req.method === 'POST') return this.#create(api[3], JSON.parse(body || '{}') as Record<string, unknown>, user, json);
    return json(405, [{ message: 'HTTP Method not allowed', errorCode: 'METHOD_NOT_ALLOWED' }]);
  }

  #token(form: URLSearchParams, json: (s: number, v: unknown) => void): void {
    // The JWT names the app itself (iss); no client_id or secret travels.
    if (form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer') return this.#jwt(form.get('assertion') ?? '', json);
    if (form.get('client_id') !== this.app.clientId) return json(400, { error: 'invalid_client_id', error_description: 'client identifier invalid' });
    if (form.get('client_secret') !== this.app.clientSecret) return json(400, { error: 'invalid_client', error_description: 'invalid client credentials' });
    let user: SfUser | undefined;
    if (form.get('grant_type') === 'password') user = this.users.find((u) => u.username === form.get('username') && u.password + u.securityToken === form.get('password'));
    else if (form.get('grant_type') === 'client_credentials') user = this.users.find((u) => u.username === this.app.runAs);
    else return json(400, { error: 'unsupported_grant_type', error_description: 'grant type not supported' });
    if (!user) return json(400, { error: 'invalid_grant', error_description: 'authentication failure' });
    this.#issue(user, json);
  }

  /** JWT bearer: RS256 over the app's certificate key; iss = consumer key, sub = username, aud = login server, exp ahead. */
  #jwt(assertion: string, json: (s: number, v: unknown) => void): void {
    const [h, c, sig] = assertion.split('.');
    const refuse = (why: string) => json(400, { error: 'invalid_grant', error_description: why });
    if (!this.app.publicKey || !sig) return refuse('invalid assertion');
    if (!createVerify('RSA-SHA256').update(`${h}.${c}`).verify(this.app.publicKey, Buffer.from(sig, 'base64url'))) return refuse('invalid assertion');
    const claims = JSON.parse(Buffer.from(c, 'base64url').toString()) as { iss?: string; sub?: string; aud?: string; exp?: number };
    if (claims.iss !== this.app.clientId) return json(400, { error: 'invalid_client_id', error_description: 'client identifier invalid' });
    if (claims.aud !== this.#base) return refuse('audience is invalid');
    if (!claims.exp || claims.exp * 1000 < Date.now()) return refuse('expired authorization code');
    const user = this.users.find((u) => u.username === claims.sub);
    if (!user) return refuse('user hasn\'t approved this consumer');
    this.#issue(user, json);
  }

  #issue(user: SfUser, json: (s: number, v: unknown) => void): void {
    const token = `00D!sim.${++this.tokensIssued}.${Math.random().toString(36).slice(2)}`;
    this.#tokens.set(token, user);
    json(200, { access_token: token, instance_url: this.#base, id: `${this.#base}/id/00D000000000001AAA/${user.id}`, token_type: 'Bearer', issued_at: String(Date.now()), signature: 'sim' });
  }

  #search(sosl: string, json: (s: number, v: unknown) => void): void {
    const m = /^FIND \{(.*)\} IN PHONE FIELDS RETURNING (.+)$/s.exec(sosl);
    if (!m) return json(400, [{ message: 'unsupported SOSL in the simulator', errorCode: 'MALFORMED_SEARCH' }]);
    const terms = [...m[1].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((t) => t[1].replace(/\\(.)/g, '$1').replace(/\D/g, '')).filter(Boolean);
    const records: unknown[] = [];
    for (const part of m[2].matchAll(/(\w+)\(([^)]*)\)/g)) {
      const type = part[1] as 'Contact' | 'Account';
      const fields = part[2].split(',').map((f) => f.trim());
      for (const r of this.objects[type]?.values() ?? []) {
        const hit = PHONE_FIELDS[type].some((f) => typeof r[f] === 'string' && terms.includes((r[f] as string).replace(/\D/g, '')));
        if (hit) records.push(this.#project(type, r, fields));
      }
    }
    json(200, { searchRecords: records });
  }

  #project(type: string, r: SfRecord, fields: string[]): Record<string, unknown> {
    const out: Record<string, unknown> = { attributes: { type, url: `/services/data/v62.0/sobjects/${type}/${r.Id}` } };
    for (const f of fields) {
      const [rel, sub] = f.split('.');
      if (sub) {
        const parent = this.objects.Account.get(r[`${rel}Id`] as string);
        out[rel] = parent ? { attributes: { type: 'Account' }, [sub]: parent[sub] ?? null } : null;
      } else out[f] = r[f] ?? null;
    }
    return out;
  }

  #create(type: string, fields: Record<string, unknown>, user: SfUser, json: (s: number, v: unknown) => void): void {
    const invalid = (message: string, errorCode: string, field: string) => json(400, [{ message, errorCode, fields: [field] }]);
    if (type !== 'Task' && type !== 'Account') return json(404, [{ message: `The requested resource does not exist`, errorCode: 'NOT_FOUND' }]);
    if (type === 'Account' && !fields.Name) return invalid('Required fields are missing: [Name]', 'REQUIRED_FIELD_MISSING', 'Name');
    if (type === 'Task') {
      if (fields.OwnerId !== undefined && !this.users.some((u) => u.id === fields.OwnerId)) return invalid('Assigned To ID: owner cannot be blank', 'FIELD_INTEGRITY_EXCEPTION', 'OwnerId');
      if (fields.WhoId !== undefined && !this.objects.Contact.has(fields.WhoId as string)) return invalid('Name ID: id value of incorrect type', 'FIELD_INTEGRITY_EXCEPTION', 'WhoId');
      if (fields.WhatId !== undefined && !this.objects.Account.has(fields.WhatId as string)) return invalid('Related To ID: id value of incorrect type', 'FIELD_INTEGRITY_EXCEPTION', 'WhatId');
      if (!['Inbound', 'Outbound', 'Internal', undefined].includes(fields.CallType as string)) return invalid('Call Type: bad value for restricted picklist field', 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'CallType');
    }
    const record: SfRecord = { OwnerId: user.id, ...fields, Id: this.#id(type) };
    this.objects[type].set(record.Id, record);
    json(201, { id: record.Id, success: true, errors: [] });
  }
}
