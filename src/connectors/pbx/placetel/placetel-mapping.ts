/**
 * Placetel's Notify API ("Benachrichtigungs-API") webhook mapped to normalized call events. Pure: no
 * I/O; never throws on any body. The request signature is checked separately (placetel-signature.ts).
 *
 * Source: https://github.com/Placetel/call-control-notify-api (README, "Our POST request"): form-encoded
 * POSTs with `event` IncomingCall | OutgoingCall | CallAccepted | HungUp, `from`, `to`, `call_id` (a
 * SHA-256 in hex), `direction` in | out, `peer` (the SIP user that answered, or that calls out), and on
 * HungUp `type` and `duration` ("duration of *accepted* call in seconds, 0 for not accepted calls").
 *
 * Quirks and the rules chosen for them:
 * - No timestamps: every event is `at` = the time we received it.
 * - CallAccepted is sent for incoming calls only. A HungUp of type accepted therefore also yields an
 *   `answered` event at (received − duration): the only answer an outgoing call ever gets, and a safety
 *   net when an incoming call's CallAccepted was lost. When CallAccepted did arrive, the lifecycle keeps
 *   the earlier of the two answer times, so rounding of `duration` can move it by up to a second.
 * - Direction: `direction` when sent, else implied by the event (OutgoingCall → out, others → in;
 *   the earliest version of the API notified incoming calls only). out is internal when `to` is an
 *   extension (`23`) or a SIP id: "from and to for outgoing internal calls are the SIP IDs".
 * - Extensions: Placetel names phones by SIP id (`7777abcdefg@fpbx.de`); its user part is the extension,
 *   unless it is a phone number (a forward to an external number). Ringing inbound: `peer` if any;
 *   outbound: the calling `peer`, else `from` when it is a SIP id (older docs); internal: the callee.
 * - HungUp `type` → cause: accepted → normal, missed and voicemail → noAnswer (voicemail also sets the
 *   label `voicemail`), canceled → cancel, busy → busy, blocked → rejected, unavailable and congestion →
 *   failed. Unknown or missing types are null (the lifecycle decides from whether the leg was answered).
 * - Numbers arrive in national format (`022129191999`) and are left as sent; the tenant's numbering
 *   settings read them.
 * - Keys: eventKey('placetel', null, [every field as sent]), so a retried POST maps to the same key.
 */
import type { CallEvent, CallEventType } from '../../../core/calls/call-event.ts';
import type { CallDirection, EndCause } from '../../../core/calls/call.ts';
import { eventKey } from '../../../core/calls/event-key.ts';
import { isExtension, isWithheld } from '../../../core/phone-numbers/phone-number.ts';
import { openBody, problem } from '../webhook-body.ts';

export const PLACETEL_SOURCE = 'placetel';

/** The mapping's answer; a problem names the offending field as a JSON pointer (`''` for the body). */
export type PlacetelResult = { ok: true; events: CallEvent[] } | { ok: false; field: string; message: string };

const EVENTS = ['IncomingCall', 'OutgoingCall', 'CallAccepted', 'HungUp'] as const;
type PlacetelEvent = (typeof EVENTS)[number];

const HANGUP_TYPES: ReadonlyMap<string, EndCause> = new Map([
  ['accepted', 'normal'],
  ['missed', 'noAnswer'],
  ['voicemail', 'noAnswer'],
  ['canceled', 'cancel'],
  ['busy', 'busy'],
  ['blocked', 'rejected'],
  ['unavailable', 'failed'],
  ['congestion', 'failed'],
]);

/** Longest `duration` taken as real (about 115 days); anything above is a broken value. */
const MAX_DURATION_SECONDS = 10_000_000;

/** Maps one webhook body (form fields or JSON, already parsed) to the events it stands for. */
export function mapPlacetel(body: unknown, receivedAt: string): PlacetelResult {
  const opened = openBody(body, EVENTS, 'call_id');
  if (!opened.ok) return opened;
  const { fields, event, id: callId } = opened;
  const dir = fields.text('direction')?.trim() || (event === 'OutgoingCall' ? 'out' : 'in');
  if (fields.problem) return fields.problem;
  if (dir !== 'in' && dir !== 'out') return problem('/direction', 'direction must be in or out');

  const from = fields.text('from') ?? '';
  const to = fields.text('to') ?? '';
  const peer = fields.text('peer');
  const type = fields.text('type')?.trim() ?? null;
  const durationText = fields.text('duration')?.trim() || null;
  if (fields.problem) return fields.problem;
  const duration = durationText === null ? null : Number(durationText);
  if (durationText !== null && (!/^\d+(\.\d+)?$/.test(durationText) || duration! > MAX_DURATION_SECONDS)) {
    return problem('/duration', 'duration must be a number of seconds');
  }

  const callee = isExtension(to) || to.includes('@') ? endpointOf(to) : null;
  const direction: CallDirection = dir === 'in' ? 'inbound' : callee ? 'internal' : 'outbound';
  const identity = [event, callId, dir, from, to, peer, type, durationText];
  const make = (eventType: CallEventType, over: Partial<CallEvent>, role: string): CallEvent => ({
    type: eventType,
    callId,
    linkedCallId: null,
    direction,
    from,
    to,
    extension: null,
    extensions: [],
    queue: null,
    labels: {},
    cause: null,
    transferTo: null,
    transferType: null,
    at: receivedAt,
    key: eventKey(PLACETEL_SOURCE, null, [...identity, role]),
    ...over,
  });
  const caller = endpointOf(peer) ?? endpointOf(from);

  switch (event as PlacetelEvent) {
    case 'IncomingCall': {
      const rung = endpointOf(peer);
      return { ok: true, events: [make('ringing', { extension: rung, extensions: rung ? [rung] : [] }, '')] };
    }
    case 'OutgoingCall':
      if (direction === 'internal') return { ok: true, events: [make('ringing', { extension: callee, extensions: [callee!] }, '')] };
      return { ok: true, events: [make('ringing', { extension: caller }, '')] };
    case 'CallAccepted':
      return { ok: true, events: [make('answered', { extension: endpointOf(peer) }, '')] };
    case 'HungUp': {
      const extension = direction === 'inbound' ? endpointOf(peer) : caller;
      const events: CallEvent[] = [];
      if (type === 'accepted') events.push(make('answered', { extension, at: secondsBefore(receivedAt, duration ?? 0) }, 'answered'));
      const labels: Record<string, string> = type === 'voicemail' ? { voicemail: 'true' } : {};
      events.push(make('ended', { extension, labels, cause: type ? (HANGUP_TYPES.get(type) ?? null) : null }, ''));
      return { ok: true, events };
    }
  }
}

/**
 * The extension a Placetel value names: the user part of a SIP id (`7777abcdefg@fpbx.de` →
 * `7777abcdefg`) or a short extension (`23`); null for phone numbers, withheld and empty values.
 */
function endpointOf(value: string | null): string | null {
  if (value === null) return null;
  const user = value.trim().replace(/^sips?:/i, '').split('@')[0].trim();
  if (!user || isWithheld(user)) return null;
  if (/^\+?[\d\s()/.-]+$/.test(user) && !isExtension(user)) return null;
  return user;
}

function secondsBefore(iso: string, seconds: number): string {
  const ms = Date.parse(iso) - Math.round(seconds * 1000);
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : iso;
}
