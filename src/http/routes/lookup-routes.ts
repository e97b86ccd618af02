import type { FastifyInstance } from 'fastify';
import { CallbridgeError } from '../../core/errors.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf, requireRole } from '../plugins/auth.ts';
import { ownerOf } from './contacts-routes.ts';

const matchSchema = {
  type: 'object',
  required: ['contactId', 'name', 'company', 'matchType', 'number', 'origin', 'personal'],
  properties: {
    contactId: { type: 'string' },
    name: { type: 'string' },
    company: { type: ['string', 'null'] },
    matchType: { type: 'string', enum: ['exact', 'company', 'suffix'], description: 'exact number, an unknown extension of a known switchboard, or the last N digits' },
    number: { type: 'string', description: 'The contact’s number that matched, in E.164' },
    origin: { type: 'string', enum: ['manual', 'synced'] },
    personal: { type: 'boolean', description: 'A personal contact of the user the lookup was made for' },
  },
} as const;

const lookupResultSchema = {
  type: 'object',
  required: ['number', 'match', 'candidates'],
  properties: {
    number: { type: ['string', 'null'], description: 'The asked number in E.164; null when withheld or unreadable' },
    match: { anyOf: [matchSchema, { type: 'null' }] },
    candidates: { type: 'array', items: matchSchema, description: 'Every contact that matched, best first' },
  },
} as const;

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
        response: { 200: lookupResultSchema, '4xx': { $ref: 'Problem#' } },
      },
    },
    (request, reply) => {
      const principal = principalOf(request);
      // The hot path (a company-wide lookup by a key without extension) stays synchronous.
      const now = principal.extension || request.query.extension ? undefined : deps.phonebook.lookupNow(principal.tenantId, request.query.number);
      if (now) return reply.send(now);
      void (async () => {
        let ownerUserId = await ownerOf(deps, request);
        if (request.query.extension) ownerUserId = (await deps.store.users.byExtension(principal.tenantId, request.query.extension))?.id ?? ownerUserId;
        return deps.phonebook.lookup(principal.tenantId, request.query.number, { ownerUserId });
      })().then((result) => reply.send(result), (err: unknown) => reply.send(err));
      return reply;
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
      const number = request.query.number ?? '';
      const { match } = deps.phonebook.lookupNow(principal.tenantId, number) ?? (await deps.phonebook.lookup(principal.tenantId, number));
      reply.type('text/plain; charset=utf-8');
      if (!match) return '';
      const name = match.company && match.company !== match.name ? `${match.name} (${match.company})` : match.name;
      // One line of printable text: CNAM fields cannot carry line breaks or control characters.
      return name.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 100);
    },
  );
}
