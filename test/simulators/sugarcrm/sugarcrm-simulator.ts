/**
 * A SugarCRM instance's REST v11 on 127.0.0.1 with Contacts and Accounts the test controls. Written
 * from SugarCRM's documentation, not from our reader:
 *
 * - support.sugarcrm.com/documentation/sugar_developer/sugar_developer_guide_14.0/integration/
 *   web_services/rest_api/endpoints/oauth2token_post/ — `POST /rest/v11/oauth2/token`, JSON body
 *   `{ grant_type: "password" | "refresh_token", client_id: "sugar", client_secret: "", username,
 *   password, platform }` → `{ access_token, expires_in: 3600, token_type: "bearer", scope: null,
 *   refresh_token, refresh_expires_in, download_token }`.
 * - support.sugarcrm.com/Documentation/Sugar_Developer/Sugar_Developer_Guide_8.0/Integration/
 *   Web_Services/REST_API/Endpoints/module_GET/ — `GET /rest/v11/<module>?fields&max_num (default
 *   20)&offset&order_by` → `{ next_offset, records }` (`next_offset` -1 at the end); `id` and
 *   `date_modified` always returned; each record carries `_acl` and `_module`; unset text fields
 *   are "" and `email` is `[{ email_address, primary_address, invalid_email, opt_out, reply_to_address }]`.
 * - developer.sugarcrm.com "Unknown platforms to be restricted in Winter '18": a platform must be
 *   one of base/mobile/portal or registered by the admin.
 * - Error bodies `{ error, error_message }` (Sugar's REST exceptions, include/api/help/exceptions):
 *   401 `need_login` (bad credentials / no token), 401 `invalid_grant` (expired access token), 400
 *   `invalid_grant` (bad refresh token). The exact wording of the unknown-platform and throttling
 *   answers is not in the public guide; here they are `invalid_parameter` and 429
 *   `too_many_requests` with `Retry-After`, as Sugar Cloud's rate limiter answers generically.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SimSugarRecord = Record<string, unknown> & { id: string };

const MODULE_FIELDS: Record<string, string[]> = {
  Contacts: ['name', 'first_name', 'last_name', 'full_name', 'account_name', 'phone_work', 'phone_mobile', 'phone_home', 'phone_other', 'phone_fax', 'email1', 'email', 'title'],
  Accounts: ['name', 'phone_office', 'phone_alternate', 'phone_fax', 'email1', 'email', 'website'],
};

export class SugarSimulator {
  readonly modules: Record<'Contacts' | 'Accounts', Map<string, SimSugarRecord>> = { Contacts: new Map(), Accounts: new Map() };
  readonly users = new Map<string, string>();
  readonly platforms = new Set(['base', 'mobile', 'portal']);
  readonly oauthKeys = new Map<string, string>([['sugar', '']]);
  readonly requests: Array<{ method: string; path: string; status: number; grant?: string }> = [];
  /** The server's cap on max_num (config `max_record_fetch_size`). */
  maxRecordFetchSize = 1000;
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
  #access = new Set<string>();
  #refresh = new Set<string>();
  #throttle = { count: 0, seconds: 0 };

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

  /** Access tokens end (their hour is up); with `refresh`, refresh tokens too. */
  expireTokens(options: { refresh?: boolean } = {}): void {
    this.#access.clear();
    if (options.refresh) this.#refresh.clear();
  }

  throttle(count: number, seconds: number): void {
    this.#throttle = { count, seconds };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#base);
    const raw = await new Promise<string>((resolve) => {
      let data = '';
      req.on('data', (chunk) => (data += chunk));
      req.on('end', () => resolve(data));
    });
    const send = (status: number, value: unknown, headers: Record<string, string> = {}, grant?: string) => {
      this.requests.push({ method: req.method ?? 'GET', path: url.pathname, status, ...(grant ? { grant } : {}) });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
    };
    if (url.pathname === '/rest/v11/oauth2/token' && req.method === 'POST') {
      let body: Record<string, string>;
      try {
        body = JSON.parse(raw) as Record<string, string>;
      } catch {
        return send(400, { error: 'bad_request', error_message: 'Could not parse the request body' });
      }
      return this.#token(body, (status, value) => send(status, value, {}, body.grant_type));
    }
    this.#hook?.(url.pathname + url.search, this.#apiRequests++);
    if (this.#throttle.count > 0) {
      this.#throttle.count--;
      return send(429, { error: 'too_many_requests', error_message: 'Too many requests' }, { 'retry-after': String(this.#throttle.seconds) });
    }
    const token = req.headers['oauth-token'];
    if (typeof token !== 'string') return send(401, { error: 'need_login', error_message: 'No valid authentication for user.' });
    if (!this.#access.has(token)) return send(401, { error: 'invalid_grant', error_message: 'The access token provided is invalid.' });
    const module = /^\/rest\/v11\/(\w+)$/.exec(url.pathname)?.[1];
    if (!module || req.method !== 'GET' || !(module in this.modules)) return send(404, { error: 'not_found', error_message: `Could not find a route for ${url.pathname}` });
    const maxNum = Math.min(Number(url.searchParams.get('max_num') ?? 20), this.maxRecordFetchSize);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const asked = (url.searchParams.get('fields') ?? '').split(',').filter(Boolean);
    const unknown = asked.find((f) => !MODULE_FIELDS[module].includes(f));
    if (unknown) return send(422, { error: 'invalid_parameter', error_message: `Unknown field: ${unknown}` });
    const [orderField, direction] = (url.searchParams.get('order_by') ?? 'date_modified:DESC').split(':');
    const all = [...this.modules[module as 'Contacts' | 'Accounts'].values()].sort((a, b) => String(a[orderField] ?? '').localeCompare(String(b[orderField] ?? '')) * (direction?.toUpperCase() === 'DESC' ? -1 : 1));
    const slice = all.slice(offset, offset + maxNum);
    const records = slice.map((r) => {
      const out: Record<string, unknown> = { id: r.id, date_modified: r.date_modified ?? '2026-11-30T10:00:00+00:00' };
      for (const field of asked.length ? asked : MODULE_FIELDS[module]) out[field] = r[field] ?? (field === 'email' ? [] : '');
      return { ...out, _acl: { fields: {} }, _module: module };
    });
    send(200, { next_offset: offset + slice.length < all.length ? offset + slice.length : -1, records });
  }

  #token(body: Record<string, string>, send: (status: number, value: unknown) => void): void {
    if (!this.oauthKeys.has(body.client_id) || (this.oauthKeys.get(body.client_id) ?? '') !== (body.client_secret ?? '')) {
      return send(401, { error: 'invalid_client', error_message: 'Client authentication failed' });
    }
    if (!this.platforms.has(body.platform)) return send(400, { error: 'invalid_parameter', error_message: `The platform "${body.platform}" is not allowed for this instance` });
    if (body.grant_type === 'password') {
      if (this.users.get(body.username) !== body.password) return send(401, { error: 'need_login', error_message: 'You must specify a valid username and password.' });
    } else if (body.grant_type === 'refresh_token') {
      if (!this.#refresh.delete(body.refresh_token)) return send(400, { error: 'invalid_grant', error_message: 'Invalid refresh token' });
    } else return send(400, { error: 'unsupported_grant_type', error_message: 'The authorization grant type is not supported by the authorization server' });
    const access = randomUUID();
    const refresh = randomUUID();
    this.#access.add(access);
    this.#refresh.add(refresh);
    send(200, { access_token: access, expires_in: 3600, token_type: 'bearer', scope: null, refresh_token: refresh, refresh_expires_in: 1209600, download_token: randomUUID() });
  }
}
