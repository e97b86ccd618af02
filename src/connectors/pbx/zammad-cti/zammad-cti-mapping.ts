/**
 * Zammad's "generic CTI" webhook, which sipgate.io sends as its push API, mapped to normalized call
 * events. Pure: no I/O; never throws on any body.
 *
 * Sources:
 * - https://docs.zammad.org/en/latest/api/generic-cti/newcall-event.html (and answer-event.html,
 *   hangup-event.html beside it): `event` newCall | answer | hangup, `from`, `to`, `direction` in | out,
 *   `callId`, `user` (a name, or an array, `user[]` in forms), `queue`, `answeringNumber`, `cause`.
 * - https://docs.zammad.org/en/latest/cti/api-push.html: the older form-encoded `user[]=Alice&user[]=Bob`.
 * - https://developer.sipgate.io/push-api/api-reference/ and https://github.com/sipgate/sipgate.io
 *   (README): numbers as `4915791234567` (international, no `+`), the hangup causes, `diversion`, and the
 *   FAQ "What happens when a call is transferred?" / "How is forwarding signaled?", where the new leg
 *   arrives as a newCall with its own `callId` and `origCallId` naming the first one. sipgate only sends
 *   answer and hangup when the reply to newCall asks for them (`<Response onAnswer=… onHangup=…/>`):
 *   the HTTP route's job, not this mapping's.
 *
 * Quirks and the rules chosen for them:
 * - There is no timestamp in the format: every event is `at` = the time we received it.
 * - Direction: in → inbound, out → outbound; internal when both `from` and `to` are extensions.
 * - Numbers: an all-digit value of 11–15 digits without a leading 0 that libphonenumber reads as possible
 *   after a `+` is an international number written without `+` (sipgate, Zammad's examples) and gets the
 *   `+`. Applied to both parties: our own public number arrives in the same form. Shorter values are left
 *   as sent, because a 10-digit NANP national number (`2025550123`) would also read as `+20 …`; national
 *   numbers with a trunk 0, extensions and `anonymous` are never touched, the tenant's numbering settings
 *   read them later. Limitation: a 9–10 digit international number (some Austrian lines) stays as sent.
 * - Extensions: only values that look like one (1–4 digits, `isExtension`). `user` is documented as a
 *   real name and `answeringNumber` as "user.phone, login or id" (sipgate: the answering number), so
 *   names are not extensions; they are kept in the `user` label. Ringing (inbound/internal): the
 *   extension-like users, else `to` when it is one. Answer/hangup: `answeringNumber`, then `user`, then
 *   `to`; for outbound the answering number is the remote party, so `user`, then `from`.
 * - Causes: normalClearing → normal, busy → busy, cancel → cancel, noAnswer → noAnswer, congestion and
 *   notFound → failed. sipgate documents noAnswer as "rejected (e.g. through a DND setting)"; it stays
 *   noAnswer (outcome missed) because for the business nobody took the call and it wants a call back.
 *   A missing or unknown cause is null (the lifecycle decides from whether the leg was answered).
 * - forwarded does not end anything: the call goes on in a new leg. It becomes a `transferred` event
 *   with no target, which records the hand-over and leaves the leg open.
 * - `origCallId` (a follow-up leg after a transfer or forward) becomes `linkedCallId`, so the leg joins
 *   the first conversation. Its newCall also gives a `transferred` event (from the `diversion`
 *   extension, to the new leg's extension or number) and, on every event of the new leg, an `ended`
 *   event for the original leg: the original's own hangup says forwarded (or comes late), and the
 *   call must only end when the last leg does. Those `ended` events share one key, so the first wins.
 *   Limitation: if a PBX says forwarded and never sends the follow-up leg, the call stays open.
 * - Keys: eventKey('zammad-cti', null, [every identifying field as sent]), so a retried POST maps to
 *   the same key.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { CallEvent, CallEventType } from '../../../core/calls/call-event.ts';
import type { CallDirection, EndCause } from '../../../core/calls/call.ts';
import { eventKey } from '../../../core/calls/event-key.ts';
import { isExtension, isWithheld } from '../../../core/phone-numbers/phone-number.ts';
import { openBody, problem } from '../webhook-body.ts';

export const ZAMMAD_CTI_SOURCE = 'zammad-cti';

/** The mapping's answer; a problem names the offending field as a JSON pointer (`''` for the body). */
export type ZammadCtiResult = { ok: true; events: CallEvent[] } | { ok: false; field: string; message: string };

const EVENTS = ['newCall', 'answer', 'hangup'] as const;
type ZammadEvent = (typeof EVENTS)[number];

const CAUSES: ReadonlyMap<string, EndCause> = new Map([
  ['normalClearing', 'normal'],
  ['busy', 'busy'],
  ['cancel', 'cancel'],
  ['noAnswer', 'noAnswer'],
  ['congestion', 'failed'],
  ['notFound', 'failed'],
]);

/** Maps one webhook body (form fields or JSON, already parsed) to the events it stands for. */
export function mapZammadCti(body: unknown, receivedAt: string): ZammadCtiResult {
  const opened = openBody(body, EVENTS, 'callId');
  if (!opened.ok) return opened;
  const { fields, event, id: callId } = opened;
  const dir = fields.text('direction')?.trim() ?? null;
  if (fields.problem) return fields.problem;
  if (dir !== 'in' && dir !== 'out') return problem('/direction', 'direction must be in or out');

  const from = fields.text('from') ?? '';
  const to = fields.text('to') ?? '';
  const users = [...fields.list('user[]'), ...fields.list('user')];
  const answeringNumber = fields.text('answeringNumber');
  const cause = fields.text('cause')?.trim() ?? null;
  const origCallId = fields.text('origCallId');
  const diversion = fields.text('diversion');
  const queue = fields.text('queue');
  if (fields.problem) return fields.problem;

  const direction: CallDirection = isExtension(from) && isExtension(to) ? 'internal' : dir === 'in' ? 'inbound' : 'outbound';
  const linkedCallId = origCallId?.trim() && origCallId !== callId ? origCallId : null;
  const identity = [event, callId, dir, from, to, users.join('\u0001'), answeringNumber, cause, origCallId, diversion, queue];
  const labels: Record<string, string> = {};
  const names = users.filter((u) => !isExtension(u));
  if (names.length) labels.user = names.join(', ');
  if (diversion) labels.diversion = diversion;
  const userExtensions = unique(users.map(extensionOf));

  const make = (type: CallEventType, over: Partial<CallEvent>, role: string): CallEvent => ({
    type,
    callId,
    linkedCallId,
    direction,
    from: international(from),
    to: international(to),
    extension: null,
    extensions: [],
    queue: queue?.trim() || null,
    labels: { ...labels },
    cause: null,
    transferTo: null,
    transferType: null,
    at: receivedAt,
    key: eventKey(ZAMMAD_CTI_SOURCE, null, [...identity, role]),
    ...over,
  });
  // The extension that answered, hung up or was handed the call.
  const party =
    direction === 'outbound'
      ? (userExtensions[0] ?? extensionOf(from))
      : (extensionOf(answeringNumber) ?? userExtensions[0] ?? extensionOf(to));

  const events: CallEvent[] = [];
  switch (event as ZammadEvent) {
    case 'newCall': {
      if (direction === 'outbound') {
        events.push(make('ringing', { extension: userExtensions[0] ?? extensionOf(from) }, ''));
      } else {
        const rung = userExtensions.length ? userExtensions : unique([extensionOf(to)]);
        events.push(make('ringing', { extension: rung.length === 1 ? rung[0] : null, extensions: rung }, ''));
      }
      const target = userExtensions[0] ?? extensionOf(to) ?? (to.trim() && !isWithheld(to) ? international(to) : null);
      if (linkedCallId && target) {
        events.push(make('transferred', { extension: extensionOf(diversion), transferTo: target, transferType: 'blind' }, 'transfer'));
      }
      break;
    }
    case 'answer':
      events.push(make('answered', { extension: party }, ''));
      break;
    case 'hangup':
      if (cause === 'forwarded') events.push(make('transferred', { extension: party }, ''));
      else events.push(make('ended', { extension: party, cause: cause ? (CAUSES.get(cause) ?? null) : null }, ''));
      break;
  }
  if (linkedCallId) {
    // After the new leg's own events: with no other leg open yet, ending the original first would end the call.
    events.push({
      ...make('ended', {}, ''),
      callId: linkedCallId,
      linkedCallId: null,
      cause: event === 'hangup' && cause !== 'forwarded' ? (events[0].cause ?? null) : null,
      key: eventKey(ZAMMAD_CTI_SOURCE, null, ['continued', linkedCallId, callId]),
    });
  }
  return { ok: true, events };
}

/** `4915791234567` → `+4915791234567`; anything else as sent (see the header for why 11–15 digits). */
function international(raw: string): string {
  const t = raw.trim();
  if (!/^[1-9]\d{10,14}$/.test(t)) return raw;
  return parsePhoneNumberFromString('+' + t)?.isPossible() ? '+' + t : raw;
}

function extensionOf(value: string | null): string | null {
  return value !== null && isExtension(value) ? value.trim() : null;
}

function unique(values: ReadonlyArray<string | null>): string[] {
  return [...new Set(values.filter((v): v is string => v !== null))];
}
