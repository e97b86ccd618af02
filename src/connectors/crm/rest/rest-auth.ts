/**
 * Credentials on a REST CRM request: API key (header or query), basic, bearer, or an OAuth 2.0
 * client-credentials token (RFC 6749 §4.4), fetched on first use, kept until shortly before
 * `expires_in` ends and fetched again when the CRM answers 401.
 */
import { CrmError } from '../crm-error.ts';
import { sendJson, type CrmRequest } from '../crm-http.ts';
import type { CrmContext } from '../crm-connector.ts';
import type { RestOptions } from './rest-config.ts';

export class RestAuth {
  #o: RestOptions;
  #context: CrmContext;
  /** One token request at a time: concurrent deliveries that meet an expired token share the new one. */
  #token: Promise<{ value: string; until: number }> | null = null;

  constructor(options: RestOptions, context: CrmContext) {
    this.#o = options;
    this.#context = context;
  }

  /** True when a 401 may be cured by a fresh token. */
  get refreshable(): boolean {
    return this.#o.authType === 'oauth2_client_credentials';
  }

  /** Forgets `used` after a 401 — unless another request already replaced it. */
  async expire(used: string | undefined): Promise<void> {
    const current = this.#token;
    if (current && (await current.catch(() => null))?.value === used && this.#token === current) this.#token = null;
  }

  /** The request with credentials; `token` is the OAuth token used (for `expire`). */
  async apply(req: CrmRequest, signal: AbortSignal): Promise<CrmRequest & { token?: string }> {
    const o = this.#o;
    const headers = { ...req.headers };
    switch (o.authType) {
      case 'api_key_header':
        headers[o.apiKeyName!.toLowerCase()] = o.apiKey!;
        break;
      case 'api_key_query': {
        const url = new URL(req.url);
        url.searchParams.set(o.apiKeyName!, o.apiKey!);
        return { ...req, url: url.toString(), headers };
      }
      case 'basic':
        headers.authorization = `Basic ${Buffer.from(`${o.username ?? ''}:${o.password ?? ''}`).toString('base64')}`;
        break;
      case 'bearer':
        headers.authorization = `Bearer ${o.token}`;
        break;
      case 'oauth2_client_credentials': {
        const token = await this.#accessToken(signal);
        return { ...req, headers: { ...headers, authorization: `Bearer ${token}` }, token };
      }
      case 'none':
        break;
    }
    return { ...req, headers };
  }

  async #accessToken(signal: AbortSignal): Promise<string> {
    const current = this.#token;
    if (current) {
      const t = await current.catch(() => null);
      if (t && t.until > Date.now()) return t.value;
      if (this.#token === current) this.#token = null;
    }
    if (!this.#token) {
      const p = this.#fetchToken(signal);
      this.#token = p;
      p.catch(() => {
        if (this.#token === p) this.#token = null;
      });
    }
    return (await this.#token).value;
  }

  async #fetchToken(signal: AbortSignal): Promise<{ value: string; until: number }> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.#o.clientId!, client_secret: this.#o.clientSecret! });
    if (this.#o.scope) form.set('scope', this.#o.scope);
    const body = (await sendJson(this.#context.dispatchers, this.#context.allowList, { method: 'POST', url: this.#o.tokenUrl!, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString() }, signal).catch((err) => {
      if (err instanceof CrmError && err.kind === 'rejected') throw new CrmError('auth', `the token endpoint refused the client credentials (${err.message})`, { status: err.status });
      throw err;
    })) as { access_token?: string; expires_in?: number } | null;
    if (!body?.access_token) throw new CrmError('auth', 'the token endpoint answered without access_token');
    // A minute early (or at half the lifetime for short ones), so a token never expires in flight.
    const life = (body.expires_in ?? 3600) * 1000;
    return { value: body.access_token, until: Date.now() + Math.max(life - 60_000, life / 2) };
  }
}
