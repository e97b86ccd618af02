/**
 * `POST /api/v1/cti/placetel/{token}`: Placetel's notify API. When the tenant has a Placetel secret,
 * `X-PLACETEL-SIGNATURE` must be the HMAC-SHA256 of the raw body, so this scope keeps the raw bytes
 * and parses them itself.
 */
import { parse as parseQuery } from 'node:querystring';
import type { FastifyInstance } from 'fastify';
import { CallbridgeError } from '../../../core/errors.ts';
import type { AppDeps } from '../../../http/app-deps.ts';
import { ingestEvents } from '../../../http/ingest-reply.ts';
import { mapPlacetel } from './placetel-mapping.ts';
import { verifyPlacetelSignature } from './placetel-signature.ts';

export async function placetelRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], { parseAs: 'buffer', bodyLimit: deps.options.bodyLimit }, (_req, body, done) => done(null, body));

  app.post<{ Params: { token: string } }>(
    '/api/v1/cti/placetel/:token',
    {
      validatorCompiler: () => () => true,
      schema: {
        tags: ['ingest'],
        summary: 'Placetel notify API webhook',
        description: 'IncomingCall, OutgoingCall, CallAccepted, HungUp. Verifies X-PLACETEL-SIGNATURE when a secret is set in /api/v1/settings.',
        params: { type: 'object', properties: { token: { type: 'string', description: 'An API key with role ingest' } } },
        response: { 200: { type: 'object' }, '4xx': { $ref: 'Problem#' } },
      },
    },
    async (request) => {
      const principal = await deps.keys.verify(request.params.token);
      if (!principal || (principal.role !== 'ingest' && principal.role !== 'admin')) {
        throw new CallbridgeError('CB_UNAUTHORIZED', 'The token in the URL is not a valid ingest key');
      }
      // No body at all (no content type) leaves request.body undefined: treat it as empty, a 400 below.
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const tenant = await deps.store.tenants.get(principal.tenantId);
      if (tenant?.placetelSecret) {
        const header = request.headers['x-placetel-signature'];
        if (!verifyPlacetelSignature(raw, typeof header === 'string' ? header : undefined, deps.secrets.open(tenant.placetelSecret))) {
          throw new CallbridgeError('CB_INVALID_SIGNATURE', 'X-PLACETEL-SIGNATURE does not match the body under the configured secret');
        }
      }
      const text = raw.toString('utf8');
      let body: unknown;
      if (request.headers['content-type']?.toLowerCase().startsWith('application/json')) {
        try {
          body = JSON.parse(text);
        } catch {
          throw new CallbridgeError('CB_MALFORMED_BODY', 'The body is not valid JSON', '/');
        }
      } else {
        body = { ...parseQuery(text) };
      }
      const mapped = mapPlacetel(body, new Date().toISOString());
      if (!mapped.ok) throw new CallbridgeError('CB_VALIDATION', mapped.message, mapped.field);
      await ingestEvents(deps, principal.tenantId, mapped.events, 'placetel');
      return {};
    },
  );
}
