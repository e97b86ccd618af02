/**
 * `GET /api/v1/agent/stream`: Server-Sent Events for one agent's desktop companion and screen pop.
 * Messages: `event: action.open`, `data: { actionId, kind: 'url', url, callId }` or
 * `{ actionId, kind: 'application', command, args, callId }` — client-side actions started for the
 * key's extension, automatically (after the call change committed) or by hand.
 *
 * Not resumable on purpose: an action is about the moment of the call; opening a CRM page minutes
 * later, after a reconnect, would surprise the agent more than a missed one.
 */
import type { FastifyInstance } from 'fastify';
import { CallbridgeError } from '../../core/errors.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf, requireRole } from '../plugins/auth.ts';

const MAX_BUFFERED_BYTES = 1_000_000;

export async function agentStreamRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get<{ Querystring: { extension?: string } }>(
    '/api/v1/agent/stream',
    {
      preHandler: requireRole(deps.keys, ['agent', 'admin']),
      schema: {
        tags: ['actions'],
        summary: "The agent's client-side actions as Server-Sent Events (action.open)",
        security: [{ apiKey: [] }],
        querystring: { type: 'object', additionalProperties: false, properties: { extension: { type: 'string', maxLength: 64, description: 'Admin keys only; agent keys use their own extension' } } },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const wanted = request.query.extension;
      if (p.role !== 'admin' && wanted !== undefined && wanted !== p.extension) {
        throw new CallbridgeError('CB_FORBIDDEN', 'An agent key follows its own extension only', '/extension');
      }
      const extension = p.role === 'admin' ? wanted : (p.extension ?? undefined);
      if (!extension) throw new CallbridgeError('CB_VALIDATION', 'Use an agent key bound to an extension (or an admin key with ?extension=)', '/extension');

      const raw = reply.raw;
      reply.hijack();
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write('retry: 2000\n\n');
      const unsubscribe = deps.actions.agents.subscribe(p.tenantId, extension, (open) => {
        raw.write(`event: action.open\ndata: ${JSON.stringify(open)}\n\n`);
        if (raw.writableLength > MAX_BUFFERED_BYTES) raw.destroy();
      });
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), deps.options.heartbeatMs ?? 15_000);
      raw.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
      });
    },
  );
}
