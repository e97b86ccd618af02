/**
 * `GET /api/v1/calls/stream`: Server-Sent Events of call changes for screen pops and live boards.
 *
 * Each message: `id:` the event sequence number, `event:` call.ringing | call.answered |
 * call.transferred | call.ended | call.enriched, `data:` the call as JSON. A client that reconnects with
 * `Last-Event-ID` first gets what it missed (the current state of each call changed since, once),
 * then live changes. The subscription starts before the backlog is read, so nothing falls between.
 * A client that does not read is dropped rather than letting the server buffer without bound;
 * EventSource reconnects and resumes. "Does not read": its unsent bytes stayed above a soft limit for
 * MAX_BEHIND_MS (a burst a reading client catches up with is fine), or passed a hard limit. Every stream
 * sends the same frame string of a change, so what lagging streams hold is shared, not multiplied by
 * their number; the soft limit shrinks as streams are opened (thousands of screens, some asleep). A
 * resumed backlog waits for the client to drain instead.
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
/** Soft limit of unsent bytes per stream: at most MAX, at least MIN, else an equal share of the budget. */
const MAX_BUFFERED_BYTES = 1_000_000;
const MIN_BUFFERED_BYTES = 64 * 1024;
const BUFFER_BUDGET_BYTES = 64 * 1024 * 1024;
/** Above the soft limit for this long, or above the hard limit at all: dropped. */
const MAX_BEHIND_MS = 10_000;
const HARD_LIMIT_BYTES = 8 * 1024 * 1024;
/** Calls whose last sent sequence a stream remembers (the oldest are forgotten). */
const MAX_CALLS_REMEMBERED = 10_000;
/** Live changes held while a backlog is sent; a client this far behind is dropped and resumes. */
const MAX_PENDING = 10_000;

type StreamQuery = { extension?: string; lastEventId?: string };

/**
 * One serialization per change, however many streams send it (every subscriber gets the same object):
 * kept on the change itself, so it dies with it. (A WeakMap would keep every frame until the next full
 * garbage collection: at 1,000 calls a second the young generation then copied megabytes of them in
 * every minor collection.)
 */
function frame(change: CallChange): string {
  return (change.frame ??= `id: ${change.seq}\nevent: ${change.type}\ndata: ${JSON.stringify(change.call)}\n\n`);
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
  // Per call, the sequence number last sent: a change is sent unless its call went out with a newer
  // one already (the backlog gives each call's latest state; another instance's changes arrive late).
  const floor = resumeFrom ?? 0;
  const lastByCall = new Map<string, number>();
  // With one instance, live changes arrive in commit order: once the backlog and what was published
  // while it was read are out, no change can be older than one sent, and the map is not kept (at a
  // thousand calls a second, every screen's map churning was most of the minor garbage collections).
  // Several instances interleave each other's changes late, so they keep it for good.
  const inOrderWhenLive = !deps.store.dialect.capabilities.multiInstance;
  let ordered = false;
  let live = false;
  const pending: CallChange[] = [];
  const limit = () => Math.max(MIN_BUFFERED_BYTES, Math.min(MAX_BUFFERED_BYTES, BUFFER_BUDGET_BYTES / Math.max(1, open.size)));
  let behindSince = 0;
  /** True when the client is behind by more than its soft limit (and notes since when). */
  const behind = (): boolean => {
    if (raw.writableLength <= limit()) {
      behindSince = 0;
      return false;
    }
    behindSince ||= Date.now();
    return true;
  };
  /** Drops a client that is too far behind, or has been behind for too long. */
  const dropIfStuck = () => {
    if (raw.writableLength > HARD_LIMIT_BYTES || (behind() && Date.now() - behindSince > MAX_BEHIND_MS)) raw.destroy();
  };
  /** Writes the change if this stream wants it; true when the client is behind. */
  const write = (change: CallChange): boolean => {
    // An enrichment (a late CRM answer) repeats its call's latest sequence number: sent, not counted.
    const enriched = change.type === 'call.enriched';
    if (!wanted(change.call)) return false;
    if (!enriched && ordered) {
      if (change.seq <= floor) return false;
    } else if (!enriched) {
      const last = lastByCall.get(change.call.id);
      if (change.seq <= floor || (last !== undefined && change.seq <= last)) return false;
      lastByCall.delete(change.call.id);
      lastByCall.set(change.call.id, change.seq);
      if (lastByCall.size > MAX_CALLS_REMEMBERED) lastByCall.delete(lastByCall.keys().next().value!);
    }
    raw.write(frame(change));
    return behind();
  };
  const send = (change: CallChange) => {
    write(change);
    dropIfStuck();
  };
  const unsubscribe = deps.hub.subscribe(tenantId, (change) => {
    if (live) send(change);
    else if (pending.push(change) > MAX_PENDING) raw.destroy();
  });
  // Also finds clients that stopped reading when no more changes come.
  const heartbeat = setInterval(() => {
    dropIfStuck();
    if (!raw.destroyed) raw.write(': keep-alive\n\n');
  }, deps.options.heartbeatMs ?? 15_000);
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
      for (const c of ordered) {
        if (raw.destroyed) return;
        // The backlog is as long as it is: wait for the client to take it instead of dropping it.
        if (write({ seq: c.seq, type: `call.${c.type}`, call: c.call })) await drained(raw);
      }
    }
  } catch (err) {
    request.log.error({ err }, 'stream backlog failed');
    raw.destroy();
    return;
  }
  if (raw.destroyed) return;
  live = true;
  for (const change of pending.splice(0)) send(change);
  if (inOrderWhenLive) {
    ordered = true;
    lastByCall.clear();
  }
}

/** Resolves when the response's buffer has drained or the connection is gone. */
function drained(raw: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.on('drain', done);
    raw.on('close', done);
  });
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
