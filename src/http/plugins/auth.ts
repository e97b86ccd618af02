/**
 * Authentication by API key or web session. Keys come as `Authorization: Bearer <key>` or
 * `X-API-Key: <key>`; people signed in to the web UI send a session cookie instead (src/auth/
 * web-sessions.ts). The CTI webhooks carry their key in the URL because the PBXs that call them can
 * send nothing else. A wrong key and a key of another tenant look the same from outside: 401,
 * nothing said about the tenant.
 */
import type { FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { KeyPrincipal, KeyVerifier, Role } from '../../auth/api-keys.ts';
import { SESSION_COOKIE, type WebSessions } from '../../auth/web-sessions.ts';
import { CallbridgeError } from '../../core/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: KeyPrincipal | undefined;
  }
  interface FastifyInstance {
    /** Web UI sessions (decorated by buildApp): requireRole admits their cookie as well as API keys. */
    webSessions: WebSessions | undefined;
  }
}

/** The value of one cookie of the request, or undefined. */
export function cookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The principal of a web session cookie. A cookie rides along on requests that other sites make the
 * browser send, so a change (POST, PATCH, DELETE …) must also carry the session's CSRF token in
 * `x-csrf-token`, which only our own pages can read (GET /api/v1/session).
 */
async function sessionPrincipal(sessions: WebSessions, request: FastifyRequest): Promise<KeyPrincipal | CallbridgeError | undefined> {
  const token = cookie(request, SESSION_COOKIE);
  const session = await sessions.verify(token);
  if (!session || !token) return undefined;
  if (!SAFE_METHODS.has(request.method)) {
    const presented = request.headers['x-csrf-token'];
    if (!sessions.csrfMatches(token, typeof presented === 'string' ? presented : undefined)) {
      return new CallbridgeError('CB_CSRF', 'Send the CSRF token of your session (GET /api/v1/session) in the x-csrf-token header');
    }
  }
  return session.principal;
}

export function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (auth && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  const header = request.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : undefined;
}

/**
 * A preHandler that admits only keys with one of `roles`. A key verified moments ago is admitted
 * synchronously (no promise on the hot path); others are looked up.
 */
export function requireRole(keys: KeyVerifier, roles: readonly Role[]): preHandlerHookHandler {
  const admit = (request: FastifyRequest, principal: KeyPrincipal | undefined): CallbridgeError | undefined => {
    if (!principal) return new CallbridgeError('CB_UNAUTHORIZED', 'Send a valid API key as "Authorization: Bearer <key>", or sign in');
    if (!roles.includes(principal.role)) {
      return new CallbridgeError('CB_FORBIDDEN', `This needs a key with role ${roles.join(' or ')}; yours has role ${principal.role}`);
    }
    request.principal = principal;
    return undefined;
  };
  return (request, _reply, done) => {
    const presented = presentedKey(request);
    const cached = keys.cached(presented);
    if (cached) return done(admit(request, cached));
    // A request with an API key is judged by the key alone: machines never fall back to a cookie.
    const sessions = request.server.webSessions;
    if (presented === undefined && sessions && request.headers.cookie) {
      sessionPrincipal(sessions, request).then((p) => done(p instanceof CallbridgeError ? p : admit(request, p)), done);
      return;
    }
    keys.verify(presented).then((principal) => done(admit(request, principal)), done);
  };
}

/** The authenticated principal; only call behind requireRole. */
export function principalOf(request: FastifyRequest): KeyPrincipal {
  if (!request.principal) throw new CallbridgeError('CB_UNAUTHORIZED', 'Not authenticated');
  return request.principal;
}
