/**
 * API-key authentication. Keys come as `Authorization: Bearer <key>` or `X-API-Key: <key>`; the CTI
 * webhooks carry theirs in the URL because the PBXs that call them can send nothing else. A wrong key
 * and a key of another tenant look the same from outside: 401, nothing said about the tenant.
 */
import type { FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { KeyPrincipal, KeyVerifier, Role } from '../../auth/api-keys.ts';
import { CallbridgeError } from '../../core/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: KeyPrincipal | undefined;
  }
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
    if (!principal) return new CallbridgeError('CB_UNAUTHORIZED', 'Send a valid API key as "Authorization: Bearer <key>"');
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
    keys.verify(presented).then((principal) => done(admit(request, principal)), done);
  };
}

/** The authenticated principal; only call behind requireRole. */
export function principalOf(request: FastifyRequest): KeyPrincipal {
  if (!request.principal) throw new CallbridgeError('CB_UNAUTHORIZED', 'Not authenticated');
  return request.principal;
}
