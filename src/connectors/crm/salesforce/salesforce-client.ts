/**
 * Salesforce over its REST API with jsforce, every request through the SSRF-guarded dispatcher: the
 * jsforce `Connection` gets a transport of ours (jsforce's own sends through a process-wide undici
 * agent and retries 429/5xx by itself with sleeps, which would hide Retry-After from the delivery
 * engine). Tokens come from the OAuth 2.0 token endpoint (username-password or client-credentials
 * flow); jsforce calls our `refreshFn` on a 401 INVALID_SESSION_ID and repeats the request once.
 *
 * Docs: developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_understanding_username_password_oauth_flow.htm,
 * help.salesforce.com "OAuth 2.0 Client Credentials Flow for Server-to-Server Integration" and
 * "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration",
 * …/api_rest/errorcodes.htm (401 INVALID_SESSION_ID, 403 API_DISABLED_FOR_ORG / API_CURRENTLY_DISABLED).
 */
import { createSign } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Connection } from 'jsforce';
import { StreamPromise } from 'jsforce/lib/util/promise.js';
import { CrmError } from '../crm-error.ts';
import { checkStatus, send } from '../crm-http.ts';
import type { CrmContext } from '../crm-connector.ts';
import type { SalesforceOptions } from './salesforce-config.ts';

type Token = { accessToken: string; instanceUrl: string };

export class SalesforceClient {
  #options: SalesforceOptions;
  #context: CrmContext;
  #token: Promise<Token> | null = null;

  constructor(options: SalesforceOptions, context: CrmContext) {
    this.#options = options;
    this.#context = context;
  }

  /** Runs `work` with a connection whose requests honour `signal`; maps jsforce errors to CrmError. */
  async run<T>(signal: AbortSignal, work: (conn: Connection) => Promise<T>): Promise<T> {
    const token = await this.#currentToken(signal);
    let refreshed = false;
    const conn = new Connection({
      instanceUrl: token.instanceUrl,
      accessToken: token.accessToken,
      version: this.#options.apiVersion,
      refreshFn: (_conn, callback) => {
        // One fresh token per operation: a second 401 means the credentials, not the session, are bad.
        if (refreshed) return callback(new CrmError('auth', 'Salesforce refused a fresh session (401 INVALID_SESSION_ID)', { status: 401 }));
        refreshed = true;
        this.#token = null;
        this.#currentToken(signal).then(
          (t) => callback(null, t.accessToken, { access_token: t.accessToken, instance_url: t.instanceUrl } as never),
          (err: Error) => callback(err),
        );
      },
    });
    conn._transport = this.#transport(signal) as unknown as Connection['_transport'];
    try {
      return await work(conn);
    } catch (err) {
      throw mapError(err);
    }
  }

  #currentToken(signal: AbortSignal): Promise<Token> {
    if (!this.#token) {
      const p = this.#requestToken(signal);
      this.#token = p;
      p.catch(() => {
        if (this.#token === p) this.#token = null;
      });
    }
    return this.#token;
  }

  async #requestToken(signal: AbortSignal): Promise<Token> {
    const o = this.#options;
    const form =
      o.auth === 'jwt_bearer'
        ? new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwtAssertion(o) })
        : new URLSearchParams({ grant_type: o.auth, client_id: o.clientId, client_secret: o.clientSecret ?? '' });
    if (o.auth === 'password') {
      form.set('username', o.username ?? '');
      form.set('password', (o.password ?? '') + (o.securityToken ?? ''));
    }
    const req = { method: 'POST', url: new URL('/services/oauth2/token', o.loginUrl).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString() };
    const res = await send(this.#context.dispatchers, this.#context.allowList, req, signal);
    if (res.status === 400 || res.status === 401) {
      // { error: invalid_grant | invalid_client …, error_description }: the credentials, not the request.
      let description = '';
      try {
        const body = JSON.parse(res.text) as { error?: string; error_description?: string };
        description = `${body.error ?? ''}${body.error_description ? ` (${body.error_description})` : ''}`;
      } catch {}
      throw new CrmError('auth', `Salesforce refused the sign-in: ${description || `HTTP ${res.status}`}`, { status: res.status });
    }
    let body: { access_token?: string; instance_url?: string };
    try {
      body = JSON.parse(checkStatus(req, res).text) as typeof body;
    } catch (err) {
      if (err instanceof CrmError) throw err;
      throw new CrmError('rejected', 'the Salesforce token answer is not JSON', { status: res.status });
    }
    if (!body.access_token || !body.instance_url) throw new CrmError('rejected', 'the Salesforce token answer has no access_token or instance_url');
    return { accessToken: body.access_token, instanceUrl: body.instance_url };
  }

  /** A jsforce transport that sends one request through the guarded dispatcher, without retries. */
  #transport(signal: AbortSignal) {
    const { dispatchers, allowList } = this.#context;
    return {
      httpRequest(req: { url: string; method: string; headers?: Record<string, string>; body?: unknown }) {
        return StreamPromise.create(() => {
          const stream = new PassThrough();
          const promise = (async () => {
            const body = typeof req.body === 'string' ? req.body : req.body == null ? null : String(req.body);
            const res = await send(dispatchers, allowList, { method: req.method, url: req.url, headers: req.headers ?? {}, body }, signal);
            // Throttling and outages are the delivery engine's to retry, with the vendor's Retry-After.
            if (res.status === 429 || res.status >= 500) checkStatus({ method: req.method, url: req.url }, res);
            stream.end();
            return { statusCode: res.status, headers: res.headers, body: res.text };
          })();
          promise.catch(() => stream.end());
          return { stream, promise };
        });
      },
    };
  }
}

/**
 * The JWT bearer flow's assertion (RFC 7523; Salesforce help "OAuth 2.0 JWT Bearer Flow for
 * Server-to-Server Integration"): RS256, `iss` the consumer key, `sub` the username, `aud` the login
 * server (`https://login.salesforce.com`, `https://test.salesforce.com` or the My Domain), valid 3 min.
 */
function jwtAssertion(o: SalesforceOptions): string {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${b64({ alg: 'RS256' })}.${b64({ iss: o.clientId, sub: o.username, aud: new URL(o.loginUrl).origin, exp: Math.floor(Date.now() / 1000) + 180 })}`;
  try {
    return `${body}.${createSign('RSA-SHA256').update(body).sign(o.privateKey ?? '').toString('base64url')}`;
  } catch {
    throw new CrmError('auth', 'the private key for the JWT bearer flow cannot sign (not a PEM RSA private key?)');
  }
}

/** jsforce's errors carry the Salesforce `errorCode` as `name`/`errorCode`. */
function mapError(err: unknown): unknown {
  if (err instanceof CrmError) return err;
  const e = err as { errorCode?: string; name?: string; message?: string };
  const code = e.errorCode ?? e.name ?? '';
  if (code === 'API_CURRENTLY_DISABLED') {
    return new CrmError('api_disabled', `Salesforce: the user may not use the API (${code}). Give its profile or a permission set the "API Enabled" permission.`, { status: 403 });
  }
  if (code === 'API_DISABLED_FOR_ORG') {
    return new CrmError('api_disabled', `Salesforce: this org has no API access (${code}): its edition needs the API (Enterprise, Unlimited, Developer; Professional with the API add-on), and the user the "API Enabled" permission.`, { status: 403 });
  }
  if (code === 'INVALID_SESSION_ID') return new CrmError('auth', 'Salesforce refused the session (INVALID_SESSION_ID)', { status: 401 });
  if (code === 'REQUEST_LIMIT_EXCEEDED') return new CrmError('rate_limited', 'Salesforce: the org used up its daily API requests (REQUEST_LIMIT_EXCEEDED)', { status: 403 });
  if (/^[A-Z_]+$/.test(code)) return new CrmError('rejected', `Salesforce refused the request: ${code}: ${(e.message ?? '').slice(0, 200)}`);
  return err;
}
