import type { FastifyInstance } from 'fastify';
import { mapCallbridgeEvents } from '../../connectors/pbx/callbridge-events/callbridge-events-mapping.ts';
import { callbridgeEventSchema } from '../../connectors/pbx/callbridge-events/callbridge-events-schema.ts';
import { CallbridgeError } from '../../core/errors.ts';
import type { AppDeps } from '../app-deps.ts';
import { ingestEvents, summarize } from '../ingest-reply.ts';
import { principalOf, requireRole } from '../plugins/auth.ts';

/** `POST /api/v1/events`: Callbridge's own JSON, one event or an array. */
export async function eventsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.post(
    '/api/v1/events',
    {
      preHandler: requireRole(deps.keys, ['ingest', 'admin']),
      // The schema documents the body; the mapping validates it, naming the exact field.
      validatorCompiler: () => () => true,
      schema: {
        tags: ['ingest'],
        summary: 'Ingest call events (one or an array of up to 1000)',
        description: 'Idempotent: a 200 means every event is committed; posting the same events again changes nothing.',
        security: [{ apiKey: [] }],
        body: { oneOf: [callbridgeEventSchema, { type: 'array', items: callbridgeEventSchema, maxItems: 1000 }] },
        response: {
          200: {
            type: 'object',
            properties: {
              accepted: { type: 'integer' },
              duplicates: { type: 'integer' },
              results: {
                type: 'array',
                items: { type: 'object', properties: { status: { type: 'string' }, callId: { type: 'string' }, effect: { type: 'string' } } },
              },
            },
          },
          '4xx': { $ref: 'Problem#' },
        },
      },
    },
    async (request) => {
      if (!request.headers['content-type']?.toLowerCase().startsWith('application/json')) {
        throw new CallbridgeError('CB_UNSUPPORTED_MEDIA_TYPE', 'Send the events as application/json');
      }
      const mapped = mapCallbridgeEvents(request.body, new Date().toISOString());
      if (!mapped.ok) throw new CallbridgeError('CB_VALIDATION', mapped.message, mapped.field);
      return summarize(await ingestEvents(deps, principalOf(request).tenantId, mapped.events, 'api'));
    },
  );
}
