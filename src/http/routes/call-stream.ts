/**
 * `GET /api/v1/calls/stream`: Server-Sent Events of call changes for screen pops and live boards.
 *
 * Each message: `id:` the event sequence number, `event:` call.ringing | call.answered |
 * call.transferred | call.ended | call.enriched, `data:` the call as JSON. A client that reconnects with
 * `Last-Event-ID` first gets what it missed (the current state of each call changed since, once),
 * then live changes. The subscription starts before the backlog is read, so nothing falls between.
 * A client that does not read (its socket buffer full past a limit) is dropped rather than letting the
 * server buffer without bound; EventSource reconnects and resumes.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Call } from '../../core/calls/call.ts';
import { extensionsOf } from '../../core/calls/lifecycle.ts';
import { CallbridgeError } from '../../core/errors.ts';
import type { CallChange } from '../../journal/live-hub.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf } from '../plugins/auth.ts';

const BACKLOG_LIMIT = 5_000;
const MAX_BUFFERED_BYTES = 1_000_000;

type StreamQuery = { extension?: string; lastEventId?: string };

function frame(change: CallChange): string {
  return `id: ${change.seq}\nevent: ${change.type}\ndata: ${JSON.stringify(change.call)}\n\n`;
}

async function handle(deps: AppDeps, request: FastifyRequest, reply: FastifyReply, open: Set<ServerResponse>): Promise<void> {
  const { tenantId } = principalOf(request);
  const query = request.query as StreamQuery;
  const header = request.headers['last-event-id'];
  const resumeRaw = (typeof header === 'string' ? header : undefined) ?? query.lastEventId;
  let resumeFrom: number | undefined;
  if (resumeRaw !== undefined && resumeRaw !== '') {
    resumeFrom = Number(resumeRaw);
    if (!Number.isSafeInteger(resumeFrom) || resumeFrom < 0) {
      throw new CallbridgeError('CB_VALIDATION', 'Last-Event-ID must be the id of a message this stream sent', '/lastEventId');
    }
  }
  const wanted = (call: Call) => !query.extension || extensionsOf(call).has(query.extension);

  const raw = reply.raw;
  let lastSent = resumeFrom ?? 0;
  let live = false;
  const pending: CallChange[] = [];
  const send = (change: CallChange) => {
    // An enrichment (a late CRM answer) repeats its call's latest sequence number: sent, not counted.
    const enriched = change.type === 'call.enriched';
    if ((!enriched && change.seq <= lastSent) || !wanted(change.call)) return;
    if (!enriched) lastSent = change.seq;
    raw.write(frame(change));
    if (raw.writableLength > MAX_BUFFERED_BYTES) raw.destroy();
  };
  const unsubscribe = deps.hub.subscribe(tenantId, (change) => (live ? send(change) : pending.push(change)));
  const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), deps.options.heartbeatMs ?? 15_000);
  open.add(raw);
  const close = () => {
    clearInterval(heartbeat);
    unsubscribe();
    open.delete(raw);
  };
  raw.on('close', close);

  reply.hijack();
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.write('retry: 2000\n\n');
  try {
    if (resumeFrom !== undefined) {
      const changes = await deps.store.calls.changesSince(tenantId, resumeFrom, BACKLOG_LIMIT);
      const latest = new Map<string, { seq: number; type: string }>();
      for (const c of changes) latest.set(c.callId, { seq: c.seq, type: c.type });
      const calls = await deps.store.calls.getMany(tenantId, [...latest.keys()]);
      const ordered = calls
        .map((call) => ({ call, ...latest.get(call.id)! }))
        .sort((a, b) => a.seq - b.seq);
      for (const c of ordered) send({ seq: c.seq, type: `call.${c.type}`, call: c.call });
    }
  } catch (err) {
    request.log.error({ err }, 'stream backlog failed');
    raw.destroy();
    return;
  }
  live = true;
  for (const change of pending.splice(0)) send(change);
}

export const callStream = {
  handle,
  schema: {
    tags: ['calls'],
    summary: 'Live call changes as Server-Sent Events',
    description:
      'Resumable with the Last-Event-ID header (or ?lastEventId=). Filter with ?extension= for a screen pop. Messages: id = sequence, event = call.ringing|call.answered|call.transferred|call.ended|call.enriched (a late CRM caller lookup), data = the call.',
    security: [{ apiKey: [] }],
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        extension: { type: 'string', maxLength: 64 },
        lastEventId: { type: 'string', maxLength: 20 },
      },
    },
  },
};
