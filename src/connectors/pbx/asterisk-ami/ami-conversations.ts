/**
 * How the AMI mapper's memory (ami-channels.ts) becomes normalized call events: the only place that
 * makes CallEvents. Pure. The rules are documented in ami-mapping.ts.
 *
 * - The call starts (first `ringing`, dated when the origin channel appeared) once its direction is
 *   known; every leg that rang, answered or was handed the call ends exactly once, with a cause; when
 *   the last channel of a conversation hangs up, every open leg ends and the conversation is forgotten.
 * - Legs the journal never heard of (never rang) emit nothing.
 */
import type { CallEvent, CallEventType } from '../../../core/calls/call-event.ts';
import type { CallDirection, EndCause } from '../../../core/calls/call.ts';
import { eventKey } from '../../../core/calls/event-key.ts';
import { dialStatusCause, hangupCauseOf } from './ami-causes.ts';
import { extensionInName, looksLikeExtension, type CompiledClassification } from './ami-classification.ts';
import { AmiChannels, clean, newLeg, type Channel, type Conversation, type Leg } from './ami-channels.ts';

export const AMI_SOURCE = 'asterisk-ami';

export class AmiCalls extends AmiChannels {
  readonly #connectionId: string;

  constructor(connectionId: string, classification: CompiledClassification) {
    super(classification);
    this.#connectionId = connectionId;
  }

  /** True when the conversation was started by a trunk (or a channel of unknown role with a non-extension caller). */
  isInbound(conv: Conversation): boolean {
    const origin = this.channels.get(conv.origin ?? '');
    return !!origin && (origin.role === 'trunk' || (origin.role === 'unknown' && !looksLikeExtension(origin.callerNum)));
  }

  /**
   * Starts the call: its first `ringing`, dated when the origin channel appeared. A trunk origin is
   * inbound; a phone origin takes the given direction, else internal when the dialed number is empty
   * or short (an extension, a feature code), else outbound. Never once the origin's leg has ended
   * unreported (a phone that hung up before dialing): its `ended` is spent, so it would stay open.
   * Click-to-dial (`conv.clickToDial`): dated `at` (the phone's own Dial, so the agent picking up his
   * phone is no ring time), from = the extension in the phone's channel name (Originate sets the
   * phone's caller id to the number dialed), to = `dialed` (the phone's Exten in its Dial).
   */
  start(conv: Conversation, direction: CallDirection | null = null, dialed = '', at: string | null = null): CallEvent[] {
    if (conv.direction !== null || conv.origin === null) return [];
    const origin = this.channels.get(conv.origin);
    const leg = conv.legs.get(conv.origin);
    if (!origin || !leg || leg.ended) return [];
    const isTrunk = this.isInbound(conv);
    const click = conv.clickToDial && !isTrunk;
    const number = /^[+\d*#]+$/;
    const to = click ? clean(dialed) || (number.test(origin.exten) ? origin.exten : '') : number.test(origin.exten) ? origin.exten : clean(dialed);
    conv.direction = isTrunk ? 'inbound' : (direction ?? (/^[\d*#]{0,6}$/.test(to) ? 'internal' : 'outbound'));
    const callerExtension = looksLikeExtension(origin.callerNum) ? origin.callerNum : null;
    leg.extension = isTrunk ? null : click ? (extensionInName(origin.name) ?? callerExtension) : (callerExtension ?? extensionInName(origin.name));
    conv.from = click ? (leg.extension ?? origin.callerNum) : origin.callerNum;
    conv.to = to;
    // Originate's CallerID (the number dialed, for the phone's display) is no caller name.
    conv.callerName = click && (origin.callerName === to || origin.callerName === `"${to}"`) ? '' : origin.callerName;
    leg.emitted = true;
    return [this.#event(conv, 'ringing', leg, click && at !== null ? at : origin.createdAt)];
  }

  /** Rings a leg once; `queue` adds a ringing that records the queue the leg waits in. */
  ring(conv: Conversation, leg: Leg, at: string, queue: string | null = null): CallEvent[] {
    const out = this.start(conv);
    if (leg.ended || conv.direction === null) return out;
    if (queue !== null) {
      leg.emitted = true;
      out.push(this.#event(conv, 'ringing', leg, at, {}, ['queue', queue]));
    } else if (!leg.emitted) {
      leg.emitted = true;
      out.push(this.#event(conv, 'ringing', leg, at));
    }
    return out;
  }

  /** A party picked up. For an outbound call the calling extension is the one that holds it. */
  answer(conv: Conversation, leg: Leg, at: string): CallEvent[] {
    const out = this.start(conv);
    if (leg.answered || leg.ended || conv.direction === null) return out;
    leg.answered = true;
    leg.emitted = true;
    conv.answered = true;
    out.push(this.#event(conv, 'answered', leg, at));
    const origin = conv.legs.get(conv.origin ?? '');
    if (conv.direction === 'outbound' && origin && origin !== leg && !origin.answered && !origin.ended) {
      origin.answered = true;
      out.push(this.#event(conv, 'answered', origin, at));
    }
    return out;
  }

  transfer(conv: Conversation, from: Leg | undefined, to: string, type: 'blind' | 'attended', at: string, extension: string | null): CallEvent[] {
    const out = this.start(conv);
    // The journal must know the leg the event names, or the call would wait forever for it to end.
    const leg = from?.emitted ? from : conv.legs.get(conv.origin ?? '');
    if (!leg || conv.direction === null || !to) return out;
    if (from) from.handedOver = true;
    conv.transfers += 1;
    out.push(this.#event(conv, 'transferred', leg, at, { extension, transferTo: to, transferType: type }, [to, String(conv.transfers)]));
    return out;
  }

  /** A channel is gone: ends its leg when it was the leg's last channel, and the call with its last channel. */
  hangup(ch: Channel, at: string, cause: string, resync = false): CallEvent[] {
    const conv = this.conversationOf(ch);
    if (!ch.alive || !conv) return [];
    this.markGone(ch);
    // A phone that hangs up without having called anyone (voicemail, a feature code) is no call.
    const out = this.isInbound(conv) ? this.start(conv) : [];
    const leg = this.legOf(ch);
    const labels: Record<string, string> = resync ? { endedBy: 'resync' } : {};
    // Fallback when no bridge or dial result said who ended it: the first party of the call to go.
    if (!resync && conv.hangupBy === null && !leg?.handedOver && (leg?.answered || this.side(conv, ch) === 'caller')) {
      conv.hangupBy = this.side(conv, ch);
    }
    if (leg && leg.members.delete(ch.uniqueid) && leg.members.size === 0) out.push(...this.endLeg(conv, leg, at, cause, labels));
    if (!this.isAlive(conv)) out.push(...this.#finish(conv, at, labels));
    return out;
  }

  endLeg(conv: Conversation, leg: Leg, at: string, hangupCause: string, labels: Record<string, string> = {}): CallEvent[] {
    if (leg.ended) return [];
    leg.ended = true;
    if (!leg.emitted || conv.direction === null) return [];
    const extra: Record<string, string> = { ...labels };
    if (conv.hangupBy) extra.hangupBy = conv.hangupBy;
    return [this.#event(conv, 'ended', leg, at, { cause: this.#cause(conv, leg, hangupCause), labels: extra })];
  }

  /** Moves a channel and the channels carrying its leg into another conversation (attended transfer). */
  adopt(target: Channel, into: Conversation, at: string): CallEvent[] {
    const from = this.conversationOf(target);
    const leg = this.legOf(target);
    if (!from || from === into || !leg || leg.id === from.origin) return [];
    const out = this.endLeg(from, leg, at, '');
    from.legs.delete(leg.id);
    const moved = new Set([...leg.members, ...(target.partner ? [target.partner] : [])]);
    for (const id of moved) {
      const ch = this.channels.get(id);
      if (!ch) continue;
      from.channels.delete(id);
      into.channels.add(id);
      ch.conversation = into.id;
    }
    const copy: Leg = { ...newLeg(leg.id, leg.role, target), extension: leg.extension, members: new Set(leg.members) };
    into.legs.set(copy.id, copy);
    out.push(...this.answer(into, copy, at));
    if (!this.isAlive(from)) out.push(...this.#finish(from, at));
    return out;
  }

  #finish(conv: Conversation, at: string, labels: Record<string, string> = {}): CallEvent[] {
    const out: CallEvent[] = [];
    for (const leg of conv.legs.values()) out.push(...this.endLeg(conv, leg, at, '', labels));
    this.forget(conv);
    return out;
  }

  #cause(conv: Conversation, leg: Leg, hangupCause: string): EndCause {
    if (leg.answered) return 'normal';
    if (leg.id === conv.origin) {
      if (conv.answered) return 'normal';
      if (conv.abandoned) return 'cancel';
      return dialStatusCause(conv.originDialStatus) ?? hangupCauseOf(hangupCause) ?? 'cancel';
    }
    return dialStatusCause(leg.dialStatus) ?? hangupCauseOf(hangupCause) ?? (conv.answered ? 'cancel' : 'noAnswer');
  }

  #event(conv: Conversation, type: CallEventType, leg: Leg, at: string, over: Partial<CallEvent> = {}, key: string[] = []): CallEvent {
    const labels: Record<string, string> = conv.callerName ? { callerName: conv.callerName } : {};
    return {
      type,
      callId: leg.id,
      linkedCallId: leg.id === conv.id ? null : conv.id,
      direction: conv.direction ?? 'inbound',
      from: conv.from,
      to: conv.to,
      extension: leg.extension,
      extensions: [],
      queue: conv.queue,
      cause: null,
      transferTo: null,
      transferType: null,
      at,
      ...over,
      labels: { ...labels, ...over.labels },
      key: eventKey(AMI_SOURCE, null, [this.#connectionId, conv.id, leg.id, type, ...key]),
    };
  }
}
