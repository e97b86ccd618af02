/**
 * SugarCRM REST v11 over `ctx.fetch` (support.sugarcrm.com, Sugar Developer Guide 13.0/14.0,
 * "Integration / Web Services / REST API / Endpoints"):
 *
 * - `/oauth2/token POST`: a JSON body `{ grant_type: "password", client_id: "sugar", client_secret:
 *   "", username, password, platform }` → `{ access_token, expires_in, token_type: "bearer", scope,
 *   refresh_token, refresh_expires_in, download_token }`; `grant_type: "refresh_token"` with the
 *   refresh token renews it. Requests carry the token in the `OAuth-Token` header.
 * - A user logging in again on the same platform ends that user's earlier session there, so the
 *   reader uses its own platform (registered in Admin > Configure API Platforms since Winter '18,
 *   developer.sugarcrm.com "Unknown platforms to be restricted").
 * - `/<module> GET` with `fields`, `max_num` (default 20), `offset`, `order_by` → `{ next_offset,
 *   records }`; `next_offset` is -1 after the last page.
 * - Errors are `{ error, error_message }`: 401 `invalid_grant` for an expired access token, 401
 *   `need_login` for refused credentials, 400 `invalid_grant` for a dead refresh token.
 *
 * On 401 the client renews the token with the refresh token, or logs in again when that is refused,
 * and repeats the request once.
 */
import { apiRequest, readJson } from '../api-request.ts';
import { SourceError, type ReadContext } from '../directory-source.ts';
import { SUGAR_FIELDS, type SugarModule, type SugarRecord } from './sugarcrm-mapping.ts';

export type SugarAuth = { url: string; username: string; password: string; clientId: string; clientSecret: string; platform: string };

export type SugarPage = { records: SugarRecord[]; nextOffset: number };

const SERVICE = 'SugarCRM';

export class SugarClient {
  #auth: SugarAuth;
  #ctx: ReadContext;
  #tokens: { access: string; refresh: string | null } | null = null;

  constructor(auth: SugarAuth, ctx: ReadContext) {
    this.#auth = { ...auth, url: auth.url.replace(/\/+$/, '') };
    this.#ctx = ctx;
  }

  async login(): Promise<void> {
    const { username, password } = this.#auth;
    this.#tokens = await this.#token({ grant_type: 'password', username, password });
  }

  /** One page of a module, `max_num` records from `offset`, ordered by id so pages do not overlap. */
  async page(module: SugarModule, offset: number, maxNum: number): Promise<SugarPage> {
    const query = new URLSearchParams({ fields: SUGAR_FIELDS[module], max_num: String(maxNum), offset: String(offset), order_by: 'id:ASC' });
    const url = `${this.#auth.url}/rest/v11/${module}?${query}`;
    let response = await this.#get(url);
    if (response.status === 401) {
      await response.body?.cancel();
      await this.#renew();
      response = await this.#get(url);
    }
    const body = (await readJson(response, SERVICE)) as { records?: unknown; next_offset?: unknown; error?: string; error_message?: string };
    if (!response.ok) {
      const reason = `${body.error ?? `HTTP ${response.status}`}: ${body.error_message ?? 'no message'}`;
      if (response.status === 401 || response.status === 403) throw new SourceError('auth', `${SERVICE} refused reading ${module} (${reason})`);
      throw new SourceError('remote', `${SERVICE} answered HTTP ${response.status} for ${module} (${reason})`);
    }
    if (!Array.isArray(body.records) || typeof body.next_offset !== 'number') throw new SourceError('remote', `${SERVICE} answered ${module} without "records" and "next_offset"`);
    return { records: body.records as SugarRecord[], nextOffset: body.next_offset };
  }

  async #get(url: string): Promise<Response> {
    if (!this.#tokens) await this.login();
    return apiRequest(this.#ctx, url, { headers: { 'OAuth-Token': this.#tokens!.access, accept: 'application/json' } }, { service: SERVICE });
  }

  /** The refresh token first; a refused refresh (expired, or revoked by a newer login) means a new login. */
  async #renew(): Promise<void> {
    const refresh = this.#tokens?.refresh;
    if (refresh) {
      try {
        this.#tokens = await this.#token({ grant_type: 'refresh_token', refresh_token: refresh });
        return;
      } catch (err) {
        if (!(err instanceof SourceError && err.kind === 'auth')) throw err;
      }
    }
    await this.login();
  }

  async #token(grant: Record<string, string>): Promise<{ access: string; refresh: string | null }> {
    const { clientId, clientSecret, platform } = this.#auth;
    const response = await apiRequest(
      this.#ctx,
      `${this.#auth.url}/rest/v11/oauth2/token`,
      { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ ...grant, client_id: clientId, client_secret: clientSecret, platform }) },
      { service: SERVICE },
    );
    const body = (await readJson(response, SERVICE)) as { access_token?: string; refresh_token?: string; error?: string; error_message?: string };
    if (response.ok && body.access_token) return { access: body.access_token, refresh: body.refresh_token ?? null };
    const reason = `${body.error ?? `HTTP ${response.status}`}: ${body.error_message ?? 'no message'}`;
    if (response.status >= 400 && response.status < 500) {
      const hint = /platform/i.test(reason) ? ` — register the platform "${platform}" in Sugar under Admin > Configure API Platforms` : '';
      throw new SourceError('auth', `${SERVICE} refused the ${grant.grant_type === 'refresh_token' ? 'token refresh' : 'login'} (${reason})${hint}`);
    }
    throw new SourceError('remote', `${SERVICE} answered HTTP ${response.status} to the login (${reason})`);
  }
}
