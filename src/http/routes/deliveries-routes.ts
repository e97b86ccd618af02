import type { FastifyInstance } from 'fastify';
import { CallbridgeError } from '../../core/errors.ts';
import { DELIVERY_STATES, type DeliveryRecord, type DeliveryState } from '../../storage/repositories/deliveries-repository.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf, requireRole } from '../plugins/auth.ts';

type ListQuery = { state?: DeliveryState; endpointId?: string; callId?: string; limit?: number; cursor?: string };
type ReplayBody = { state?: 'dead' | 'delivered'; endpointId?: string; callId?: string; limit?: number };

/** Most deliveries one replay-by-filter request starts again. */
const MAX_REPLAY = 10_000;

/**
 * `/api/v1/deliveries`: the outbox as the administrator sees it — every delivery with its state, the
 * dead letters (`state=dead`), one delivery with its attempt log, and replay of one or many. A replay
 * keeps the delivery's id, so receivers that de-duplicate on `webhook-id` stay correct.
 * `/api/v1/calls/{id}/deliveries`: what one call caused.
 */
export async function deliveriesRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const admin = requireRole(deps.keys, ['admin']);
  const docs = { tags: ['deliveries'], security: [{ apiKey: [] }], response: { '4xx': { $ref: 'Problem#' } } };
  const idParam = { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } };
  const filterProperties = {
    endpointId: { type: 'string', maxLength: 64, description: 'A webhook (or other endpoint) id' },
    callId: { type: 'string', maxLength: 64 },
  } as const;

  const view = (d: DeliveryRecord) => ({
    id: d.id,
    endpointId: d.endpointId,
    handler: d.handler,
    eventType: d.eventType,
    callId: d.callId,
    state: d.state,
    attempts: d.attempts,
    nextAttemptAt: d.state === 'pending' ? d.nextAttemptAt : null,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  });

  app.get<{ Querystring: ListQuery }>(
    '/api/v1/deliveries',
    {
      preHandler: admin,
      schema: {
        ...docs,
        summary: 'Deliveries, newest first (state=dead: the dead letters)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            state: { type: 'string', enum: [...DELIVERY_STATES] },
            ...filterProperties,
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            cursor: { type: 'string', pattern: '^[0-9]{1,15}$', description: 'The `next` value of the previous page' },
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 50;
      const rows = await deps.store.deliveries.list({
        tenantId: principalOf(request).tenantId,
        state: q.state,
        endpointId: q.endpointId,
        callId: q.callId,
        beforeSeq: q.cursor ? Number(q.cursor) : undefined,
        limit,
      });
      return { items: rows.map(view), next: rows.length === limit ? String(rows.at(-1)!.seq) : null };
    },
  );

  app.get<{ Params: { id: string } }>('/api/v1/deliveries/:id', { preHandler: admin, schema: { ...docs, params: idParam, summary: 'One delivery with its payload and attempt log' } }, async (request) => {
    const d = await deps.store.deliveries.get(principalOf(request).tenantId, request.params.id);
    if (!d) throw new CallbridgeError('CB_NOT_FOUND', 'No delivery with this id', '/id');
    const attempts = await deps.store.deliveries.attempts(d.id);
    return { ...view(d), payload: d.payload, attemptLog: attempts.map(({ deliveryId: _d, ...a }) => a) };
  });

  app.post<{ Params: { id: string } }>(
    '/api/v1/deliveries/:id/replay',
    { preHandler: admin, schema: { ...docs, params: idParam, summary: 'Send a dead or delivered delivery again' } },
    async (request, reply) => {
      const tenantId = principalOf(request).tenantId;
      const d = await deps.store.deliveries.get(tenantId, request.params.id);
      if (!d) throw new CallbridgeError('CB_NOT_FOUND', 'No delivery with this id', '/id');
      if (d.state === 'pending' || d.state === 'delivering') throw new CallbridgeError('CB_DELIVERY_IN_FLIGHT', `this delivery is ${d.state}; only dead or delivered ones can be replayed`, '/id');
      await deps.store.deliveries.replay({ tenantId, ids: [d.id] }, new Date().toISOString(), 1);
      deps.delivery.worker.wake();
      reply.code(202);
      return view((await deps.store.deliveries.get(tenantId, d.id))!);
    },
  );

  app.post<{ Body: ReplayBody }>(
    '/api/v1/deliveries/replay',
    {
      preHandler: admin,
      schema: {
        ...docs,
        summary: 'Send many again: the dead letters (default) or delivered ones, by endpoint and call',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { state: { type: 'string', enum: ['dead', 'delivered'], default: 'dead' }, ...filterProperties, limit: { type: 'integer', minimum: 1, maximum: MAX_REPLAY, default: 1000 } },
        },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const ids = await deps.store.deliveries.replay(
        { tenantId: principalOf(request).tenantId, state: body.state ?? 'dead', endpointId: body.endpointId, callId: body.callId },
        new Date().toISOString(),
        body.limit ?? 1000,
      );
      deps.delivery.worker.wake();
      reply.code(202);
      return { replayed: ids.length, ids };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/calls/:id/deliveries',
    { preHandler: admin, schema: { ...docs, tags: ['calls', 'deliveries'], params: idParam, summary: 'The deliveries a call caused' } },
    async (request) => {
      const tenantId = principalOf(request).tenantId;
      if (!(await deps.store.calls.get(tenantId, request.params.id))) throw new CallbridgeError('CB_NOT_FOUND', 'No call with this id', '/id');
      const rows = await deps.store.deliveries.list({ tenantId, callId: request.params.id, limit: 500 });
      return { items: rows.reverse().map(view) };
    },
  );
}
