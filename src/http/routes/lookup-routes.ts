import type { FastifyInstance } from 'fastify';
import { CallbridgeError } from '../../core/errors.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf, requireRole } from '../plugins/auth.ts';
import { ownerOf } from './contacts-routes.ts';

/**
 * Caller ID: `GET /api/v1/lookup` (JSON with the match and every candidate) and `GET /api/v1/cnam`
 * (just the display name as text/plain, for Asterisk `CURL()`, FreePBX Superfecta and Kazoo CNAM).
 * Both answer from the in-memory index; a withheld or unknown number is `match: null` / an empty body.
 */
export async function lookupRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const readers = requireRole(deps.keys, ['agent', 'admin', 'ingest']);

  app.get<{ Querystring: { number: string; extension?: string } }>(
    '/api/v1/lookup',
    {
      preHandler: readers,
      schema: {
        tags: ['phonebook'],
        summary: 'Who is calling?',
        security: [{ apiKey: [] }],
        querystring: {
          type: 'object',
          required: ['number'],
          additionalProperties: false,
          properties: {
            number: { type: 'string', maxLength: 64 },
            extension: { type: 'string', maxLength: 32, description: 'The extension called: its user’s personal contacts are consulted first' },
          },
        },
        response: { '4xx': { $ref: 'Problem#' } },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      let ownerUserId = await ownerOf(deps, request);
      if (request.query.extension) ownerUserId = (await deps.store.users.byExtension(tenantId, request.query.extension))?.id ?? ownerUserId;
      return deps.phonebook.lookup(tenantId, request.query.number, { ownerUserId });
    },
  );

  app.get<{ Querystring: { number?: string; key?: string } }>(
    '/api/v1/cnam',
    {
      schema: {
        tags: ['phonebook'],
        summary: 'Caller name as text/plain (CNAM)',
        description: 'The key may come as ?key= for PBXs that cannot send headers. Empty body when unknown.',
        querystring: { type: 'object', properties: { number: { type: 'string', maxLength: 64 }, key: { type: 'string', maxLength: 100 } } },
      },
    },
    async (request, reply) => {
      const principal = await deps.keys.verify(request.query.key ?? request.headers.authorization?.replace(/^bearer\s+/i, ''));
      if (!principal) throw new CallbridgeError('CB_UNAUTHORIZED', 'Send an API key as ?key= or Authorization: Bearer');
      const { match } = await deps.phonebook.lookup(principal.tenantId, request.query.number ?? '');
      reply.type('text/plain; charset=utf-8');
      if (!match) return '';
      const name = match.company && match.company !== match.name ? `${match.name} (${match.company})` : match.name;
      // One line of printable text: CNAM fields cannot carry line breaks or control characters.
      return name.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 100);
    },
  );
}
