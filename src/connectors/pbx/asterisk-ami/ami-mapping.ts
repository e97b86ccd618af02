/**
 * Asterisk Manager Interface events → normalized call events. Pure: no I/O, no timers; state in memory
 * per channel and Linkedid. Never throws on any input. Files: ami-classification.ts (trunk or phone),
 * ami-channels.ts (the memory), ami-conversations.ts (the only maker of CallEvents), ami-causes.ts,
 * ami-transfers.ts, ami-resync.ts (after a reconnect).
 *
 * Sources: docs.asterisk.org "Asterisk 22 ManagerEvent_…" pages for Newchannel, Newstate, NewCallerid,
 * DialBegin, DialEnd, BridgeEnter, BridgeLeave, Hangup, LocalBridge, BlindTransfer, AttendedTransfer,
 * QueueCallerJoin, QueueCallerAbandon, AgentCalled, AgentRingNoAnswer, AgentConnect, AgentComplete,
 * CoreShowChannel; the recorded Asterisk 22.10.1 traffic in ./fixtures (README there).
 *
 * Rules:
 * - One call per conversation: every channel with the same Linkedid ("Uniqueid of the oldest channel
 *   associated with this channel"). Events: linkedCallId = Linkedid, callId = the leg's Uniqueid.
 *   Local `;1`/`;2` halves are one party (ami-classification.ts says which half is real).
 * - Direction: a trunk origin is inbound; a phone origin is outbound when it dials a trunk, internal
 *   when it dials a phone. The call starts at the origin's Newchannel time, but its first event waits
 *   until the caller id is known (trunks) or the first Dial (phones): the core reads from/to from it.
 *   from = the origin's first CallerIDNum (raw; `anonymous` stays), to = its Exten (inbound: the DID).
 * - Rang: DialBegin or Newstate Ringing of a dialed leg, AgentCalled. Answered: DialEnd ANSWER,
 *   AgentConnect, or the leg entering a bridge with the origin — never the origin going Up (the PBX
 *   answers for queues and IVRs). Outbound: the calling extension is marked answered with the remote.
 * - Ended: a leg ends when its last channel hangs up. Causes: answered → normal; else the DialEnd
 *   status (BUSY busy, NOANSWER noAnswer, CANCEL cancel, CONGESTION/CHANUNAVAIL failed), else the
 *   Q.850 cause (17 busy, 19 noAnswer, 21 rejected, 26 cancel); the origin takes the status of its last
 *   failed dial, `cancel` when the caller abandoned a queue. Unanswered calls whose every leg was busy
 *   thus end `busy`, the others `missed`.
 * - labels.hangupBy (caller | callee | pbx): answered calls — who left the two-party bridge first
 *   (AgentComplete Reason when a queue says so; a transferer leaving is no hangup); unanswered — DialEnd
 *   NOANSWER/BUSY/CONGESTION/CHANUNAVAIL → pbx, CANCEL or QueueCallerAbandon → caller; else the first
 *   channel to hang up. Set on every `ended` event after the decision (later decisions win in time).
 *   labels.callerName = the origin's CallerIDName.
 * - Transfers: BlindTransfer (Result Success) → one `transferred` from the transferer's extension to
 *   `Extension`; the transferee stays in the conversation and its new Dial rings the target there.
 *   AttendedTransfer → one `transferred` (type attended) to the target's extension; a target from
 *   another conversation (the consultation call) is moved in and answered there.
 * - Hold/Unhold, DialState, VarSet, Newexten, Cdr, CEL and every other event are ignored.
 * - Keys: eventKey('asterisk-ami', null, [connectionId, Linkedid, leg Uniqueid, type, …]): the same fact
 *   maps to the same key, whichever AMI event (or resync) reported it.
 * - A phone that hangs up without having dialed anyone (voicemail, feature codes) makes no call; a
 *   trunk that does (caller hung up in the IVR) makes a missed one.
 * - Click-to-dial (AMI Originate of `PJSIP/201` into from-internal,<number>; Callbridge's dial()):
 *   recognized by the Originate's DialBegin — no Channel, Dest = a real (not Local-artefact, not trunk)
 *   channel that is its conversation's origin with Uniqueid = Linkedid, before it dialed. The ringing,
 *   answering (DialEnd/Newstate Up) or not of the agent's own phone makes no event. The customer call
 *   starts at the phone's own first Dial, dated then (ring time = remote ringing only): direction by
 *   the Dial's destination as for any phone (trunk → outbound), from = the extension in the phone's
 *   channel name (Originate sets the phone's caller id to the number), to = the phone's Exten in that
 *   Dial, callerName dropped when it is just the number. Then as a dialed outbound call (04/05): the
 *   remote answering answers the call with the agent (answeredBy = 201); never answered → missed.
 *   The agent not picking up → the phone hangs up without dialing → no call (nobody was called).
 *   Recorded Local handsets are `;1` artefacts, so they never count as click-to-dial.
 * - Events for channels the mapper never saw are ignored; `resync` (ami-resync.ts) learns live
 *   channels after a reconnect.
 * Limits: the direction is fixed by the origin's first Dial; a click-to-dial whose Originate DialBegin
 * was missed (mapper reconnected mid-ring: resync does not know it) reads as a call placed on the
 * phone, from the phone's caller id (the number) and dated at the phone's birth; Hold, parking and
 * conferences are not modelled.
 */
import type { CallEvent } from '../../../core/calls/call-event.ts';
import { compileClassification, extensionInInterface, extensionInName, field, looksLikeExtension, type AmiClassification } from './ami-classification.ts';
import { clean, type Channel, type Conversation } from './ami-channels.ts';
import { AmiCalls } from './ami-conversations.ts';
import { amiTimestamp, type AmiMessage } from './ami-parser.ts';
import { resyncCalls } from './ami-resync.ts';
import { attendedTransfer, blindTransfer } from './ami-transfers.ts';

export type AmiMapperOptions = { connectionId: string; classification?: Partial<AmiClassification> };

type Handler = (m: AmiMessage, at: string) => CallEvent[];

export class AmiCallMapper {
  readonly #calls: AmiCalls;
  /** Bugs caught by the never-throw guard; stays 0 (the tests check it). */
  readonly stats = { internalErrors: 0 };
  readonly #handlers: Record<string, Handler> = {
    Newchannel: (m, at) => this.#newchannel(m, at),
    NewCallerid: (m) => this.#newCallerid(m),
    Newstate: (m, at) => this.#newstate(m, at),
    LocalBridge: (m) => this.#localBridge(m),
    Rename: (m) => this.#rename(m),
    DialBegin: (m, at) => this.#dialBegin(m, at),
    DialEnd: (m, at) => this.#dialEnd(m, at),
    BridgeEnter: (m, at) => this.#bridgeEnter(m, at),
    BridgeLeave: (m) => this.#bridgeLeave(m),
    Hangup: (m, at) => this.#hangup(m, at),
    QueueCallerJoin: (m, at) => this.#queueJoin(m, at),
    QueueCallerAbandon: (m) => this.#queueAbandon(m),
    AgentCalled: (m, at) => this.#agentCalled(m, at),
    AgentRingNoAnswer: (m) => this.#agentNoAnswer(m),
    AgentConnect: (m, at) => this.#agentConnect(m, at),
    AgentComplete: (m) => this.#agentComplete(m),
    BlindTransfer: (m, at) => blindTransfer(this.#calls, m, at),
    AttendedTransfer: (m, at) => attendedTransfer(this.#calls, m, at),
  };

  constructor(options: AmiMapperOptions) {
    this.#calls = new AmiCalls(String(options.connectionId), compileClassification(options.classification ?? {}));
  }

  /** Maps one AMI message; `receivedAt` (ISO) dates it when it has no `Timestamp` header. */
  push(message: AmiMessage, receivedAt: string): CallEvent[] {
    if (message === null || typeof message !== 'object') return [];
    const handler = Object.hasOwn(this.#handlers, field(message, 'Event')) ? this.#handlers[field(message, 'Event')] : undefined;
    if (!handler) return [];
    return this.#guard(() => handler(message, timestampOf(message) ?? receivedAt));
  }

  /**
   * After a reconnect: `channels` are the CoreShowChannel events listing every live channel. Calls
   * whose channels are all gone end (see ami-resync.ts); live channels not known yet start calls.
   */
  resync(channels: AmiMessage[], at: string): CallEvent[] {
    return this.#guard(() => resyncCalls(this.#calls, Array.isArray(channels) ? channels : [], at));
  }

  /** Channels alive as far as the mapper knows. */
  get activeChannels(): number {
    let n = 0;
    for (const ch of this.#calls.channels.values()) if (ch.alive) n++;
    return n;
  }

  #guard(fn: () => CallEvent[]): CallEvent[] {
    try {
      return fn();
    } catch {
      this.stats.internalErrors++;
      return [];
    }
  }

  #newchannel(m: AmiMessage, at: string): CallEvent[] {
    const ch = this.#calls.addChannel(m, at);
    return ch ? this.#startWhenCallerKnown(ch) : [];
  }

  #newCallerid(m: AmiMessage): CallEvent[] {
    const k = this.#calls.find(m);
    if (!k) return [];
    this.#calls.noteCaller(k.ch, m);
    return this.#startWhenCallerKnown(k.ch);
  }

  /** An inbound call starts as soon as its trunk channel shows who calls. */
  #startWhenCallerKnown(ch: Channel): CallEvent[] {
    const conv = this.#calls.conversationOf(ch);
    if (!conv || conv.origin !== ch.uniqueid || !ch.callerNum || !this.#calls.isInbound(conv)) return [];
    return this.#calls.start(conv);
  }

  #newstate(m: AmiMessage, at: string): CallEvent[] {
    const k = this.#calls.find(m);
    if (!k) return [];
    this.#calls.noteCaller(k.ch, m);
    const out = this.#startWhenCallerKnown(k.ch);
    // Ringing (5) of a dialed party; Up (6) is no answer on its own (the PBX answers for queues).
    if (field(m, 'ChannelState') !== '5' || !k.leg || k.leg.id === k.conv.origin || k.conv.direction === null) return out;
    return [...out, ...this.#calls.ring(k.conv, k.leg, at)];
  }

  #localBridge(m: AmiMessage): CallEvent[] {
    const one = this.#calls.channel(field(m, 'LocalOneUniqueid'));
    const two = this.#calls.channel(field(m, 'LocalTwoUniqueid'));
    if (one && two && one.partner === null) this.#calls.pair(one, two);
    return [];
  }

  #rename(m: AmiMessage): CallEvent[] {
    const k = this.#calls.find(m);
    if (k && field(m, 'Newname')) k.ch.name = field(m, 'Newname');
    return [];
  }

  #dialBegin(m: AmiMessage, at: string): CallEvent[] {
    const dialer = this.#calls.find(m);
    const dest = this.#calls.find(m, 'DestUniqueid');
    // Originate's DialBegin has no Channel (nobody dials). Ringing a real phone that started its own
    // conversation, it is click-to-dial; to a Local `;1` handset (the recordings) it says nothing.
    if (!field(m, 'Channel') && !field(m, 'Uniqueid')) {
      if (dest && isClickToDial(this.#calls, dest.conv, dest.ch)) dest.conv.clickToDial = true;
      return [];
    }
    if (!dialer || !dest || dest.conv !== dialer.conv || !dialer.leg || dest.ch.role === 'local-artefact') return [];
    const { conv } = dialer;
    this.#calls.noteCaller(dialer.ch, m);
    if (dialer.ch.role === 'local-artefact' && dialer.leg.id !== conv.origin) {
      // The second hop to the same party (Local `;2` → PJSIP/201): one leg, reached through both.
      if (dest.leg && dest.leg !== dialer.leg && !dest.leg.emitted) conv.legs.delete(dest.leg.id);
      dest.ch.leg = dialer.leg.id;
      dialer.leg.members.add(dest.ch.uniqueid);
      dialer.leg.extension ??= extensionInName(dest.ch.name);
      return conv.direction === null ? [] : this.#calls.ring(conv, dialer.leg, at);
    }
    if (!dest.leg) return [];
    const destExten = field(m, 'DestExten');
    // Click-to-dial: the number is where the Originate sent the phone (its Exten now), not the trunk leg's.
    const dialed = conv.clickToDial && /^[+\d*#]+$/.test(field(m, 'Exten')) ? field(m, 'Exten') : destExten;
    const out = dialer.leg.id === conv.origin ? this.#calls.start(conv, directionTo(dest.ch.role, dest.ch.name, destExten), dialed, at) : [];
    if (dialer.leg.id === conv.origin) conv.originDialStatus = null;
    if (dest.leg.role !== 'trunk') dest.leg.extension ??= looksLikeExtension(destExten) ? destExten : null;
    out.push(...this.#calls.ring(conv, dest.leg, at));
    return out;
  }

  #dialEnd(m: AmiMessage, at: string): CallEvent[] {
    const dialer = this.#calls.find(m);
    const dest = this.#calls.find(m, 'DestUniqueid');
    if (!dialer || !dest?.leg || dest.conv !== dialer.conv) return [];
    const status = field(m, 'DialStatus').toUpperCase();
    if (status === 'ANSWER') return this.#calls.answer(dest.conv, dest.leg, at);
    if (status) dest.leg.dialStatus = status;
    const conv = dialer.conv;
    if (status && dialer.leg?.id === conv.origin && !conv.answered) {
      conv.originDialStatus = status;
      conv.hangupBy = status === 'CANCEL' ? 'caller' : 'pbx';
    }
    return [];
  }

  #bridgeEnter(m: AmiMessage, at: string): CallEvent[] {
    const k = this.#calls.find(m);
    const bridge = field(m, 'BridgeUniqueid');
    if (!k || !bridge) return [];
    this.#calls.leaveBridge(k.ch);
    const members = this.#calls.bridges.get(bridge) ?? new Set<string>();
    members.add(k.ch.uniqueid);
    this.#calls.bridges.set(bridge, members);
    k.ch.bridge = bridge;
    const legs = [...members].map((id) => this.#calls.channel(id)).map((ch) => (ch && ch.conversation === k.conv.id ? this.#calls.legOf(ch) : undefined));
    if (!legs.some((leg) => leg?.id === k.conv.origin)) return [];
    return legs.flatMap((leg) => (leg && leg.id !== k.conv.origin ? this.#calls.answer(k.conv, leg, at) : []));
  }

  #bridgeLeave(m: AmiMessage): CallEvent[] {
    const k = this.#calls.find(m);
    if (!k || k.ch.bridge === null) return [];
    const others = [...(this.#calls.bridges.get(k.ch.bridge) ?? [])].filter((id) => id !== k.ch.uniqueid).map((id) => this.#calls.channel(id));
    const side = this.#calls.side(k.conv, k.ch);
    if (k.conv.answered && !k.leg?.handedOver && others.some((o) => o && o.conversation === k.conv.id && this.#calls.side(k.conv, o) !== side)) {
      k.conv.hangupBy = side;
    }
    this.#calls.leaveBridge(k.ch);
    return [];
  }

  #hangup(m: AmiMessage, at: string): CallEvent[] {
    const k = this.#calls.find(m);
    return k ? this.#calls.hangup(k.ch, at, field(m, 'Cause')) : [];
  }

  #queueJoin(m: AmiMessage, at: string): CallEvent[] {
    const k = this.#calls.find(m);
    const queue = field(m, 'Queue');
    if (!k?.leg || !queue) return [];
    k.conv.queue ??= queue;
    return this.#calls.ring(k.conv, k.leg, at, queue);
  }

  #queueAbandon(m: AmiMessage): CallEvent[] {
    const k = this.#calls.find(m);
    if (k && !k.conv.answered) {
      k.conv.abandoned = true;
      k.conv.hangupBy = 'caller';
    }
    return [];
  }

  #agentCalled(m: AmiMessage, at: string): CallEvent[] {
    const dest = this.#calls.find(m, 'DestUniqueid');
    if (!dest?.leg || dest.leg.id === dest.conv.origin) return [];
    dest.conv.queue ??= field(m, 'Queue') || null;
    dest.leg.extension ??= extensionInInterface(field(m, 'Interface')) ?? /\((\d{1,6})\)\s*$/.exec(field(m, 'MemberName'))?.[1] ?? null;
    return this.#calls.ring(dest.conv, dest.leg, at);
  }

  #agentNoAnswer(m: AmiMessage): CallEvent[] {
    const dest = this.#calls.find(m, 'DestUniqueid');
    if (dest?.leg && !dest.leg.answered) dest.leg.dialStatus = 'NOANSWER';
    return [];
  }

  #agentConnect(m: AmiMessage, at: string): CallEvent[] {
    const dest = this.#calls.find(m, 'DestUniqueid');
    return dest?.leg && dest.leg.id !== dest.conv.origin ? this.#calls.answer(dest.conv, dest.leg, at) : [];
  }

  #agentComplete(m: AmiMessage): CallEvent[] {
    const k = this.#calls.find(m) ?? this.#calls.find(m, 'DestUniqueid');
    const reason = field(m, 'Reason');
    if (k && (reason === 'agent' || reason === 'caller')) k.conv.hangupBy = reason === 'agent' ? 'callee' : 'caller';
    return [];
  }
}

/** The `Timestamp` header as ISO; null when absent or unreadable (amiTimestamp throws past year 275760). */
function timestampOf(m: AmiMessage): string | null {
  try {
    return amiTimestamp({ Timestamp: field(m, 'Timestamp') });
  } catch {
    return null;
  }
}

/**
 * An Originate's DialBegin rings `ch`: click-to-dial when `ch` is a real (non-artefact) phone that is
 * its conversation's origin and oldest channel (Uniqueid = Linkedid: nobody dialed it) and has not
 * dialed yet. Recorded Local handsets are `;1` artefacts, so they never qualify.
 */
function isClickToDial(calls: AmiCalls, conv: Conversation, ch: Channel): boolean {
  return ch.role !== 'local-artefact' && ch.role !== 'trunk' && ch.uniqueid === conv.id && ch.leg === conv.origin && conv.direction === null && !calls.isInbound(conv);
}

/** What a phone dialing this destination makes of the call. */
function directionTo(role: string, name: string, exten: string): 'outbound' | 'internal' {
  if (role === 'trunk') return 'outbound';
  if (role === 'phone') return 'internal';
  return extensionInName(name) !== null || looksLikeExtension(exten) ? 'internal' : 'outbound';
}

