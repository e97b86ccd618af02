/**
 * Callbridge's own event format (`POST /api/v1/events`): one event or an array of them.
 *
 * Validation is written out by hand rather than left to the schema validator so that every error names
 * the exact field (`/2/direction`) with a sentence a person can act on; the JSON Schema in
 * callbridge-events-schema.ts documents the same shape for OpenAPI.
 */
import { CALL_DIRECTIONS, END_CAUSES, TRANSFER_TYPES, type CallDirection, type EndCause, type TransferType } from '../../../core/calls/call.ts';
import type { CallEvent, CallEventType } from '../../../core/calls/call-event.ts';
import { eventKey } from '../../../core/calls/event-key.ts';

export const OWN_EVENT_TYPES = ['call.ringing', 'call.answered', 'call.transferred', 'call.ended'] as const;

export type MappingResult = { ok: true; events: CallEvent[] } | { ok: false; field: string; message: string };

/** Most events one request may carry; larger batches are split by the sender. */
export const MAX_BATCH = 1000;

const MAX_TEXT = 256;

export function mapCallbridgeEvents(body: unknown, receivedAt: string): MappingResult {
  const list = Array.isArray(body) ? body : [body];
  const prefix = Array.isArray(body) ? (i: number) => `/${i}` : () => '';
  if (list.length === 0) return { ok: false, field: '/', message: 'the array holds no events' };
  if (list.length > MAX_BATCH) return { ok: false, field: '/', message: `at most ${MAX_BATCH} events per request` };
  const events: CallEvent[] = [];
  for (let i = 0; i < list.length; i++) {
    const r = mapOne(list[i], receivedAt, prefix(i));
    if (!r.ok) return r;
    events.push(r.event);
  }
  return { ok: true, events };
}

type One = { ok: true; event: CallEvent } | { ok: false; field: string; message: string };

function mapOne(input: unknown, receivedAt: string, at: string): One {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, field: at || '/', message: 'an event must be a JSON object' };
  }
  const o = input as Record<string, unknown>;
  const fail = (name: string, message: string): One => ({ ok: false, field: `${at}/${name}`, message: `${name} ${message}` });

  if (typeof o.type !== 'string' || !(OWN_EVENT_TYPES as readonly string[]).includes(o.type)) {
    return fail('type', `must be one of ${OWN_EVENT_TYPES.join(', ')}`);
  }
  const type = o.type.slice('call.'.length) as CallEventType;
  const text = (name: string, required: boolean, allowEmpty = false): string | null | One => {
    const v = o[name];
    if (v === undefined || v === null) return required ? fail(name, 'is required') : null;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v !== 'string') return fail(name, 'must be a string');
    if (v.length > MAX_TEXT) return fail(name, `must be at most ${MAX_TEXT} characters`);
    if (!allowEmpty && v.trim() === '') return fail(name, 'must not be empty');
    return v;
  };
  const callId = text('callId', true);
  if (isFailure(callId)) return callId;
  const linkedCallId = text('linkedCallId', false);
  if (isFailure(linkedCallId)) return linkedCallId;
  if (typeof o.direction !== 'string' || !(CALL_DIRECTIONS as readonly string[]).includes(o.direction)) {
    return fail('direction', `must be one of ${CALL_DIRECTIONS.join(', ')}`);
  }
  const from = text('from', true, true);
  if (isFailure(from)) return from;
  const to = text('to', true, true);
  if (isFailure(to)) return to;
  const extension = text('extension', false);
  if (isFailure(extension)) return extension;
  const queue = text('queue', false);
  if (isFailure(queue)) return queue;
  const eventId = text('eventId', false);
  if (isFailure(eventId)) return eventId;
  const transferTo = text('transferTo', false);
  if (isFailure(transferTo)) return transferTo;
  if (type === 'transferred' && !transferTo) return fail('transferTo', 'is required for call.transferred');

  let cause: EndCause | null = null;
  if (o.cause !== undefined && o.cause !== null) {
    if (typeof o.cause !== 'string' || !(END_CAUSES as readonly string[]).includes(o.cause)) {
      return fail('cause', `must be one of ${END_CAUSES.join(', ')}`);
    }
    cause = o.cause as EndCause;
  }
  let transferType: TransferType | null = null;
  if (o.transferType !== undefined && o.transferType !== null) {
    if (typeof o.transferType !== 'string' || !(TRANSFER_TYPES as readonly string[]).includes(o.transferType)) {
      return fail('transferType', `must be one of ${TRANSFER_TYPES.join(', ')}`);
    }
    transferType = o.transferType as TransferType;
  }
  const labels: Record<string, string> = {};
  if (o.labels !== undefined && o.labels !== null) {
    if (typeof o.labels !== 'object' || Array.isArray(o.labels)) return fail('labels', 'must be an object of strings');
    const entries = Object.entries(o.labels as Record<string, unknown>);
    if (entries.length > 50) return fail('labels', 'may hold at most 50 entries');
    for (const [k, v] of entries) {
      if (typeof v !== 'string' || v.length > MAX_TEXT || k.length > 64) {
        return { ok: false, field: `${at}/labels/${k}`, message: `labels.${k} must be a string of at most ${MAX_TEXT} characters` };
      }
      labels[k] = v;
    }
  }
  let when = receivedAt;
  const stamp = o.timestamp;
  if (stamp !== undefined && stamp !== null) {
    const ms = typeof stamp === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(stamp) ? Date.parse(stamp) : NaN;
    if (!Number.isFinite(ms)) return fail('timestamp', 'must be an ISO 8601 date-time such as 2026-11-21T09:30:00Z');
    when = new Date(ms).toISOString();
  }
  const stampPart = typeof stamp === 'string' ? when : null;
  const event: CallEvent = {
    type,
    callId: callId as string,
    linkedCallId: linkedCallId === callId ? null : (linkedCallId as string | null),
    direction: o.direction as CallDirection,
    from: from as string,
    to: to as string,
    extension: extension as string | null,
    extensions: [],
    queue: queue as string | null,
    labels,
    cause,
    transferTo: transferTo as string | null,
    transferType,
    at: when,
    key: eventKey('api', eventId as string | null, [type, callId as string, linkedCallId as string | null, extension as string | null, cause, transferTo as string | null, stampPart]),
  };
  return { ok: true, event };
}

function isFailure(v: unknown): v is { ok: false; field: string; message: string } {
  return typeof v === 'object' && v !== null && (v as { ok?: unknown }).ok === false;
}
