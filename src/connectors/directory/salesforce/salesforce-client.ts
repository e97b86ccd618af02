/**
 * Salesforce through jsforce 3, with jsforce's HTTP replaced by the engine's guarded `ctx.fetch`.
 *
 * jsforce keeps its HTTP in a `Transport` (`conn._transport`, `conn.oauth2._transport`, public in its
 * typings) that calls undici directly, with its own retry on 420/429/5xx that ignores Retry-After and
 * its own 30-minute timeout. FetchTransport replaces both: requests go through apiRequest (ctx.fetch,
 * ctx.signal, Retry-After honoured and bounded), and jsforce keeps what it is good at — the login
 * flows, the session refresh on 401, SOQL paging by `nextRecordsUrl`, error parsing.
 *
 * Login, as jsforce does it:
 * - username + password (+ security token appended to the password): without a connected app,
 *   SOAP `login()` at `{loginUrl}/services/Soap/u/{version}` (developer.salesforce.com/docs/platform/
 *   api/guide/sforce-api-calls-login; retired from API 65.0, so the default version is 62.0); with
 *   a connected app's consumer key and secret, the OAuth 2.0 username-password flow at
 *   `{loginUrl}/services/oauth2/token` (…/api_rest.meta/api_rest/intro_understanding_username_password_oauth_flow).
 *   jsforce logs in again when a session expires mid-run (401 INVALID_SESSION_ID).
 * - client credentials: `grant_type=client_credentials` at the org's My Domain token endpoint
 *   (help.salesforce.com "OAuth 2.0 Client Credentials Flow for Server-to-Server Integration"); a new
 *   token is requested when one expires mid-run.
 * - A user without the "API Enabled" permission is refused with API_CURRENTLY_DISABLED, an org
 *   without API access (Professional edition without the add-on) with API_DISABLED_FOR_ORG
 *   (…/api_rest.meta/api_rest/errorcodes, SOAP ExceptionCode list).
 */
import { Connection, type HttpRequest, type HttpResponse } from 'jsforce';
import { StreamPromise } from 'jsforce/lib/util/promise.js';
import { Transport } from 'jsforce/lib/transport.js';
import { PassThrough } from 'node:stream';
import { apiRequest } from '../api-request.ts';
import { SourceError, type ReadContext } from '../directory-source.ts';

export type SalesforceAuth =
  | { auth: 'password'; loginUrl: string; apiVersion: string; username: string; password: string; securityToken?: string; clientId?: string; clientSecret?: string }
  | { auth: 'client-credentials'; loginUrl: string; apiVersion: string; clientId: string; clientSecret: string };

export type QueryPage = { records: Array<Record<string, unknown>>; totalSize: number; nextRecordsUrl: string | null };

const SERVICE = 'Salesforce';

/** jsforce's Transport over ctx.fetch; remembers the last SourceError, which jsforce may wrap. */
class FetchTransport extends Transport {
  #ctx: ReadContext;
  lastError: SourceError | null = null;
  /**
   * Logins since the last reset. jsforce logs in again on every 401 and repeats the request without
   * a bound; a server that refuses each fresh session would loop forever, so the third is refused.
   */
  logins = 0;

  constructor(ctx: ReadContext) {
    super();
    this.#ctx = ctx;
  }

  override httpRequest(req: HttpRequest): StreamPromise<HttpResponse> {
    return StreamPromise.create(() => {
      const stream = new PassThrough();
      const promise = (async (): Promise<HttpResponse> => {
        try {
          if (/\/services\/(Soap\/u\/|oauth2\/token)/.test(req.url) && ++this.logins > 3) {
            throw new SourceError('auth', `${SERVICE} refused every new session (INVALID_SESSION_ID right after login); check the user's login IP ranges and session settings`);
          }
          const response = await apiRequest(this.#ctx, req.url, { method: req.method, headers: req.headers, body: req.body as RequestInit['body'], redirect: 'follow' }, { service: SERVICE });
          const body = await response.text();
          stream.end(body);
          return { statusCode: response.status, headers: Object.fromEntries(response.headers), body };
        } catch (err) {
          stream.end();
          if (err instanceof SourceError) this.lastError = err;
          throw err;
        }
      })();
      return { stream, promise };
    });
  }
}

export class SalesforceClient {
  #conn: Connection;
  #transport: FetchTransport;
  #auth: SalesforceAuth;
  #signal: AbortSignal;

  constructor(auth: SalesforceAuth, ctx: ReadContext) {
    this.#auth = auth;
    this.#signal = ctx.signal;
    this.#transport = new FetchTransport(ctx);
    const oauth2 = auth.clientId && auth.clientSecret ? { clientId: auth.clientId, clientSecret: auth.clientSecret, loginUrl: auth.loginUrl } : undefined;
    this.#conn = new Connection({
      loginUrl: auth.loginUrl,
      version: auth.apiVersion,
      ...(oauth2 ? { oauth2 } : {}),
      ...(auth.auth === 'client-credentials'
        ? {
            refreshFn: (conn, callback) => {
              conn.oauth2.requestToken({ grant_type: 'client_credentials' }).then((res) => callback(null, res.access_token, res), (err: Error) => callback(err));
            },
          }
        : {}),
    });
    this.#conn._transport = this.#transport;
    this.#conn.oauth2._transport = this.#transport;
  }

  /** Logs in; throws SourceError('auth') with Salesforce's reason when refused. */
  async login(): Promise<void> {
    await this.#guard(async () => {
      if (this.#auth.auth === 'client-credentials') await this.#conn.authorize({ grant_type: 'client_credentials' });
      else await this.#conn.login(this.#auth.username, this.#auth.password + (this.#auth.securityToken ?? ''));
    });
  }

  /** The first page of a SOQL query, or the next one by its `nextRecordsUrl`. */
  async page(soqlOrNext: { soql: string } | { next: string }): Promise<QueryPage> {
    return this.#guard(async () => {
      const result = 'soql' in soqlOrNext ? await this.#conn.query(soqlOrNext.soql) : await this.#conn.queryMore(soqlOrNext.next);
      return { records: result.records as Array<Record<string, unknown>>, totalSize: result.totalSize, nextRecordsUrl: result.done ? null : (result.nextRecordsUrl ?? null) };
    });
  }

  async #guard<T>(work: () => Promise<T>): Promise<T> {
    this.#transport.lastError = null;
    this.#transport.logins = 0;
    try {
      return await work();
    } catch (err) {
      if (this.#signal.aborted) throw err;
      throw this.#transport.lastError ?? classify(err);
    }
  }
}

/** jsforce errors (HttpApiError with `errorCode`, SOAP faultstrings, OAuth `error`) → SourceError. */
export function classify(err: unknown): Error {
  if (err instanceof SourceError) return err;
  if (!(err instanceof Error)) return new SourceError('remote', `${SERVICE} failed: ${String(err)}`);
  if ((err as Error).name === 'AbortError') return err;
  const code = (err as { errorCode?: string }).errorCode ?? err.name;
  const text = `${code} ${err.message}`;
  if (/API_CURRENTLY_DISABLED/.test(text)) {
    return new SourceError('auth', `${SERVICE} refused API access for this user (API_CURRENTLY_DISABLED): give the user's profile or a permission set the "API Enabled" permission`);
  }
  if (/API_DISABLED_FOR_ORG/.test(text)) {
    return new SourceError('auth', `${SERVICE} has the API disabled for this organization (API_DISABLED_FOR_ORG): the org's edition must include API access`);
  }
  if (/INVALID_LOGIN|INVALID_SESSION_ID|invalid_grant|invalid_client|INSUFFICIENT_ACCESS|authentication failure/i.test(text)) {
    return new SourceError('auth', `${SERVICE} refused the login: ${err.message.replace(/^Unable to refresh session due to: /, '')}`);
  }
  if (/REQUEST_LIMIT_EXCEEDED/.test(text)) {
    return new SourceError('remote', `${SERVICE} reports the org's API request limit exceeded (REQUEST_LIMIT_EXCEEDED): ${err.message}`);
  }
  return new SourceError('remote', `${SERVICE} answered with an error (${code}): ${err.message}`);
}
