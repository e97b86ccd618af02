/**
 * The AMI mapper's memory of channels, the legs they carry and the conversations (one per Linkedid)
 * the legs belong to. Pure. What becomes a CallEvent is decided in ami-conversations.ts.
 *
 * - A *channel* is what Asterisk reports (one Uniqueid). A Local artefact carries its partner's leg;
 *   a channel dialed by an artefact (a Local `;2` dialing `PJSIP/201`) carries that artefact's leg, so
 *   one ringing extension is one leg however many Local hops it takes.
 * - A *leg* is a party of the call as Callbridge records it (callId = the Uniqueid of its real channel).
 * - A *conversation* is the customer call (linkedCallId = Linkedid); its origin is its first real
 *   channel, so for an Originate-made Local pair the `;2` half.
 */
import type { CallDirection } from '../../../core/calls/call.ts';
import { classifyChannel, extensionInName, field, localChannel, type ChannelRole, type CompiledClassification } from './ami-classification.ts';
import type { AmiMessage } from './ami-parser.ts';

export type HangupBy = 'caller' | 'callee' | 'pbx';

export type Channel = {
  uniqueid: string;
  name: string;
  role: ChannelRole;
  conversation: string;
  leg: string | null;
  partner: string | null;
  /** For a Local `;1`: nobody dialed it (AMI Originate). */
  originated: boolean;
  /** As at creation: later dialplan moves (a transfer) do not change who the channel is. */
  exten: string;
  callerNum: string;
  callerName: string;
  createdAt: string;
  bridge: string | null;
  alive: boolean;
};

export type Leg = {
  id: string;
  role: 'trunk' | 'phone' | 'unknown';
  extension: string | null;
  /** Live channels carrying the leg. */
  members: Set<string>;
  emitted: boolean;
  answered: boolean;
  ended: boolean;
  /** The DialEnd status of the last attempt to reach this leg. */
  dialStatus: string | null;
  /** It handed the call over (transferer): its leaving is no hangup of the conversation. */
  handedOver: boolean;
};

export type Conversation = {
  id: string;
  channels: Set<string>;
  legs: Map<string, Leg>;
  origin: string | null;
  direction: CallDirection | null;
  from: string;
  to: string;
  callerName: string;
  queue: string | null;
  answered: boolean;
  /** DialEnd status of the origin's last failed dial, while nobody answered. */
  originDialStatus: string | null;
  /**
   * Click-to-dial: the origin is a phone an AMI Originate rang first (a DialBegin with no Channel whose
   * Dest is the origin). The customer call starts at the phone's own first Dial, from its extension.
   */
  clickToDial: boolean;
  abandoned: boolean;
  hangupBy: HangupBy | null;
  transfers: number;
};

/** How many hung-up Uniqueids are remembered so that late events cannot bring them back. */
const GONE_LIMIT = 10_000;

export class AmiChannels {
  readonly channels = new Map<string, Channel>();
  readonly conversations = new Map<string, Conversation>();
  readonly bridges = new Map<string, Set<string>>();
  readonly #halves = new Map<string, { one?: string; two?: string }>();
  readonly #gone = new Set<string>();
  readonly #classification: CompiledClassification;

  constructor(classification: CompiledClassification) {
    this.#classification = classification;
  }

  /** Remembers a channel from its Newchannel (or CoreShowChannel) fields; null when known, gone or nameless. */
  addChannel(m: AmiMessage, at: string): Channel | null {
    const uniqueid = field(m, 'Uniqueid');
    if (!uniqueid || this.channels.has(uniqueid) || this.#gone.has(uniqueid)) return null;
    const name = field(m, 'Channel');
    const linkedid = field(m, 'Linkedid') || uniqueid;
    const local = localChannel(name);
    const halves = local ? (this.#halves.get(local.base) ?? {}) : null;
    const one = halves?.one ? this.channels.get(halves.one) : undefined;
    const role = classifyChannel(m, this.#classification, { originated: one?.originated });
    const conv = this.conversations.get(linkedid) ?? this.#newConversation(linkedid);
    const ch: Channel = {
      uniqueid,
      name,
      role,
      conversation: conv.id,
      leg: null,
      partner: null,
      originated: local?.half === 1 && uniqueid === linkedid,
      exten: field(m, 'Exten'),
      callerNum: '',
      callerName: '',
      createdAt: at,
      bridge: null,
      alive: true,
    };
    this.channels.set(uniqueid, ch);
    conv.channels.add(uniqueid);
    this.noteCaller(ch, m);
    if (local && halves) {
      if (local.half === 1) halves.one = uniqueid;
      else halves.two = uniqueid;
      this.#halves.set(local.base, halves);
      const other = this.channels.get((local.half === 1 ? halves.two : halves.one) ?? '');
      if (other) this.pair(ch, other);
    }
    if (role !== 'local-artefact') {
      conv.legs.set(uniqueid, newLeg(uniqueid, role, ch));
      ch.leg = uniqueid;
      conv.origin ??= uniqueid;
      const partner = this.channels.get(ch.partner ?? '');
      if (partner && partner.role === 'local-artefact') partner.leg ??= uniqueid;
    }
    return ch;
  }

  /** Links two halves of a Local pair (from their names or a LocalBridge event). */
  pair(a: Channel, b: Channel): void {
    if (a === b || a.conversation !== b.conversation) return;
    a.partner = b.uniqueid;
    b.partner = a.uniqueid;
    if (a.role === 'local-artefact' && a.leg === null) a.leg = b.leg;
    if (b.role === 'local-artefact' && b.leg === null) b.leg = a.leg;
  }

  /** The first real caller id a channel shows (`<unknown>` and empty values are no caller id). */
  noteCaller(ch: Channel, m: AmiMessage): void {
    const num = clean(field(m, 'CallerIDNum'));
    if (!ch.callerNum && num) ch.callerNum = num;
    const name = clean(field(m, 'CallerIDName'));
    if (!ch.callerName && name) ch.callerName = name;
  }

  /** The channel a header names, with its conversation and leg; undefined when unknown. */
  find(m: AmiMessage, key = 'Uniqueid'): { ch: Channel; conv: Conversation; leg: Leg | undefined } | undefined {
    const ch = this.channel(field(m, key));
    const conv = ch && this.conversationOf(ch);
    return ch && conv ? { ch, conv, leg: this.legOf(ch) } : undefined;
  }

  channel(uniqueid: string): Channel | undefined {
    return uniqueid ? this.channels.get(uniqueid) : undefined;
  }

  conversationOf(ch: Channel): Conversation | undefined {
    return this.conversations.get(ch.conversation);
  }

  legOf(ch: Channel): Leg | undefined {
    return ch.leg === null ? undefined : this.conversations.get(ch.conversation)?.legs.get(ch.leg);
  }

  /** Which party a channel stands for: the origin's side is the caller. */
  side(conv: Conversation, ch: Channel): HangupBy {
    return ch.leg !== null && ch.leg === conv.origin ? 'caller' : 'callee';
  }

  leaveBridge(ch: Channel): void {
    const members = ch.bridge === null ? undefined : this.bridges.get(ch.bridge);
    members?.delete(ch.uniqueid);
    if (members && members.size === 0) this.bridges.delete(ch.bridge!);
    ch.bridge = null;
  }

  /** Marks a channel hung up. */
  markGone(ch: Channel): void {
    ch.alive = false;
    this.leaveBridge(ch);
    this.#gone.add(ch.uniqueid);
    if (this.#gone.size > GONE_LIMIT) this.#gone.delete(this.#gone.values().next().value!);
  }

  /** True while any channel of the conversation is alive. */
  isAlive(conv: Conversation): boolean {
    for (const id of conv.channels) if (this.channels.get(id)?.alive) return true;
    return false;
  }

  /** Drops a finished conversation and its channels. */
  forget(conv: Conversation): void {
    for (const id of conv.channels) {
      const ch = this.channels.get(id);
      const local = ch ? localChannel(ch.name) : null;
      if (local) this.#halves.delete(local.base);
      if (ch) this.leaveBridge(ch);
      this.channels.delete(id);
    }
    this.conversations.delete(conv.id);
  }

  #newConversation(id: string): Conversation {
    const conv: Conversation = {
      id,
      channels: new Set(),
      legs: new Map(),
      origin: null,
      direction: null,
      from: '',
      to: '',
      callerName: '',
      queue: null,
      answered: false,
      originDialStatus: null,
      clickToDial: false,
      abandoned: false,
      hangupBy: null,
      transfers: 0,
    };
    this.conversations.set(id, conv);
    return conv;
  }
}

export function newLeg(id: string, role: ChannelRole, ch: Channel): Leg {
  const legRole = role === 'trunk' || role === 'phone' ? role : 'unknown';
  return {
    id,
    role: legRole,
    extension: legRole === 'trunk' ? null : extensionInName(ch.name),
    members: new Set([ch.uniqueid]),
    emitted: false,
    answered: false,
    ended: false,
    dialStatus: null,
    handedOver: false,
  };
}

/** A caller id value as the core should see it: Asterisk's `<unknown>` placeholder is no value. */
export function clean(value: string): string {
  const v = value.trim();
  return v === '<unknown>' ? '' : v;
}
