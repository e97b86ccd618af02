/**
 * The AMI mapper per event type, on traffic shaped like a PBX with real PJSIP endpoints (field names
 * and orders as in the Asterisk 22 ManagerEvent pages and the recordings), folded by the real
 * lifecycle; plus garbage, a fast-check property and the recordings without Cdr/CEL/Timestamp.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Call } from '../../../core/calls/call.ts';
import type { CallEvent } from '../../../core/calls/call-event.ts';
import { foldEvents } from '../../../core/calls/lifecycle.ts';
import { numberReader } from '../../../core/phone-numbers/phone-number.ts';
import { AmiCallMapper } from './ami-mapping.ts';
import { AmiParser, type AmiMessage } from './ami-parser.ts';

const T0 = 1_800_000_000;
const RECEIVED = '2030-01-01T00:00:00.000Z';
const iso = (s: number) => new Date((T0 + s) * 1000).toISOString();
const read = numberReader({ defaultCountry: 'DE', areaCode: '30' });

type Chan = { Channel: string; Uniqueid: string; Linkedid: string; Context: string; Exten: string; CallerIDNum: string; CallerIDName: string };
const chan = (Channel: string, Uniqueid: string, Linkedid: string, Context: string, Exten: string, CallerIDNum: string, CallerIDName = ''): Chan => ({
  Channel,
  Uniqueid,
  Linkedid,
  Context,
  Exten,
  CallerIDNum,
  CallerIDName,
});
const dest = (c: Chan) => Object.fromEntries(Object.entries(c).map(([k, v]) => [`Dest${k}`, v]));
const STATES: Record<string, string> = { Down: '0', Ring: '4', Ringing: '5', Up: '6', Busy: '7' };

/** A scripted PBX: each call sends one AMI event at the current time and keeps what the mapper made. */
class Pbx {
  #t = T0;
  readonly mapper = new AmiCallMapper({ connectionId: 'pbx-1' });
  readonly events: CallEvent[] = [];
  at(s: number): this {
    this.#t = T0 + s;
    return this;
  }
  send(Event: string, ...parts: Array<Record<string, string>>): CallEvent[] {
    const out = this.mapper.push(Object.assign({ Event, Timestamp: this.#t.toFixed(6) }, ...parts), RECEIVED);
    this.events.push(...out);
    return out;
  }
  channel(c: Chan, state = 'Ring') {
    return this.send('Newchannel', c, { ChannelState: STATES[state], ChannelStateDesc: state });
  }
  state(c: Chan, state: string) {
    return this.send('Newstate', c, { ChannelState: STATES[state], ChannelStateDesc: state });
  }
  dial(from: Chan, to: Chan) {
    return this.send('DialBegin', from, dest(to), { DialString: to.Exten });
  }
  dialEnd(from: Chan, to: Chan, DialStatus: string) {
    return this.send('DialEnd', from, dest(to), { DialStatus });
  }
  bridge(id: string, ...cs: Chan[]) {
    return cs.flatMap((c) => this.send('BridgeEnter', c, { BridgeUniqueid: id }));
  }
  leave(id: string, c: Chan) {
    return this.send('BridgeLeave', c, { BridgeUniqueid: id });
  }
  hangup(c: Chan, Cause = '16') {
    return this.send('Hangup', c, { Cause });
  }
  calls(): Call[] {
    return foldAll(this.events);
  }
}

/** Folds events per conversation the way the journal does (linkedCallId ?? callId). */
function foldAll(events: CallEvent[]): Call[] {
  const groups = new Map<string, CallEvent[]>();
  for (const e of events) groups.set(e.linkedCallId ?? e.callId, [...(groups.get(e.linkedCallId ?? e.callId) ?? []), e]);
  return [...groups].map(([id, evs]) => foldEvents({ id, tenantId: 't', pbxCallId: id }, evs, read));
}

const trunk = chan('PJSIP/provider-00000001', '100.1', '100.1', 'from-pstn', '0301234560', '+4930111222', 'Erika Mustermann');
const p201 = chan('PJSIP/201-00000002', '100.2', '100.1', 'from-internal', 's', '201');
const p202 = chan('PJSIP/202-00000003', '100.3', '100.1', 'from-internal', 's', '202');

/** An inbound call to 201 (and 202 when `also`), rung at +0.1. */
function inbound(pbx: Pbx, also = false) {
  pbx.at(0).channel(trunk);
  pbx.at(0.1).channel(p201, 'Down');
  pbx.dial(trunk, p201);
  if (also) {
    pbx.channel(p202, 'Down');
    pbx.dial(trunk, p202);
  }
  pbx.state(p201, 'Ringing');
}

describe('AMI mapper: one event type at a time', () => {
  it('Newchannel of a trunk with a caller id starts the inbound call at once; DialBegin rings the phone', () => {
    const pbx = new Pbx();
    const [start] = pbx.channel(trunk);
    assert.deepEqual(
      { type: start.type, callId: start.callId, linked: start.linkedCallId, dir: start.direction, from: start.from, to: start.to, ext: start.extension, at: start.at },
      { type: 'ringing', callId: '100.1', linked: null, dir: 'inbound', from: '+4930111222', to: '0301234560', ext: null, at: iso(0) },
    );
    assert.equal(start.labels.callerName, 'Erika Mustermann');
    pbx.channel(p201, 'Down');
    const [ring] = pbx.dial(trunk, p201);
    assert.equal(ring.type, 'ringing');
    assert.equal(ring.callId, '100.2');
    assert.equal(ring.linkedCallId, '100.1');
    assert.equal(ring.extension, '201');
    assert.deepEqual(pbx.state(p201, 'Ringing'), [], 'the same leg rings once');
  });

  it('a trunk channel born without caller id starts when NewCallerid names the caller, dated at its birth', () => {
    const pbx = new Pbx();
    assert.deepEqual(pbx.at(0).channel({ ...trunk, CallerIDNum: '<unknown>', CallerIDName: '<unknown>' }), []);
    const [start] = pbx.at(0.2).send('NewCallerid', trunk);
    assert.equal(start.at, iso(0));
    assert.equal(start.from, '+4930111222');
  });

  it('without a Timestamp header the receive time dates the event', () => {
    const mapper = new AmiCallMapper({ connectionId: 'pbx-1' });
    const [e] = mapper.push({ Event: 'Newchannel', ...trunk, ChannelState: '4' }, '2026-05-01T10:00:00.000Z');
    assert.equal(e.at, '2026-05-01T10:00:00.000Z');
  });

  it('answered by DialEnd ANSWER (not by Newstate Up); the first to leave the bridge hung up', () => {
    const pbx = new Pbx();
    inbound(pbx);
    assert.deepEqual(pbx.at(4).state(p201, 'Up'), []);
    const [answered] = pbx.dialEnd(trunk, p201, 'ANSWER');
    assert.equal(answered.type, 'answered');
    assert.equal(answered.extension, '201');
    assert.deepEqual([...pbx.state(trunk, 'Up'), ...pbx.bridge('b1', p201, trunk)], []);
    pbx.at(9).leave('b1', p201);
    pbx.hangup(p201);
    pbx.leave('b1', trunk);
    pbx.hangup(trunk);
    const [call] = pbx.calls();
    assert.equal(call.state, 'ended');
    assert.equal(call.outcome, 'answered');
    assert.equal(call.answeredBy, '201');
    assert.equal(call.ringSeconds, 4);
    assert.equal(call.talkSeconds, 5);
    assert.equal(call.labels.hangupBy, 'callee');
    assert.equal(pbx.mapper.activeChannels, 0);
  });

  it('BridgeEnter with the caller answers a phone that no DialEnd reported (a pickup)', () => {
    const pbx = new Pbx();
    inbound(pbx);
    const answered = pbx.at(3).bridge('b1', trunk, p201);
    assert.deepEqual(answered.map((e) => [e.type, e.extension]), [['answered', '201']]);
  });

  for (const [status, cause, hangupCause, outcome, hangupBy] of [
    ['BUSY', 'busy', '17', 'busy', 'pbx'],
    ['NOANSWER', 'noAnswer', '16', 'missed', 'pbx'],
    ['CANCEL', 'cancel', '16', 'missed', 'caller'],
    ['CHANUNAVAIL', 'failed', '20', 'failed', 'pbx'],
  ] as const) {
    it(`DialEnd ${status}: legs end ${cause}, outcome ${outcome}, hung up by ${hangupBy}`, () => {
      const pbx = new Pbx();
      inbound(pbx);
      pbx.at(5).dialEnd(trunk, p201, status);
      pbx.hangup(p201, hangupCause);
      pbx.hangup(trunk, hangupCause);
      const [call] = pbx.calls();
      assert.deepEqual(call.legs.map((l) => l.cause), [cause, cause]);
      assert.equal(call.outcome, outcome);
      assert.equal(call.labels.hangupBy, hangupBy);
      assert.equal(call.ringSeconds, 5);
      assert.equal(call.talkSeconds, 0);
    });
  }

  it('a ring group where one phone is busy and the other rings out is missed, both rang', () => {
    const pbx = new Pbx();
    inbound(pbx, true);
    pbx.at(0.2).dialEnd(trunk, p202, 'BUSY');
    pbx.hangup(p202, '17');
    pbx.at(20).dialEnd(trunk, p201, 'NOANSWER');
    pbx.hangup(p201, '16');
    pbx.hangup(trunk, '16');
    const [call] = pbx.calls();
    assert.equal(call.outcome, 'missed');
    assert.deepEqual(call.extensionsRang, ['201', '202']);
  });

  it('queue: the PBX answering the trunk is no answer; AgentCalled rings, AgentConnect answers, AgentComplete says who hung up', () => {
    const pbx = new Pbx();
    const a201 = { ...p201, Context: 'from-queue' };
    pbx.at(0).channel(trunk);
    assert.deepEqual(pbx.state(trunk, 'Up'), []);
    const [join] = pbx.at(0.5).send('QueueCallerJoin', trunk, { Queue: 'support', Position: '1', Count: '1' });
    assert.equal(join.queue, 'support');
    pbx.channel(a201, 'Down');
    pbx.channel(p202, 'Down');
    const called = [
      ...pbx.send('AgentCalled', trunk, dest(a201), { Queue: 'support', Interface: 'PJSIP/201', MemberName: 'Anna' }),
      ...pbx.send('AgentCalled', trunk, dest(p202), { Queue: 'support', Interface: 'Local/202@from-queue/n', MemberName: 'Max Weber (202)' }),
    ];
    assert.deepEqual(called.map((e) => [e.type, e.extension, e.queue]), [['ringing', '201', 'support'], ['ringing', '202', 'support']]);
    pbx.at(15).send('AgentRingNoAnswer', trunk, dest(p202), { Queue: 'support', RingTime: '15' });
    pbx.hangup(p202, '16');
    const connected = pbx.at(20).send('AgentConnect', trunk, dest(a201), { Queue: 'support', HoldTime: '20' });
    assert.deepEqual(connected.map((e) => [e.type, e.extension]), [['answered', '201']]);
    pbx.bridge('b1', a201, trunk);
    pbx.at(30).send('AgentComplete', trunk, dest(a201), { Queue: 'support', Reason: 'caller', TalkTime: '10' });
    pbx.hangup(trunk);
    pbx.hangup(a201);
    const [call] = pbx.calls();
    assert.equal(call.kind, 'queue');
    assert.equal(call.queue, 'support');
    assert.equal(call.answeredBy, '201');
    assert.equal(call.ringSeconds, 20);
    assert.equal(call.talkSeconds, 10);
    assert.equal(call.labels.hangupBy, 'caller');
    assert.equal(call.legs.find((l) => l.extension === '202')?.cause, 'noAnswer');
  });

  it('queue abandoned while the trunk was Up: missed, by the caller, and nobody answered', () => {
    const pbx = new Pbx();
    pbx.at(0).channel(trunk);
    pbx.state(trunk, 'Up');
    pbx.send('QueueCallerJoin', trunk, { Queue: 'support' });
    pbx.channel(p201, 'Down');
    pbx.send('AgentCalled', trunk, dest(p201), { Queue: 'support', Interface: 'PJSIP/201' });
    pbx.dial(trunk, p201);
    pbx.at(12).send('QueueCallerAbandon', trunk, { Queue: 'support', Position: '1', OriginalPosition: '1', HoldTime: '12' });
    pbx.dialEnd(trunk, p201, 'CANCEL');
    pbx.hangup(p201, '16');
    pbx.hangup(trunk, '16');
    const [call] = pbx.calls();
    assert.ok(!pbx.events.some((e) => e.type === 'answered'));
    assert.equal(call.outcome, 'missed');
    assert.equal(call.hangupCause, 'cancel');
    assert.equal(call.labels.hangupBy, 'caller');
    assert.equal(call.ringSeconds, 12);
  });

  it('outbound: starts at the Dial to a trunk; the calling extension answers with the remote party', () => {
    const pbx = new Pbx();
    const phone = chan('PJSIP/202-00000010', '200.1', '200.1', 'from-internal', '040555123', '202', 'Max Weber');
    const out = chan('PJSIP/provider-00000011', '200.2', '200.1', 'from-pstn', 's', '040555123');
    assert.deepEqual(pbx.at(0).channel(phone), []);
    pbx.channel(out, 'Down');
    const started = pbx.at(0.1).dial(phone, out);
    assert.deepEqual(started.map((e) => [e.type, e.callId, e.direction, e.extension, e.at]), [
      ['ringing', '200.1', 'outbound', '202', iso(0)],
      ['ringing', '200.2', 'outbound', null, iso(0.1)],
    ]);
    pbx.at(5).dialEnd(phone, out, 'ANSWER');
    pbx.bridge('b1', out, phone);
    pbx.at(11).leave('b1', phone);
    pbx.hangup(phone);
    pbx.hangup(out);
    const [call] = pbx.calls();
    assert.equal(call.direction, 'outbound');
    assert.equal(call.from.raw, '202');
    assert.equal(call.to.raw, '040555123');
    assert.equal(call.did, null);
    assert.equal(call.answeredBy, '202');
    assert.equal(call.ringSeconds, 5);
    assert.equal(call.talkSeconds, 6);
    assert.equal(call.labels.hangupBy, 'caller');
  });

  describe('click-to-dial (AMI Originate Channel PJSIP/201, from-internal,<number>,1, CallerID "<number>" <number>)', () => {
    // The phone's channel is born with Exten `s`; the Originate sets its caller id to the number dialed.
    const phone = chan('PJSIP/201-00000030', '400.1', '400.1', 'from-internal', 's', '<unknown>', '<unknown>');
    const phoneWithCid = { ...phone, CallerIDNum: '040555123', CallerIDName: '040555123' };
    const phoneDialing = { ...phoneWithCid, Exten: '040555123' };
    const remote = chan('PJSIP/provider-00000031', '400.2', '400.1', 'from-pstn', 's', '040555123');
    /** Newchannel, the Originate's DialBegin (no Channel), the phone rings; the agent answers at +3 when `answers`. */
    function originate(pbx: Pbx, answers: boolean): CallEvent[] {
      const out = [...pbx.at(0).channel(phone, 'Down')];
      out.push(...pbx.send('NewCallerid', phoneWithCid, { CID_CallingPres: '0 (Presentation Allowed, Not Screened)' }));
      out.push(...pbx.send('DialBegin', dest(phoneWithCid), { DialString: '201' }));
      out.push(...pbx.at(0.1).state(phoneWithCid, 'Ringing'));
      if (!answers) return out;
      out.push(...pbx.at(3).state(phoneWithCid, 'Up'));
      out.push(...pbx.send('DialEnd', dest(phoneWithCid), { DialStatus: 'ANSWER' }));
      out.push(...pbx.send('OriginateResponse', { Response: 'Success', Channel: phone.Channel, Context: 'from-internal', Exten: '040555123', Uniqueid: phone.Uniqueid }));
      return out;
    }
    /** The phone runs from-internal,040555123: Dial(PJSIP/040555123@provider) at +3.1, remote rings. */
    function dialRemote(pbx: Pbx): CallEvent[] {
      const out = [...pbx.at(3.1).channel(remote, 'Down')];
      out.push(...pbx.send('DialBegin', phoneDialing, dest(remote), { DialString: '040555123@provider' }));
      out.push(...pbx.at(3.5).state(remote, 'Ringing'));
      return out;
    }

    it('agent answers, then the remote: outbound 201 → number, ring and talk of the remote leg', () => {
      const pbx = new Pbx();
      assert.deepEqual(originate(pbx, true), [], 'the agent\'s own phone ringing is no customer call yet');
      const started = dialRemote(pbx);
      assert.deepEqual(started.map((e) => [e.type, e.callId, e.direction, e.from, e.to, e.extension, e.at]), [
        ['ringing', '400.1', 'outbound', '201', '040555123', '201', iso(3.1)],
        ['ringing', '400.2', 'outbound', '201', '040555123', null, iso(3.1)],
      ]);
      assert.equal(started[0].labels.callerName, undefined, 'the Originate CallerID is the number, no name');
      pbx.at(8.1).state(remote, 'Up');
      pbx.dialEnd(phoneDialing, remote, 'ANSWER');
      pbx.bridge('b1', remote, phoneDialing);
      pbx.at(14.1).leave('b1', phoneDialing);
      pbx.hangup(phoneDialing);
      pbx.leave('b1', remote);
      pbx.hangup(remote);
      const [call, ...rest] = pbx.calls();
      assert.equal(rest.length, 0);
      assert.equal(call.direction, 'outbound');
      assert.equal(call.kind, 'direct');
      assert.equal(call.from.raw, '201');
      assert.equal(call.to.raw, '040555123');
      assert.equal(call.did, null);
      assert.equal(call.outcome, 'answered');
      assert.equal(call.answeredBy, '201');
      assert.equal(call.extension, '201');
      assert.equal(call.ringSeconds, 5);
      assert.equal(call.talkSeconds, 6);
      assert.equal(call.labels.hangupBy, 'caller');
      assert.equal(pbx.mapper.activeChannels, 0);
      assert.equal(pbx.mapper.stats.internalErrors, 0);
    });

    it('the remote never answers, the agent gives up: outbound, missed (as recording 05)', () => {
      const pbx = new Pbx();
      originate(pbx, true);
      dialRemote(pbx);
      pbx.at(18.1).dialEnd(phoneDialing, remote, 'CANCEL');
      pbx.hangup(phoneDialing);
      pbx.hangup(remote, '19');
      const [call, ...rest] = pbx.calls();
      assert.equal(rest.length, 0);
      assert.equal(call.direction, 'outbound');
      assert.equal(call.from.raw, '201');
      assert.equal(call.to.raw, '040555123');
      assert.equal(call.outcome, 'missed');
      assert.equal(call.answeredBy, null);
      assert.equal(call.ringSeconds, 15);
      assert.equal(call.talkSeconds, 0);
      assert.equal(call.hangupCause, 'cancel');
      assert.equal(call.labels.hangupBy, 'caller');
      assert.ok(call.legs.every((l) => l.state === 'ended'));
      assert.equal(pbx.mapper.activeChannels, 0);
    });

    it('the agent does not pick up his phone: no customer call at all', () => {
      const pbx = new Pbx();
      originate(pbx, false);
      pbx.at(30.1).send('DialEnd', dest(phoneWithCid), { DialStatus: 'NOANSWER' });
      pbx.hangup(phoneWithCid, '19');
      pbx.send('OriginateResponse', { Response: 'Failure', Channel: 'PJSIP/201', Context: 'from-internal', Exten: '040555123', Reason: '3', Uniqueid: '<null>' });
      assert.deepEqual(pbx.events, []);
      assert.equal(pbx.mapper.activeChannels, 0);
      assert.equal(pbx.mapper.stats.internalErrors, 0);
    });

    it('an ordinary call from the same phone (no Originate) keeps its caller id and start time', () => {
      const pbx = new Pbx();
      const own = chan('PJSIP/201-00000032', '401.1', '401.1', 'from-internal', '040555123', '201', 'Anna Schmidt');
      const out = chan('PJSIP/provider-00000033', '401.2', '401.1', 'from-pstn', 's', '040555123');
      pbx.at(0).channel(own);
      pbx.channel(out, 'Down');
      const [start] = pbx.at(0.5).dial(own, out);
      assert.deepEqual([start.from, start.to, start.extension, start.at, start.labels.callerName], ['201', '040555123', '201', iso(0), 'Anna Schmidt']);
    });
  });

  it('internal between phones; a phone that dials nobody (voicemail) is no call', () => {
    const pbx = new Pbx();
    const a = chan('PJSIP/201-00000020', '300.1', '300.1', 'from-internal', '203', '201');
    const b = chan('PJSIP/203-00000021', '300.2', '300.1', 'from-internal', 's', '203');
    pbx.at(0).channel(a);
    pbx.channel(b, 'Down');
    pbx.dial(a, b);
    pbx.at(3).dialEnd(a, b, 'ANSWER');
    pbx.at(7).hangup(a);
    pbx.hangup(b);
    const vm = chan('PJSIP/202-00000022', '301.1', '301.1', 'from-internal', '*97', '202');
    pbx.channel(vm);
    pbx.state(vm, 'Up');
    pbx.at(20).hangup(vm);
    const calls = pbx.calls();
    assert.equal(calls.length, 1);
    assert.equal(calls[0].kind, 'internal');
    assert.equal(calls[0].answeredBy, '203');
    assert.deepEqual(calls[0].extensionsRang, ['201', '203']);
  });

  it('BlindTransfer: one transferred event, the chain 201 → 203 in one call; a failed transfer is nothing', () => {
    const pbx = new Pbx();
    inbound(pbx);
    pbx.at(3).dialEnd(trunk, p201, 'ANSWER');
    pbx.bridge('b1', p201, trunk);
    const transferer = Object.fromEntries(Object.entries(p201).map(([k, v]) => [`Transferer${k}`, v]));
    const transferee = Object.fromEntries(Object.entries(trunk).map(([k, v]) => [`Transferee${k}`, v]));
    assert.deepEqual(pbx.at(5).send('BlindTransfer', { Result: 'Fail', Extension: '204', Context: 'from-internal' }, transferer, transferee), []);
    const [t] = pbx.at(6).send('BlindTransfer', { Result: 'Success', Extension: '203', Context: 'from-internal', IsExternal: 'No' }, transferer, transferee);
    assert.deepEqual([t.type, t.extension, t.transferTo, t.transferType], ['transferred', '201', '203', 'blind']);
    pbx.leave('b1', p201);
    pbx.leave('b1', trunk);
    pbx.hangup(p201);
    const p203 = chan('PJSIP/203-00000004', '100.4', '100.1', 'from-internal', 's', '203');
    pbx.channel(p203, 'Down');
    pbx.dial(trunk, p203);
    pbx.at(10).dialEnd(trunk, p203, 'ANSWER');
    pbx.bridge('b2', p203, trunk);
    pbx.at(14).leave('b2', trunk);
    pbx.hangup(trunk);
    pbx.hangup(p203);
    const [call] = pbx.calls();
    assert.deepEqual(call.transfers.map((x) => [x.from, x.to, x.type]), [['201', '203', 'blind']]);
    assert.equal(call.answeredBy, '201');
    assert.equal(call.extension, '203');
    assert.equal(call.labels.hangupBy, 'caller');
    assert.equal(call.talkSeconds, 11);
  });

  it('AttendedTransfer from a consultation call of its own: the target joins the customer call', () => {
    const pbx = new Pbx();
    inbound(pbx);
    pbx.at(2).dialEnd(trunk, p201, 'ANSWER');
    pbx.bridge('b1', p201, trunk);
    // 201 puts the caller on hold and calls 203 on a second line: a conversation of its own.
    const consult = chan('PJSIP/201-00000005', '400.1', '400.1', 'from-internal', '203', '201');
    const p203 = chan('PJSIP/203-00000006', '400.2', '400.1', 'from-internal', 's', '203');
    pbx.at(4).channel(consult);
    pbx.channel(p203, 'Down');
    pbx.dial(consult, p203);
    pbx.at(6).dialEnd(consult, p203, 'ANSWER');
    pbx.bridge('b2', p203, consult);
    const prefixed = (prefix: string, c: Chan) => Object.fromEntries(Object.entries(c).map(([k, v]) => [`${prefix}${k}`, v]));
    const moved = pbx.at(9).send(
      'AttendedTransfer',
      { Result: 'Success', DestType: 'Bridge', DestBridgeUniqueid: 'b1', IsExternal: 'No' },
      prefixed('OrigTransferer', p201),
      prefixed('SecondTransferer', consult),
      prefixed('Transferee', trunk),
      prefixed('TransferTarget', p203),
    );
    assert.deepEqual(moved.map((e) => [e.type, e.linkedCallId ?? e.callId, e.callId]), [
      ['transferred', '100.1', '100.2'],
      ['ended', '400.1', '400.2'],
      ['answered', '100.1', '400.2'],
    ]);
    pbx.leave('b1', p201);
    pbx.hangup(p201);
    pbx.leave('b2', consult);
    pbx.hangup(consult);
    pbx.bridge('b1', p203);
    pbx.at(20).leave('b1', trunk);
    pbx.hangup(trunk);
    pbx.hangup(p203);
    const calls = pbx.calls();
    const customer = calls.find((c) => c.pbxCallId === '100.1')!;
    const consultation = calls.find((c) => c.pbxCallId === '400.1')!;
    assert.deepEqual(customer.transfers.map((x) => [x.from, x.to, x.type]), [['201', '203', 'attended']]);
    assert.equal(customer.state, 'ended');
    assert.equal(customer.answeredBy, '201');
    assert.equal(customer.extension, '203');
    assert.equal(customer.labels.hangupBy, 'caller');
    assert.equal(consultation.state, 'ended');
    assert.equal(consultation.direction, 'internal');
    assert.equal(pbx.mapper.activeChannels, 0);
  });

  it('a phone reached through a Local hop is one leg, alive until its last channel hangs up', () => {
    const pbx = new Pbx();
    const one = chan('Local/201@from-internal-00000001;1', '100.2', '100.1', 'from-internal', '201', '');
    const two = chan('Local/201@from-internal-00000001;2', '100.3', '100.1', 'from-internal', '201', '');
    const phone = chan('PJSIP/201-00000009', '100.4', '100.1', 'from-internal', 's', '201');
    pbx.at(0).channel(trunk);
    pbx.channel(one, 'Down');
    pbx.channel(two);
    pbx.dial(trunk, one);
    pbx.channel(phone, 'Down');
    pbx.dial(two, phone);
    pbx.at(3).dialEnd(two, phone, 'ANSWER');
    pbx.dialEnd(trunk, one, 'ANSWER');
    // Local channel optimization: the pair goes, PJSIP/201 stays bridged with the caller.
    pbx.at(3.5).hangup(one);
    pbx.hangup(two);
    assert.equal(pbx.calls()[0].state, 'answered');
    pbx.bridge('b1', phone, trunk);
    pbx.at(8).leave('b1', phone);
    pbx.hangup(phone);
    pbx.hangup(trunk);
    const [call] = pbx.calls();
    assert.deepEqual(call.legs.map((l) => l.id).sort(), ['100.1', '100.2']);
    assert.deepEqual(call.extensionsRang, ['201']);
    assert.equal(call.talkSeconds, 5);
    assert.equal(call.labels.hangupBy, 'callee');
  });

  it('Cdr, CEL, Hold and unknown events map to nothing; the same event twice maps once', () => {
    const pbx = new Pbx();
    for (const Event of ['Cdr', 'CEL', 'Hold', 'Unhold', 'VarSet', 'Newexten', 'DialState', 'FullyBooted', 'Made-Up']) assert.deepEqual(pbx.send(Event, trunk), []);
    assert.equal(pbx.channel(trunk).length, 1);
    assert.deepEqual(pbx.channel(trunk), []);
    pbx.channel(p201, 'Down');
    assert.equal(pbx.dial(trunk, p201).length, 1);
    assert.deepEqual(pbx.dial(trunk, p201), []);
  });
});

describe('AMI mapper: garbage and arbitrary input', () => {
  it('never throws on garbage', () => {
    const mapper = new AmiCallMapper({ connectionId: 'pbx-1', classification: { trunkChannelPatterns: ['('] } });
    const garbage: unknown[] = [
      null,
      undefined,
      42,
      'Event: Hangup',
      [],
      {},
      { Event: 'constructor' },
      { Event: '__proto__' },
      { Event: 'toString' },
      { Event: 'Hangup' },
      { Event: 'Newchannel', Uniqueid: '1', Timestamp: '99999999999999999999' },
      { Event: 'Newchannel', Channel: 'Local/;1', Uniqueid: '2', Linkedid: '2' },
      { Event: 'DialBegin', Uniqueid: '1', DestUniqueid: '1' },
      { Event: 'DialEnd', Uniqueid: '1', DestUniqueid: '2', DialStatus: 'ANSWER' },
      { Event: 'BridgeEnter', Uniqueid: '1', BridgeUniqueid: '' },
      { Event: 'AttendedTransfer', Result: 'Success', TransfereeUniqueid: '1', TransferTargetUniqueid: '2' },
      { Event: 'BlindTransfer', Result: 'Success', TransfereeUniqueid: '1' },
      { Event: 'Newchannel', Uniqueid: { x: 1 }, Channel: ['a'] },
      Object.create(null),
    ];
    for (const g of garbage) assert.doesNotThrow(() => mapper.push(g as AmiMessage, RECEIVED));
    assert.doesNotThrow(() => mapper.resync([null, {}, { Uniqueid: '9', Duration: 'x' }] as unknown as AmiMessage[], 'not a date'));
    assert.doesNotThrow(() => mapper.resync('nope' as unknown as AmiMessage[], RECEIVED));
    assert.equal(mapper.stats.internalErrors, 0);
  });

  // Found by the property below (seed 1364995157): the origin phone hung up while the mapper was away
  // and resync ended its (unreported) leg before the live list started the call with it as origin.
  it('resync: a call whose origin is gone but whose other parties are live starts, and its origin ends', () => {
    const mapper = new AmiCallMapper({ connectionId: 'pbx-1' });
    const phone201 = chan('PJSIP/201-00000002', '1.2', '1.1', 'from-internal', 's', '201');
    const local202 = chan('Local/202@phones-00000003;1', '1.3', '1.1', 'phones', '202', '<unknown>');
    const phone203 = chan('PJSIP/203-00000005', '1.5', '1.1', 'from-internal', 's', '203');
    const live = (c: Chan) => ({ Event: 'CoreShowChannel', ...c, ChannelState: '6', Duration: '00:00:07' }) as AmiMessage;
    const events: CallEvent[] = [phone201, local202].flatMap((c) => mapper.push({ ...c, Event: 'Newchannel' }, RECEIVED));
    assert.equal(events.length, 0);
    const learned = mapper.resync([live(local202), live(phone203)], '2030-06-01T00:00:00.000Z');
    const origin = learned.filter((e) => e.callId === '1.2').map((e) => [e.type, e.at, e.cause, e.labels.endedBy]);
    assert.deepEqual(origin, [
      ['ringing', RECEIVED, null, undefined],
      ['ended', '2030-06-01T00:00:00.000Z', 'normal', 'resync'],
    ]);
    events.push(...learned, ...mapper.resync([], '2031-01-01T00:00:00.000Z'));
    assert.equal(mapper.activeChannels, 0);
    const legs = (type?: string) => new Set(events.filter((e) => !type || e.type === type).map((e) => `${e.linkedCallId ?? e.callId}|${e.callId}`));
    assert.deepEqual([...legs('ended')].sort(), [...legs()].sort());
    assert.deepEqual(foldAll(events).map((c) => c.state), ['ended']);
    assert.equal(mapper.stats.internalErrors, 0);
  });

  it('a phone that hung up before dialing starts no call, even when another channel of its Linkedid queues later', () => {
    const pbx = new Pbx();
    const phone201 = chan('PJSIP/201-00000002', '1.2', '1.1', 'from-internal', 's', '201');
    const phone203 = chan('PJSIP/203-00000005', '1.5', '1.1', 'from-internal', 's', '203');
    pbx.at(0).channel(phone201);
    pbx.at(1).channel(phone203);
    pbx.at(2).send('Hangup', phone201, { Cause: '16' });
    pbx.at(3).send('QueueCallerJoin', phone203, { Queue: 'support' });
    pbx.at(4).send('Hangup', phone203, { Cause: '16' });
    assert.deepEqual(pbx.events, []);
    assert.equal(pbx.mapper.activeChannels, 0);
  });

  it('property: arbitrary AMI messages never throw, and after resync([]) every leg that was reported has ended', () => {
    const ids = fc.constantFrom('1.1', '1.2', '1.3', '1.4', '2.1', '2.2', '');
    const names = fc.constantFrom(
      'PJSIP/provider-00000001',
      'PJSIP/201-00000002',
      'SIP/202-00000003',
      'Local/201@phones-00000001;1',
      'Local/201@phones-00000001;2',
      'Local/0301234560@from-trunk-00000000;1',
      'Local/0301234560@from-trunk-00000000;2',
      'DAHDI/1-1',
    );
    const value = fc.oneof(ids, names, fc.constantFrom('ANSWER', 'BUSY', 'NOANSWER', 'CANCEL', 'Success', '5', '6', '16', '17', 'support', '201', '<unknown>', 'agent', 'caller'), fc.string());
    const event = fc.constantFrom('Newchannel', 'NewCallerid', 'Newstate', 'LocalBridge', 'Rename', 'DialBegin', 'DialEnd', 'BridgeEnter', 'BridgeLeave', 'Hangup', 'QueueCallerJoin', 'QueueCallerAbandon', 'AgentCalled', 'AgentRingNoAnswer', 'AgentConnect', 'AgentComplete', 'BlindTransfer', 'AttendedTransfer', 'Cdr', 'Other');
    const key = fc.constantFrom(
      'Channel', 'Uniqueid', 'Linkedid', 'Context', 'Exten', 'CallerIDNum', 'CallerIDName', 'ChannelState', 'DestChannel', 'DestUniqueid', 'DestExten',
      'DialStatus', 'BridgeUniqueid', 'Cause', 'Queue', 'Interface', 'MemberName', 'Reason', 'Result', 'Extension', 'TransfererUniqueid',
      'TransfereeUniqueid', 'OrigTransfererUniqueid', 'SecondTransfererUniqueid', 'TransferTargetUniqueid', 'LocalOneUniqueid', 'LocalTwoUniqueid',
      'Timestamp', 'Newname', '__proto__', 'constructor',
    );
    // Coherent channel snapshots (shared Uniqueids/Linkedids) so that sequences reach deep into the
    // mapper; random headers on top, sometimes overriding them.
    const pool = [
      chan('PJSIP/provider-00000001', '1.1', '1.1', 'from-pstn', '0301234560', '+4930111222'),
      chan('PJSIP/201-00000002', '1.2', '1.1', 'from-internal', 's', '201'),
      chan('Local/202@phones-00000003;1', '1.3', '1.1', 'phones', '202', '<unknown>'),
      chan('Local/202@phones-00000003;2', '1.4', '1.1', 'phones', '202', '202'),
      chan('PJSIP/203-00000005', '1.5', '1.1', 'from-internal', 's', '203'),
      chan('Local/0301@from-trunk-00000006;1', '2.1', '2.1', 'from-trunk', '0301', '<unknown>'),
      chan('Local/0301@from-trunk-00000006;2', '2.2', '2.1', 'from-trunk', '0301', 'anonymous'),
      chan('PJSIP/202-00000007', '3.1', '3.1', 'from-internal', '040555123', '202'),
      chan('PJSIP/provider-00000008', '3.2', '3.1', 'from-pstn', 's', '040555123'),
      chan('PJSIP/201-00000009', '3.3', '3.1', 'from-internal', '203', '201'),
    ];
    const snapshot = fc.option(fc.constantFrom(...pool), { nil: undefined });
    const message = fc
      .tuple(event, snapshot, snapshot, fc.dictionary(key, value), fc.boolean())
      .map(([Event, c, d, rest, override]) => {
        const known = { ...(c ?? {}), ...(d ? dest(d) : {}) };
        return (override ? { ...known, ...rest, Event } : { ...rest, ...known, Event }) as AmiMessage;
      });
    const listing = fc.subarray(pool).map((cs) => cs.map((c) => ({ Event: 'CoreShowChannel', ...c, ChannelState: '6', Duration: '00:00:07' }) as AmiMessage));
    fc.assert(
      fc.property(fc.array(message, { maxLength: 60 }), listing, fc.array(message, { maxLength: 20 }), (messages, live, more) => {
        const mapper = new AmiCallMapper({ connectionId: 'pbx-1' });
        const events = messages.flatMap((m) => mapper.push(m, RECEIVED));
        events.push(...mapper.resync(live, '2030-06-01T00:00:00.000Z'));
        events.push(...more.flatMap((m) => mapper.push(m, RECEIVED)));
        events.push(...mapper.resync([], '2031-01-01T00:00:00.000Z'));
        assert.equal(mapper.stats.internalErrors, 0);
        assert.equal(mapper.activeChannels, 0);
        const reported = new Set(events.map((e) => `${e.linkedCallId ?? e.callId}|${e.callId}`));
        const ended = new Set(events.filter((e) => e.type === 'ended').map((e) => `${e.linkedCallId ?? e.callId}|${e.callId}`));
        assert.deepEqual([...reported].filter((k) => !ended.has(k)), []);
        for (const call of foldAll(events)) assert.equal(call.state, 'ended');
      }),
      { numRuns: 400 },
    );
  });
});

describe('AMI mapper: the recordings without what a stock Asterisk does not send', () => {
  const fixtures = new URL('./fixtures/', import.meta.url);
  const files = ['01-inbound-answered.ami', '03-inbound-busy-anonymous.ami', '06-inbound-queue-answered.ami', '07-inbound-blind-transfer.ami', '09-inbound-concurrent-calls.ami'];

  it('never depends on Cdr or CEL: removing them changes no event', () => {
    for (const file of files) {
      const messages = new AmiParser().push(readFileSync(new URL(file, fixtures)));
      const all = new AmiCallMapper({ connectionId: 'c' });
      const stock = new AmiCallMapper({ connectionId: 'c' });
      const a = messages.flatMap((m) => all.push(m, RECEIVED));
      const b = messages.filter((m) => m.Event !== 'Cdr' && m.Event !== 'CEL').flatMap((m) => stock.push(m, RECEIVED));
      assert.ok(a.length > 0);
      assert.deepEqual(b, a, file);
    }
  });
});
