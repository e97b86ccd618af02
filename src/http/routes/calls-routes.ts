import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { CALL_DIRECTIONS, CALL_OUTCOMES, CALL_STATES } from '../../core/calls/call.ts';
import { CallbridgeError } from '../../core/errors.ts';
import { normalizeNumber } from '../../core/phone-numbers/phone-number.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf, requireRole } from '../plugins/auth.ts';
import { callStream } from './call-stream.ts';

type ListQuery = {
  from?: string;
  to?: string;
  direction?: string;
  outcome?: string;
  state?: string;
  extension?: string;
  number?: string;
  queue?: string;
  limit?: number;
  cursor?: string;
};

const isoDate = { type: 'string', format: 'date-time' } as const;

export async function callsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const readers = requireRole(deps.keys, ['agent', 'admin']);

  app.get<{ Querystring: ListQuery }>(
    '/api/v1/calls',
    {
      preHandler: readers,
      schema: {
        tags: ['calls'],
        summary: 'List calls, newest first',
        security: [{ apiKey: [] }],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { ...isoDate, description: 'Calls started at or after' },
            to: { ...isoDate, description: 'Calls started before' },
            direction: { type: 'string', enum: [...CALL_DIRECTIONS] },
            outcome: { type: 'string', enum: [...CALL_OUTCOMES] },
            state: { type: 'string', enum: [...CALL_STATES] },
            extension: { type: 'string', maxLength: 64, description: 'An extension that rang, answered or received a transfer' },
            number: { type: 'string', maxLength: 64, description: 'Either party, in any written form' },
            queue: { type: 'string', maxLength: 128 },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            cursor: { type: 'string', maxLength: 200, description: 'The `next` value of the previous page' },
          },
        },
        response: { '4xx': { $ref: 'Problem#' } },
      },
    },
    async (request) => {
      const q = request.query;
      const tenantId = principalOf(request).tenantId;
      let number: string | undefined;
      if (q.number) {
        const n = normalizeNumber(q.number, await deps.settings.numbering(tenantId));
        number = n.e164 ?? n.raw.trim();
      }
      const limit = q.limit ?? 50;
      const items = await deps.store.calls.list({
        tenantId,
        from: q.from && new Date(q.from).toISOString(),
        to: q.to && new Date(q.to).toISOString(),
        direction: q.direction,
        outcome: q.outcome,
        state: q.state,
        extension: q.extension,
        queue: q.queue,
        number,
        after: q.cursor ? decodeCursor(q.cursor) : undefined,
        limit,
      });
      const last = items[items.length - 1];
      return { items, next: items.length === limit && last ? encodeCursor(last.startedAt, last.id) : null };
    },
  );

  // Streams never end by themselves: close them when the server closes, or close() would wait forever.
  const streams = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const raw of streams) raw.end();
  });
  app.get('/api/v1/calls/stream', { preHandler: readers, schema: callStream.schema }, (request, reply) =>
    callStream.handle(deps, request, reply, streams),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/calls/:id',
    {
      preHandler: readers,
      schema: {
        tags: ['calls'],
        summary: 'One call with its legs and event history',
        security: [{ apiKey: [] }],
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } },
        response: { '4xx': { $ref: 'Problem#' } },
      },
    },
    async (request) => {
      const tenantId = principalOf(request).tenantId;
      const call = await deps.store.calls.get(tenantId, request.params.id);
      if (!call) throw new CallbridgeError('CB_NOT_FOUND', 'No call with this id', '/id');
      const events = await deps.store.calls.eventsOf(deps.store.dialect.db, tenantId, call.id);
      return {
        ...call,
        events: events.map((e) => ({
          seq: e.seq,
          type: `call.${e.type}`,
          at: e.at,
          receivedAt: e.receivedAt,
          source: e.source,
          effect: e.status,
          legId: e.event.callId,
          extension: e.event.extension,
          cause: e.event.cause,
          transferTo: e.event.transferTo,
        })),
      };
    },
  );
}

function encodeCursor(startedAt: string, id: string): string {
  return Buffer.from(`${startedAt}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { startedAt: string; id: string } {
  const [startedAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!startedAt || !id || Number.isNaN(Date.parse(startedAt))) {
    throw new CallbridgeError('CB_VALIDATION', 'cursor is not one this server handed out; use the `next` value of a page', '/cursor');
  }
  return { startedAt, id };
}
