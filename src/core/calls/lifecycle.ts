/**
 * The call lifecycle: a pure state machine over normalized events.
 *
 * Real PBXs send duplicates, send events out of order, report an answer or a hangup for a call never
 * seen ringing, and keep talking after the call ended. The rules:
 * - a call is created by whatever event comes first (answered or ended included);
 * - applying an event twice changes nothing (every field is a min, a max, a set union or a
 *   de-duplicated list);
 * - events are folded in time order (`compareEvents`); the caller refolds from the stored events when
 *   one arrives with a timestamp older than the last applied one (`needsRefold`);
 * - once every leg has ended the call is ended; later events are `late`: recorded, never reopening it.
 */
import type { Call, CallOutcome, EndCause, Leg, Transfer } from './call.ts';
import { compareEvents, type CallEvent } from './call-event.ts';
import type { PhoneNumber } from '../phone-numbers/phone-number.ts';

export type CallIdentity = {
  id: string;
  tenantId: string;
  pbxCallId: string;
};

/** Reads a raw number under the tenant's numbering settings. */
export type NumberReader = (raw: string) => PhoneNumber;

export type ApplyStatus = 'applied' | 'unchanged' | 'late';

export type ApplyResult = { call: Call; status: ApplyStatus };

/** Creates the call from the first event seen for it, then applies that event. */
export function startCall(identity: CallIdentity, event: CallEvent, read: NumberReader): Call {
  const from = read(event.from);
  const to = read(event.to);
  const blank: Call = {
    ...identity,
    direction: event.direction,
    kind: event.direction === 'internal' ? 'internal' : event.queue ? 'queue' : 'direct',
    from,
    to,
    did: event.direction === 'inbound' ? (to.e164 ?? (to.raw || null)) : null,
    queue: null,
    labels: {},
    state: 'ringing',
    outcome: null,
    hangupCause: null,
    answeredBy: null,
    extension: null,
    extensionsRang: [],
    startedAt: event.at,
    answeredAt: null,
    endedAt: null,
    ringSeconds: null,
    talkSeconds: null,
    transfers: [],
    legs: [],
    caller: null,
    version: 0,
    lastEventAt: event.at,
    updatedAt: event.at,
  };
  return applyEvent(blank, event).call;
}

/**
 * True when `event` does not sort after everything the call has seen, so the call must be refolded.
 * Ties in time refold too: the fold order breaks them by type and key, which arrival order does not.
 */
export function needsRefold(call: Call, event: CallEvent): boolean {
  return event.at <= call.lastEventAt;
}

/**
 * Applies one event in fold order. Returns the same object with status `unchanged` when the event
 * adds nothing, and `late` when the call had already ended before it.
 */
export function applyEvent(call: Call, event: CallEvent): ApplyResult {
  if (call.state === 'ended' && call.endedAt !== null && event.at >= call.endedAt) {
    return { call, status: 'late' };
  }
  // One serialization serves as the copy and, below, as the 'did anything change' reference.
  const before = JSON.stringify({ ...call, lastEventAt: '' });
  const next = JSON.parse(before) as Call;
  next.lastEventAt = call.lastEventAt;
  next.lastEventAt = event.at > call.lastEventAt ? event.at : call.lastEventAt;
  if (event.at < next.startedAt) next.startedAt = event.at;
  if (event.queue && !next.queue) {
    next.queue = event.queue;
    if (next.kind === 'direct') next.kind = 'queue';
  }
  for (const [k, v] of Object.entries(event.labels)) next.labels[k] = v;
  const leg = legFor(next, event);
  switch (event.type) {
    case 'ringing':
      addRang(next, event.extension);
      for (const ext of event.extensions) addRang(next, ext);
      if (leg.extension === null) leg.extension = event.extension;
      break;
    case 'answered':
      onAnswered(next, leg, event);
      break;
    case 'transferred':
      onTransferred(next, event);
      break;
    case 'ended':
      onEnded(next, leg, event);
      break;
  }
  if (next.state !== 'ended' && next.answeredAt !== null) next.state = 'answered';
  next.extension = holderOf(next);
  if (JSON.stringify({ ...next, lastEventAt: '' }) === before) return { call, status: 'unchanged' };
  next.version = call.version + 1;
  return { call: next, status: 'applied' };
}

/** Folds events (any order) into a call from scratch. */
export function foldEvents(identity: CallIdentity, events: readonly CallEvent[], read: NumberReader): Call {
  const sorted = [...events].sort(compareEvents);
  let call = startCall(identity, sorted[0], read);
  for (const event of sorted.slice(1)) call = applyEvent(call, event).call;
  return call;
}

/** Every extension a call touched: rang, answered, holds it, or received or handed over a transfer. */
export function extensionsOf(call: Call): Set<string> {
  const exts = new Set(call.extensionsRang);
  if (call.answeredBy) exts.add(call.answeredBy);
  if (call.extension) exts.add(call.extension);
  for (const t of call.transfers) {
    exts.add(t.to);
    if (t.from) exts.add(t.from);
  }
  return exts;
}

function legFor(call: Call, event: CallEvent): Leg {
  let leg = call.legs.find((l) => l.id === event.callId);
  if (!leg) {
    leg = {
      id: event.callId,
      state: 'ringing',
      extension: event.extension,
      startedAt: event.at,
      answeredAt: null,
      endedAt: null,
      cause: null,
    };
    call.legs.push(leg);
  } else if (event.at < leg.startedAt) {
    leg.startedAt = event.at;
  }
  return leg;
}

function addRang(call: Call, extension: string | null): void {
  if (extension && !call.extensionsRang.includes(extension)) call.extensionsRang.push(extension);
}

function onAnswered(call: Call, leg: Leg, event: CallEvent): void {
  if (leg.state === 'ended') return;
  if (leg.answeredAt === null || event.at < leg.answeredAt) leg.answeredAt = event.at;
  leg.state = 'answered';
  if (event.extension) leg.extension = event.extension;
  addRang(call, event.extension);
  if (call.answeredAt === null || event.at < call.answeredAt) {
    call.answeredAt = event.at;
    call.answeredBy = event.extension ?? call.answeredBy;
  }
  if (call.answeredBy === null) call.answeredBy = event.extension;
  updateDurations(call);
}

function onTransferred(call: Call, event: CallEvent): void {
  if (!event.transferTo) return;
  const transfer: Transfer = {
    from: event.extension ?? call.extension,
    to: event.transferTo,
    type: event.transferType ?? 'blind',
    at: event.at,
  };
  const known = call.transfers.some((t) => t.from === transfer.from && t.to === transfer.to && t.at === transfer.at);
  if (!known) {
    call.transfers.push(transfer);
    call.transfers.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  }
}

function onEnded(call: Call, leg: Leg, event: CallEvent): void {
  if (leg.state !== 'ended') {
    leg.state = 'ended';
    leg.endedAt = event.at;
    leg.cause = event.cause ?? (leg.answeredAt ? 'normal' : 'noAnswer');
  }
  if (call.legs.some((l) => l.state !== 'ended')) return;
  // The last leg to end gives the hangup cause (ties: the greater leg id, so any order agrees).
  const last = call.legs.reduce((a, b) => (b.endedAt! > a.endedAt! || (b.endedAt === a.endedAt && b.id > a.id) ? b : a));
  call.state = 'ended';
  call.endedAt = last.endedAt;
  call.hangupCause = last.cause;
  call.outcome = outcomeOf(call.answeredAt !== null, call.legs.map((l) => l.cause));
  updateDurations(call);
}

/**
 * An unanswered call is missed if any leg rang out or was given up (a ring group where one phone was
 * busy and another rang is missed); busy, rejected or failed only when every leg says so.
 */
function outcomeOf(answered: boolean, causes: Array<EndCause | null>): CallOutcome {
  if (answered) return 'answered';
  const has = (c: EndCause) => causes.includes(c);
  if (causes.some((c) => c === null || c === 'noAnswer' || c === 'cancel' || c === 'normal')) return 'missed';
  if (has('busy')) return 'busy';
  if (has('rejected')) return 'rejected';
  return 'failed';
}

/**
 * Who holds the call: the latest of the answers and transfer targets (a transfer wins a tie); null
 * while it only rings (the ringing phones are in `extensionsRang`).
 */
function holderOf(call: Call): string | null {
  let holder: string | null = null;
  let at = '';
  for (const leg of call.legs) {
    if (leg.answeredAt && leg.extension && leg.answeredAt >= at) [holder, at] = [leg.extension, leg.answeredAt];
  }
  for (const t of call.transfers) if (t.at >= at) [holder, at] = [t.to, t.at];
  return holder;
}

function updateDurations(call: Call): void {
  const start = Date.parse(call.startedAt);
  const answered = call.answeredAt ? Date.parse(call.answeredAt) : null;
  const ended = call.endedAt ? Date.parse(call.endedAt) : null;
  const ringEnd = answered ?? ended;
  call.ringSeconds = ringEnd === null ? null : seconds(ringEnd - start);
  call.talkSeconds = answered !== null && ended !== null ? seconds(ended - answered) : ended !== null ? 0 : null;
}

function seconds(ms: number): number {
  return Math.max(0, Math.round(ms / 1000));
}
