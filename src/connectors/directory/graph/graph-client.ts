/**
 * Microsoft Graph over `ctx.fetch`: an app-only token by the OAuth 2.0 client-credentials grant, and
 * GETs of collection pages that follow `@odata.nextLink` / end in `@odata.deltaLink`.
 *
 * - Token: `POST {authority}/{tenant}/oauth2/v2.0/token` with `client_id`, `client_secret`,
 *   `grant_type=client_credentials`, `scope={graph}/.default`; errors are `{ error, error_description }`
 *   with an AADSTS code in the description (learn.microsoft.com/entra/identity-platform/
 *   v2-oauth2-client-creds-grant-flow).
 * - A token lives `expires_in` seconds (about an hour); a run longer than that, or a token revoked
 *   mid-run, gets 401 `InvalidAuthenticationToken`: the client fetches a new token once and repeats
 *   the request (learn.microsoft.com/graph/errors).
 * - Errors are `{ "error": { "code", "message", "innerError" } }`; 429 carries `Retry-After`
 *   (learn.microsoft.com/graph/throttling), handled by apiRequest.
 * - An expired or unknown delta token: `400 syncStateNotFound` for directory objects (devblogs
 *   "Duration of change tracking tokens for identity … resources", 2020), `410 Gone` /
 *   `resyncRequired` elsewhere (learn.microsoft.com/graph/delta-query-overview): both mean "start
 *   over with a full synchronization".
 */
import { apiRequest, origin, readJson } from '../api-request.ts';
import { SourceError, type ReadContext } from '../directory-source.ts';
import type { GraphRecord } from './graph-mapping.ts';

export type GraphAuth = { tenantId: string; clientId: string; clientSecret: string; authorityUrl: string; graphUrl: string };

/** A record of a page; delta pages mark deleted records with `@removed`. */
export type GraphItem = GraphRecord & { '@removed'?: { reason?: string } };

export type GraphPage = { value: GraphItem[]; nextLink: string | null; deltaLink: string | null };

export type GraphGet = { gone: false; page: GraphPage } | { gone: true };

const SERVICE = 'Microsoft Graph';
const RESYNC_CODES = new Set(['syncstatenotfound', 'resyncrequired', 'syncstateinvalid']);

export class GraphClient {
  #auth: GraphAuth;
  #ctx: ReadContext;
  #token: { value: string; expiresAt: number } | null = null;
  /** How many tokens this run asked for (the tests check that expiry mid-run costs exactly one). */
  tokensIssued = 0;

  constructor(auth: GraphAuth, ctx: ReadContext) {
    this.#auth = auth;
    this.#ctx = ctx;
  }

  /** A valid token, fetched when there is none or it is within a minute of its announced end. */
  async token(): Promise<string> {
    if (this.#token && Date.now() < this.#token.expiresAt - 60_000) return this.#token.value;
    const url = `${this.#auth.authorityUrl.replace(/\/+$/, '')}/${encodeURIComponent(this.#auth.tenantId)}/oauth2/v2.0/token`;
    const body = new URLSearchParams({
      client_id: this.#auth.clientId,
      client_secret: this.#auth.clientSecret,
      grant_type: 'client_credentials',
      scope: `${origin(this.#auth.graphUrl)}/.default`,
    });
    const response = await apiRequest(this.#ctx, url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }, { service: 'Microsoft Entra ID' });
    const json = (await readJson(response, 'Microsoft Entra ID')) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!response.ok || !json.access_token) {
      const detail = json.error_description?.split(/\r?\n/)[0] ?? json.error ?? `HTTP ${response.status}`;
      if (response.status === 400 || response.status === 401) {
        throw new SourceError('auth', `Microsoft Entra ID refused the app's credentials (tenant, client id or client secret): ${detail}`);
      }
      throw new SourceError('remote', `Microsoft Entra ID answered HTTP ${response.status}: ${detail}`);
    }
    this.tokensIssued++;
    this.#token = { value: json.access_token, expiresAt: Date.now() + (json.expires_in ?? 3599) * 1000 };
    return this.#token.value;
  }

  /**
   * One page. `what` names the resource and the permission it needs in messages. With `resync`, an
   * expired delta link answers `{ gone: true }` instead of failing.
   */
  async get(url: string, what: { resource: string; permission: string }, resync = false): Promise<GraphGet> {
    let response = await this.#send(url);
    if (response.status === 401) {
      await response.body?.cancel();
      this.#token = null;
      response = await this.#send(url);
    }
    if (response.ok) return { gone: false, page: toPage(await readJson(response, SERVICE)) };
    const error = await graphError(response);
    if (resync && (response.status === 410 || RESYNC_CODES.has(error.code.toLowerCase()))) return { gone: true };
    if (response.status === 401) {
      throw new SourceError('auth', `${SERVICE} refused the app's access token for ${what.resource} (${error.code}: ${error.message})`);
    }
    if (response.status === 403) {
      throw new SourceError('auth', `${SERVICE} denied reading ${what.resource} (${error.code}: ${error.message}); grant the app the application permission ${what.permission} with admin consent`);
    }
    throw new SourceError('remote', `${SERVICE} answered HTTP ${response.status} for ${what.resource} (${error.code}: ${error.message})`);
  }

  async #send(url: string): Promise<Response> {
    if (!url.startsWith(this.#auth.graphUrl.replace(/\/+$/, '') + '/')) {
      // Links come from the server; never send the token to a host that is not the configured Graph.
      throw new SourceError('remote', `${SERVICE} returned a link outside ${origin(this.#auth.graphUrl)}`);
    }
    const token = await this.token();
    return apiRequest(this.#ctx, url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, { service: SERVICE });
  }
}

function toPage(json: unknown): GraphPage {
  const body = json as { value?: unknown; '@odata.nextLink'?: unknown; '@odata.deltaLink'?: unknown };
  if (!Array.isArray(body?.value)) throw new SourceError('remote', `${SERVICE} answered without a "value" array`);
  return {
    value: body.value as GraphItem[],
    nextLink: typeof body['@odata.nextLink'] === 'string' ? body['@odata.nextLink'] : null,
    deltaLink: typeof body['@odata.deltaLink'] === 'string' ? body['@odata.deltaLink'] : null,
  };
}

async function graphError(response: Response): Promise<{ code: string; message: string }> {
  const text = await response.text();
  try {
    const error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    return { code: error?.code ?? `HTTP ${response.status}`, message: error?.message ?? 'no message' };
  } catch {
    return { code: `HTTP ${response.status}`, message: 'no JSON error body' };
  }
}
