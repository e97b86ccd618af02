/**
 * A Salesforce org on 127.0.0.1 — login server and instance in one — with Contacts and Accounts the
 * test controls. Written from Salesforce's documentation, not from our reader:
 *
 * - SOAP login (developer.salesforce.com/docs/platform/api/guide/sforce-api-calls-login, and the
 *   Bulk API quick start "Step 1: Log In Using the SOAP API"): `POST /services/Soap/u/{version}`
 *   with `<login xmlns="urn:partner.soap.sforce.com"><username/><password/></login>` (password =
 *   password + security token) → `loginResponse/result` with `serverUrl`, `sessionId`, `userId`,
 *   `userInfo/organizationId`; failures are SOAP faults (HTTP 500) with `faultcode sf:INVALID_LOGIN`,
 *   `sf:API_CURRENTLY_DISABLED`, `sf:API_DISABLED_FOR_ORG` and a faultstring "CODE: message".
 * - OAuth 2.0 (…/api_rest.meta/api_rest/intro_understanding_username_password_oauth_flow, help
 *   "OAuth 2.0 Client Credentials Flow"): `POST /services/oauth2/token`, form-encoded,
 *   `grant_type=password` (client_id, client_secret, username, password) or `client_credentials` →
 *   `{ access_token, instance_url, id, token_type: "Bearer", issued_at, signature }`; errors
 *   `{ error: invalid_grant | invalid_client | invalid_client_id, error_description }` with HTTP 400.
 * - REST query (developer.salesforce.com/docs/platform/api-rest/guide/resources-query and
 *   dome-query): `GET /services/data/vXX.X/query?q=SOQL` → `{ totalSize, done, nextRecordsUrl?,
 *   records: [{ attributes: { type, url }, …fields }] }`, a relationship field as a nested object or
 *   null; the next batch at `nextRecordsUrl` (`/services/data/vXX.X/query/01g…-2000`).
 * - Errors (…/api_rest.meta/api_rest/errorcodes): a JSON array `[{ message, errorCode }]`; 401
 *   INVALID_SESSION_ID "Session expired or invalid"; 403 API_CURRENTLY_DISABLED /
 *   API_DISABLED_FOR_ORG; 400 INVALID_FIELD / MALFORMED_QUERY.
 * - Throttling: the REST core API documents the daily limit as 403 REQUEST_LIMIT_EXCEEDED (not
 *   retryable) and rate-limited Connect resources as 503 (salesforce-app-limits-cheatsheet, "Connect
 *   REST API Limits"). `throttle()` answers 429 or 503 with `Retry-After` (RFC 9110) so the reader's
 *   waiting can be tested; Salesforce itself does not promise the header.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';

export type SimSfContact = { Id: string; FirstName?: string | null; LastName: string; Phone?: string | null; MobilePhone?: string | null; HomePhone?: string | null; OtherPhone?: string | null; Fax?: string | null; Email?: string | null; AccountId?: string | null };
export type SimSfAccount = { Id: string; Name: string; Phone?: string | null; Fax?: string | null };
export type SimSfUser = { username: string; password: string; securityToken: string; apiEnabled: boolean };

const CONTACT_FIELDS = ['Id', 'Name', 'FirstName', 'LastName', 'Phone', 'MobilePhone', 'HomePhone', 'OtherPhone', 'Fax', 'Email', 'AccountId', 'Account.Name'];
const ACCOUNT_FIELDS = ['Id', 'Name', 'Phone', 'Fax'];
const ORG_ID = '00D5g000004ABCDEAZ';

export class SalesforceSimulator {
  readonly contacts = new Map<string, SimSfContact>();
  readonly accounts = new Map<string, SimSfAccount>();
  readonly users: SimSfUser[] = [];
  readonly requests: Array<{ method: string; path: string; status: number }> = [];
  connectedApp: { clientId: string; clientSecret: string; runAs: string | null } | null = null;
  orgApiEnabled = true;
  batchSize = 2000;
  logins = 0;
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
  #server: Server | null = null;
  #base = '';
  #sessions = new Map<string, SimSfUser>();
  #cursors = new Map<string, { rows: Array<Record<string, unknown>>; version: string }>();
  #throttle = { count: 0, seconds: 0, status: 429 };

  async start(): Promise<string> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.#base = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.#base;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve());
    this.#server?.closeAllConnections();
  }

  /** Every session ends, as after the org's session timeout. */
  expireSessions(): void {
    this.#sessions.clear();
  }

  throttle(count: number, seconds: number, status: 429 | 503 = 429): void {
    this.#throttle = { count, seconds, status };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#base);
    const body = await new Promise<string>((resolve) => {
      let data = '';
      req.on('data', (chunk) => (data += chunk));
      req.on('end', () => resolve(data));
    });
    const send = (status: number, type: string, text: string, headers: Record<string, string> = {}) => {
      this.requests.push({ method: req.method ?? 'GET', path: url.pathname, status });
      res.writeHead(status, { 'content-type': type, ...headers });
      res.end(text);
    };
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => send(status, 'application/json;charset=UTF-8', JSON.stringify(value), headers);

    const soap = /^\/services\/Soap\/u\/(\d+\.\d)$/.exec(url.pathname);
    if (soap && req.method === 'POST') return this.#soapLogin(soap[1], body, send);
    if (url.pathname === '/services/oauth2/token' && req.method === 'POST') return this.#oauth(new URLSearchParams(body), json);

    const rest = /^\/services\/data\/v(\d+\.\d)\/query(?:\/([^/]+))?\/?$/.exec(url.pathname);
    this.#hook?.(url.pathname + url.search, this.#apiRequests++);
    if (this.#throttle.count > 0) {
      this.#throttle.count--;
      return json(this.#throttle.status, [{ message: 'Too many requests', errorCode: 'REQUEST_LIMIT_EXCEEDED' }], { 'retry-after': String(this.#throttle.seconds) });
    }
    const user = this.#sessions.get((req.headers.authorization ?? '').replace(/^(Bearer|OAuth) /, ''));
    if (!user) return json(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    if (!this.orgApiEnabled) return json(403, [{ message: 'The REST API is not enabled for this Organization.', errorCode: 'API_DISABLED_FOR_ORG' }]);
    if (!user.apiEnabled) return json(403, [{ message: 'API is disabled for this User', errorCode: 'API_CURRENTLY_DISABLED' }]);
    if (!rest || req.method !== 'GET') return json(404, [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
    const version = rest[1];
    if (rest[2]) {
      const [id, offset] = [rest[2].slice(0, rest[2].lastIndexOf('-')), Number(rest[2].slice(rest[2].lastIndexOf('-') + 1))];
      const cursor = this.#cursors.get(id);
      if (!cursor) return json(400, [{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }]);
      return json(200, this.#batch(id, cursor, offset));
    }
    const soql = url.searchParams.get('q') ?? '';
    const parsed = /^\s*SELECT\s+(.+?)\s+FROM\s+(\w+)\s*$/i.exec(soql);
    if (!parsed) return json(400, [{ message: `unexpected token: '${soql.slice(0, 20)}'`, errorCode: 'MALFORMED_QUERY' }]);
    const object = parsed[2];
    const fields = parsed[1].split(',').map((f) => f.trim());
    const known = object === 'Contact' ? CONTACT_FIELDS : object === 'Account' ? ACCOUNT_FIELDS : null;
    if (!known) return json(400, [{ message: `\n${soql}\n^\nERROR at Row:1:Column:1\nsObject type '${object}' is not supported.`, errorCode: 'INVALID_TYPE' }]);
    const unknown = fields.find((f) => !known.includes(f));
    if (unknown) return json(400, [{ message: `\n${soql}\n^\nERROR at Row:1:Column:8\nNo such column '${unknown}' on entity '${object}'.`, errorCode: 'INVALID_FIELD' }]);
    const source = object === 'Contact' ? [...this.contacts.values()] : [...this.accounts.values()];
    const rows = source.map((r) => this.#row(object, r as Record<string, unknown>, fields, version));
    const id = `01g5g00000${randomBytes(4).toString('hex').toUpperCase()}`;
    const cursor = { rows, version };
    this.#cursors.set(id, cursor);
    return json(200, this.#batch(id, cursor, 0));
  }

  #batch(id: string, cursor: { rows: Array<Record<string, unknown>>; version: string }, offset: number): Record<string, unknown> {
    const records = cursor.rows.slice(offset, offset + this.batchSize);
    const done = offset + records.length >= cursor.rows.length;
    return { totalSize: cursor.rows.length, done, ...(done ? {} : { nextRecordsUrl: `/services/data/v${cursor.version}/query/${id}-${offset + records.length}` }), records };
  }

  #row(object: string, record: Record<string, unknown>, fields: string[], version: string): Record<string, unknown> {
    const row: Record<string, unknown> = { attributes: { type: object, url: `/services/data/v${version}/sobjects/${object}/${record.Id}` } };
    for (const field of fields) {
      if (field === 'Account.Name') {
        const account = record.AccountId ? this.accounts.get(String(record.AccountId)) : undefined;
        row.Account = account ? { attributes: { type: 'Account', url: `/services/data/v${version}/sobjects/Account/${account.Id}` }, Name: account.Name } : null;
      } else if (field === 'Name' && object === 'Contact') {
        row.Name = [record.FirstName, record.LastName].filter(Boolean).join(' ');
      } else row[field] = record[field] ?? null;
    }
    return row;
  }

  #soapLogin(version: string, body: string, send: (status: number, type: string, text: string) => void): void {
    const envelope = new XMLParser({ removeNSPrefix: true, parseTagValue: false }).parse(body) as { Envelope?: { Body?: { login?: { username?: string; password?: string } } } };
    const login = envelope.Envelope?.Body?.login;
    const fault = (code: string, message: string) =>
      send(500, 'text/xml;charset=UTF-8', `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>sf:${code}</faultcode><faultstring>${code}: ${message}</faultstring><detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>${code}</sf:exceptionCode><sf:exceptionMessage>${message}</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`);
    const user = this.users.find((u) => u.username === login?.username && u.password + u.securityToken === login?.password);
    if (!user) return fault('INVALID_LOGIN', 'Invalid username, password, security token; or user locked out.');
    if (!this.orgApiEnabled) return fault('API_DISABLED_FOR_ORG', 'API is not enabled for this Organization or Partner');
    if (!user.apiEnabled) return fault('API_CURRENTLY_DISABLED', 'API is disabled for this User');
    const session = this.#session(user);
    const userId = '0055g00000XYZ12AAA';
    send(200, 'text/xml;charset=UTF-8', `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginResponse><result><metadataServerUrl>${this.#base}/services/Soap/m/${version}/${ORG_ID}</metadataServerUrl><passwordExpired>false</passwordExpired><sandbox>false</sandbox><serverUrl>${this.#base}/services/Soap/u/${version}/${ORG_ID}</serverUrl><sessionId>${session}</sessionId><userId>${userId}</userId><userInfo><accessibilityMode>false</accessibilityMode><currencySymbol>€</currencySymbol><orgDefaultCurrencyIsoCode>EUR</orgDefaultCurrencyIsoCode><organizationId>${ORG_ID}</organizationId><organizationName>Simulated GmbH</organizationName><userEmail>${user.username}</userEmail><userFullName>Integration User</userFullName><userId>${userId}</userId><userName>${user.username}</userName></userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>`);
  }

  #oauth(form: URLSearchParams, json: (status: number, value: unknown) => void): void {
    const app = this.connectedApp;
    if (!app || form.get('client_id') !== app.clientId) return json(400, { error: 'invalid_client_id', error_description: 'client identifier invalid' });
    if (form.get('client_secret') !== app.clientSecret) return json(400, { error: 'invalid_client', error_description: 'invalid client credentials' });
    let user: SimSfUser | undefined;
    if (form.get('grant_type') === 'password') {
      user = this.users.find((u) => u.username === form.get('username') && u.password + u.securityToken === form.get('password'));
      if (!user) return json(400, { error: 'invalid_grant', error_description: 'authentication failure' });
    } else if (form.get('grant_type') === 'client_credentials') {
      user = this.users.find((u) => u.username === app.runAs);
      if (!user) return json(400, { error: 'invalid_grant', error_description: 'no client credentials user enabled' });
    } else return json(400, { error: 'unsupported_grant_type', error_description: 'grant type not supported' });
    json(200, { access_token: this.#session(user), instance_url: this.#base, id: `${this.#base}/id/${ORG_ID}/0055g00000XYZ12AAA`, token_type: 'Bearer', issued_at: String(Date.now()), signature: randomBytes(32).toString('base64'), scope: 'api' });
  }

  #session(user: SimSfUser): string {
    const session = `${ORG_ID}!AQ${randomBytes(24).toString('base64url')}`;
    this.#sessions.set(session, user);
    this.logins++;
    return session;
  }
}
