/**
 * Resynchronizing the AMI mapper after a reconnect, from the `CoreShowChannel` events that answer a
 * `CoreShowChannels` action (docs.asterisk.org, "Asterisk 22 ManagerEvent_CoreShowChannel": Channel,
 * ChannelState, Context, Exten, CallerIDNum, Uniqueid, Linkedid, BridgeId, Application,
 * ApplicationData, Duration `HH:MM:SS`). Events lost while disconnected are gone for good; the aim is
 * that no call is lost and none is left ringing forever.
 *
 * - A channel the mapper believed alive that the list lacks hung up while we were away: it goes
 *   through the normal hangup path at `at`, Q.850 cause unknown, after the live channels are learned
 *   (a call whose origin is gone but whose other parties are live starts, then its origin ends). An answered leg so ends `normal`; an
 *   unanswered one with the dial status seen before the outage, else `noAnswer` (a dialed party) or
 *   `cancel` (the origin) — so an unanswered call becomes a missed call: a needless call back is
 *   cheaper than a lost one. Such events carry labels.endedBy = `resync`, hangupBy is not guessed, and
 *   `at` is the resync time, so their durations are upper bounds.
 * - A live channel the mapper does not know is learned as if its Newchannel had just arrived, dated
 *   `at − Duration`. Its call starts (trunk origin: inbound; phone origin: outbound when a trunk is
 *   among its channels, internal when another phone is; a phone alone starts on its Dial later), a
 *   party other than the origin rings from its creation, and is answered (at `at`, the real time being
 *   unknown) when it is Up. A channel running `Queue()` names the queue (ApplicationData up to ',').
 * - A known party that went Up while we were away is answered at `at`.
 */
import type { CallEvent } from '../../../core/calls/call-event.ts';
import { field } from './ami-classification.ts';
import type { Conversation } from './ami-channels.ts';
import type { AmiCalls } from './ami-conversations.ts';
import type { AmiMessage } from './ami-parser.ts';

export function resyncCalls(calls: AmiCalls, list: readonly AmiMessage[], at: string): CallEvent[] {
  const live = new Map<string, AmiMessage>();
  for (const m of list) {
    if (m !== null && typeof m === 'object' && field(m, 'Uniqueid')) live.set(field(m, 'Uniqueid'), m);
  }
  const out: CallEvent[] = [];
  // Gone channels end last: a conversation the list shows still going starts first (its origin may be
  // among the gone), so that every leg it reports is still open and ends below.
  const gone = [...calls.channels.values()].filter((ch) => ch.alive && !live.has(ch.uniqueid));
  const fresh = new Set<string>();
  const touched = new Set<Conversation>();
  for (const m of [...live.values()].sort(byCreation)) {
    const ch = calls.addChannel(m, before(at, field(m, 'Duration')));
    const conv = ch && calls.conversationOf(ch);
    if (!ch || !conv) continue;
    fresh.add(ch.uniqueid);
    touched.add(conv);
  }
  for (const [id, m] of live) {
    const ch = calls.channel(id);
    const bridge = field(m, 'BridgeId');
    if (!ch || !bridge || ch.bridge === bridge) continue;
    calls.leaveBridge(ch);
    calls.bridges.set(bridge, (calls.bridges.get(bridge) ?? new Set()).add(id));
    ch.bridge = bridge;
  }
  for (const conv of touched) {
    if (conv.direction !== null) continue;
    const others = [...conv.legs.values()].filter((l) => l.id !== conv.origin).map((l) => l.role);
    if (!calls.isInbound(conv) && others.length === 0) continue;
    out.push(...calls.start(conv, others.includes('trunk') ? 'outbound' : 'internal'));
  }
  for (const [id, m] of live) {
    const ch = calls.channel(id);
    const conv = ch && calls.conversationOf(ch);
    const leg = ch && calls.legOf(ch);
    if (!ch || !conv || !leg || conv.direction === null) continue;
    const queue = field(m, 'Application') === 'Queue' ? field(m, 'ApplicationData').split(',')[0].trim() : '';
    if (queue && conv.queue === null) {
      conv.queue = queue;
      out.push(...calls.ring(conv, leg, ch.createdAt, queue));
    }
    if (leg.id === conv.origin || ch.role === 'local-artefact') continue;
    if (fresh.has(id)) out.push(...calls.ring(conv, leg, ch.createdAt));
    if (field(m, 'ChannelState') === '6') out.push(...calls.answer(conv, leg, at));
  }
  for (const ch of gone) out.push(...calls.hangup(ch, at, '', true));
  return out;
}

/** `at` minus a CoreShowChannel Duration (`HH:MM:SS`, or plain seconds); `at` when unreadable. */
function before(at: string, duration: string): string {
  const hms = /^(\d+):(\d{1,2}):(\d{1,2})$/.exec(duration.trim());
  const seconds = hms ? Number(hms[1]) * 3600 + Number(hms[2]) * 60 + Number(hms[3]) : /^\d+$/.test(duration.trim()) ? Number(duration) : 0;
  const ms = Date.parse(at) - seconds * 1000;
  return seconds > 0 && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : at;
}

/** Creation order: Uniqueids are `<epoch>.<sequence>`; the oldest channel of a call is its origin. */
function byCreation(a: AmiMessage, b: AmiMessage): number {
  const pa = field(a, 'Uniqueid').split('.').map(Number);
  const pb = field(b, 'Uniqueid').split('.').map(Number);
  for (let i = 0; i < 2; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (Number.isFinite(d) && d !== 0) return d;
  }
  return field(a, 'Uniqueid') < field(b, 'Uniqueid') ? -1 : field(a, 'Uniqueid') > field(b, 'Uniqueid') ? 1 : 0;
}
