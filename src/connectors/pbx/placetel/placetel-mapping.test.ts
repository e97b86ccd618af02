import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Call } from '../../../core/calls/call.ts';
import type { CallEvent } from '../../../core/calls/call-event.ts';
import { foldEvents } from '../../../core/calls/lifecycle.ts';
import { normalizeNumber } from '../../../core/phone-numbers/phone-number.ts';
import { mapPlacetel } from './placetel-mapping.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
/** The instant `s` seconds after 09:00:00 on 5 Jan 2026. */
const t = (s: number) => new Date(T0 + s * 1000).toISOString();
const read = (raw: string) => normalizeNumber(raw, { defaultCountry: 'DE', areaCode: '30' });
const CALL_ID = 'f4591ba315d81671d7a06c2a3b4f963dafd119de39cb26edd8a6476676b2f447';

function map(body: unknown, at = t(0)): CallEvent[] {
  const result = mapPlacetel(body, at);
  assert.ok(result.ok, `expected events, got ${JSON.stringify(result)}`);
  return result.events;
}

function only(body: unknown, at = t(0)): CallEvent {
  const events = map(body, at);
  assert.equal(events.length, 1);
  return events[0];
}

function problem(body: unknown): { field: string; message: string } {
  const result = mapPlacetel(body, t(0));
  assert.ok(!result.ok, `expected a problem, got ${JSON.stringify(result)}`);
  return { field: result.field, message: result.message };
}

const incoming = { from: '015791234567', to: '03012345678', call_id: CALL_ID, direction: 'in' };
const outgoing = { from: '03012345678', to: '015791234567', call_id: CALL_ID, direction: 'out', peer: '7777abcdefg@fpbx.de' };

describe('Placetel Notify API mapping', () => {
  describe('IncomingCall', () => {
    it('maps the documented post to one ringing event, numbers as sent', () => {
      const e = only({ event: 'IncomingCall', from: '022129191999', to: '022129191998', call_id: CALL_ID, direction: 'in' }, t(2));
      assert.equal(e.type, 'ringing');
      assert.equal(e.callId, CALL_ID);
      assert.equal(e.linkedCallId, null);
      assert.equal(e.direction, 'inbound');
      assert.equal(e.from, '022129191999');
      assert.equal(e.to, '022129191998');
      assert.equal(e.extension, null);
      assert.deepEqual(e.extensions, []);
      assert.equal(e.at, t(2));
      assert.match(e.key, /^placetel:h:/);
    });

    it('keeps anonymous callers as sent', () => {
      assert.equal(only({ ...incoming, event: 'IncomingCall', from: 'anonymous' }).from, 'anonymous');
    });
  });

  describe('OutgoingCall', () => {
    it('takes the calling SIP user as the extension', () => {
      const e = only({ ...outgoing, event: 'OutgoingCall' });
      assert.equal(e.type, 'ringing');
      assert.equal(e.direction, 'outbound');
      assert.equal(e.extension, '7777abcdefg');
      assert.equal(e.from, '03012345678');
    });

    it('reads the older form, where from is the calling SIP user', () => {
      const { peer: _p, ...older } = outgoing;
      assert.equal(only({ ...older, event: 'OutgoingCall', from: 'sip:201@fpbx.de' }).extension, '201');
      assert.equal(only({ ...older, event: 'OutgoingCall' }).extension, null);
    });

    it('calls a call to an extension or SIP id internal, with the callee ringing', () => {
      for (const to of ['23', '7777xyzabcd@fpbx.de']) {
        const e = only({ ...outgoing, event: 'OutgoingCall', to });
        assert.equal(e.direction, 'internal');
        assert.equal(e.extension, to.split('@')[0]);
        assert.deepEqual(e.extensions, [to.split('@')[0]]);
      }
    });

    it('is outbound without a direction field', () => {
      const { direction: _d, ...body } = outgoing;
      assert.equal(only({ ...body, event: 'OutgoingCall' }).direction, 'outbound');
    });
  });

  describe('CallAccepted', () => {
    it('takes the answering peer as the extension', () => {
      const e = only({ ...incoming, event: 'CallAccepted', peer: '7777abcdefg@fpbx.de' });
      assert.equal(e.type, 'answered');
      assert.equal(e.extension, '7777abcdefg');
    });

    it('does not take a forward to an external number for an extension', () => {
      assert.equal(only({ ...incoming, event: 'CallAccepted', peer: '022129191999' }).extension, null);
      assert.equal(only({ ...incoming, event: 'CallAccepted', peer: '+49 221 29191999' }).extension, null);
      assert.equal(only({ ...incoming, event: 'CallAccepted' }).extension, null);
    });
  });

  describe('HungUp', () => {
    const types = [
      ['missed', 'noAnswer'],
      ['voicemail', 'noAnswer'],
      ['canceled', 'cancel'],
      ['busy', 'busy'],
      ['blocked', 'rejected'],
      ['unavailable', 'failed'],
      ['congestion', 'failed'],
      ['somethingNew', null],
    ] as const;
    for (const [type, cause] of types) {
      it(`maps type "${type}" to ${cause}`, () => {
        const e = only({ ...incoming, event: 'HungUp', type, duration: '0' });
        assert.equal(e.type, 'ended');
        assert.equal(e.cause, cause);
      });
    }

    it('marks calls that went to voicemail', () => {
      assert.deepEqual(only({ ...incoming, event: 'HungUp', type: 'voicemail', duration: '0' }).labels, { voicemail: 'true' });
      assert.deepEqual(only({ ...incoming, event: 'HungUp', type: 'missed', duration: '0' }).labels, {});
    });

    it('leaves the cause to the lifecycle when no type is sent', () => {
      assert.equal(only({ ...incoming, event: 'HungUp' }).cause, null);
    });

    it('derives the answer from duration for an accepted call', () => {
      const [answered, ended] = map({ ...incoming, event: 'HungUp', type: 'accepted', duration: '60' }, t(68));
      assert.equal(answered.type, 'answered');
      assert.equal(answered.at, t(8));
      assert.equal(ended.type, 'ended');
      assert.equal(ended.cause, 'normal');
      assert.equal(ended.at, t(68));
      assert.notEqual(answered.key, ended.key);
    });

    it('takes a JSON number for duration, and an accepted call without one as answered at the hangup', () => {
      assert.equal(map({ ...incoming, event: 'HungUp', type: 'accepted', duration: 42 }, t(50))[0].at, t(8));
      assert.equal(map({ ...incoming, event: 'HungUp', type: 'accepted' }, t(50))[0].at, t(50));
    });

    it('is inbound without a direction field (the API began with incoming calls only)', () => {
      const { direction: _d, ...body } = incoming;
      assert.equal(only({ ...body, event: 'HungUp', type: 'missed' }).direction, 'inbound');
    });

    it('names the outbound caller from a SIP id in from', () => {
      const e = only({ ...outgoing, from: '201@fpbx.de', peer: undefined, event: 'HungUp', type: 'busy' });
      assert.equal(e.extension, '201');
    });
  });

  describe('keys', () => {
    it('gives a retried post the same keys, whenever it arrives', () => {
      const body = { ...incoming, event: 'HungUp', type: 'accepted', duration: '60' };
      assert.deepEqual(
        map(body, t(68)).map((e) => e.key),
        map({ ...body }, t(99)).map((e) => e.key),
      );
    });

    it('tells events apart by their content', () => {
      const base = { ...incoming, event: 'HungUp', type: 'missed', duration: '0' };
      const keys = [base, { ...base, type: 'busy' }, { ...base, call_id: 'other' }, { ...base, event: 'CallAccepted' }, { ...base, peer: '201@fpbx.de' }].map(
        (b) => map(b).at(-1)!.key,
      );
      assert.equal(new Set(keys).size, keys.length);
    });
  });

  describe('problems', () => {
    it('rejects a body that is not an object', () => {
      for (const body of [null, undefined, 'event=HungUp', 7, []]) assert.equal(problem(body).field, '');
    });

    it('names /event when it is missing, unknown or not text', () => {
      assert.equal(problem({ ...incoming }).field, '/event');
      assert.equal(problem({ ...incoming, event: 'Hangup' }).field, '/event');
      assert.equal(problem({ ...incoming, event: { name: 'HungUp' } }).field, '/event');
      assert.match(problem({ ...incoming, event: 'x' }).message, /IncomingCall, OutgoingCall, CallAccepted, HungUp/);
    });

    it('names /call_id when it is missing or not text', () => {
      const { call_id: _c, ...noId } = incoming;
      assert.equal(problem({ ...noId, event: 'IncomingCall' }).field, '/call_id');
      assert.equal(problem({ ...incoming, event: 'IncomingCall', call_id: '' }).field, '/call_id');
      assert.equal(problem({ ...incoming, event: 'IncomingCall', call_id: [CALL_ID, 'other'] }).field, '/call_id');
    });

    it('names /direction when it is neither in nor out', () => {
      assert.equal(problem({ ...incoming, event: 'HungUp', direction: 'inbound' }).field, '/direction');
      assert.equal(problem({ ...incoming, event: 'HungUp', direction: true }).field, '/direction');
    });

    it('names /duration when it is not a number of seconds', () => {
      for (const duration of ['abc', '-5', '1e99', '99999999999', 'NaN', true]) {
        assert.equal(problem({ ...incoming, event: 'HungUp', type: 'accepted', duration }).field, '/duration', String(duration));
      }
    });

    it('names the field of any other value of the wrong type', () => {
      assert.equal(problem({ ...incoming, event: 'IncomingCall', from: {} }).field, '/from');
      assert.equal(problem({ ...incoming, event: 'IncomingCall', to: [[]] }).field, '/to');
      assert.equal(problem({ ...incoming, event: 'CallAccepted', peer: false }).field, '/peer');
      assert.equal(problem({ ...incoming, event: 'HungUp', type: ['missed', 'busy'] }).field, '/type');
    });

    it('never throws, whatever the body', () => {
      const value = fc.oneof(
        fc.string(),
        fc.constantFrom('IncomingCall', 'HungUp', 'in', 'out', 'accepted', 'voicemail', '60', '201@fpbx.de', '23', ''),
        fc.integer(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null))),
        fc.jsonValue(),
      );
      const keys = ['event', 'call_id', 'direction', 'from', 'to', 'peer', 'type', 'duration'];
      const wellFormed = fc
        .tuple(
          fc.record({ event: fc.constantFrom('IncomingCall', 'OutgoingCall', 'CallAccepted', 'HungUp'), call_id: fc.string({ minLength: 1 }), direction: fc.constantFrom('in', 'out') }),
          fc.dictionary(fc.constantFrom(...keys.slice(3)), value),
        )
        .map(([head, rest]) => ({ ...rest, ...head }));
      const body = fc.oneof({ arbitrary: wellFormed, weight: 3 }, fc.dictionary(fc.constantFrom(...keys), value), fc.jsonValue(), fc.anything());
      const receivedAt = fc.oneof(fc.constant(t(0)), fc.string(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()));
      let mapped = 0;
      fc.assert(
        fc.property(body, receivedAt, (b, at) => {
          const result = mapPlacetel(b, at);
          if (!result.ok) return typeof result.field === 'string' && result.message.length > 0;
          mapped++;
          return result.events.length > 0 && result.events.every((e) => e.callId.trim() !== '' && e.key.startsWith('placetel:'));
        }),
        { numRuns: 2000 },
      );
      assert.ok(mapped > 200, `only ${mapped} bodies mapped to events`);
    });
  });

  describe('through the lifecycle', () => {
    const identity = { id: 'call-1', tenantId: 'tenant-1', pbxCallId: CALL_ID };
    const fold = (posts: Array<[number, Record<string, unknown>]>) => foldEvents(identity, posts.flatMap(([s, body]) => map(body, t(s))), read);
    /** The fields the same conversation must give through every format. */
    const summary = (call: Call) => ({
      state: call.state,
      direction: call.direction,
      from: call.from.e164,
      to: call.to.e164,
      answeredBy: call.answeredBy,
      outcome: call.outcome,
      hangupCause: call.hangupCause,
      ringSeconds: call.ringSeconds,
      talkSeconds: call.talkSeconds,
      extensionsRang: call.extensionsRang,
    });

    it('inbound answered by 201', () => {
      const call = fold([
        [0, { ...incoming, event: 'IncomingCall' }],
        [8, { ...incoming, event: 'CallAccepted', peer: '201@fpbx.de' }],
        [68, { ...incoming, event: 'HungUp', type: 'accepted', duration: '60' }],
      ]);
      assert.deepEqual(summary(call), {
        state: 'ended',
        direction: 'inbound',
        from: '+4915791234567',
        to: '+493012345678',
        answeredBy: '201',
        outcome: 'answered',
        hangupCause: 'normal',
        ringSeconds: 8,
        talkSeconds: 60,
        extensionsRang: ['201'],
      });
      assert.equal(call.did, '+493012345678');
    });

    it('inbound answered, its CallAccepted lost: the duration still makes it answered', () => {
      const call = fold([
        [0, { ...incoming, event: 'IncomingCall' }],
        [68, { ...incoming, event: 'HungUp', type: 'accepted', duration: '60' }],
      ]);
      assert.equal(call.outcome, 'answered');
      assert.equal(call.answeredAt, t(8));
      assert.equal(call.talkSeconds, 60);
    });

    for (const [type, hangupCause] of [
      ['canceled', 'cancel'],
      ['missed', 'noAnswer'],
      ['voicemail', 'noAnswer'],
    ] as const) {
      it(`inbound missed: ${type}`, () => {
        const call = fold([
          [0, { ...incoming, event: 'IncomingCall' }],
          [20, { ...incoming, event: 'HungUp', type, duration: '0' }],
        ]);
        assert.deepEqual(summary(call), {
          state: 'ended',
          direction: 'inbound',
          from: '+4915791234567',
          to: '+493012345678',
          answeredBy: null,
          outcome: 'missed',
          hangupCause,
          ringSeconds: 20,
          talkSeconds: 0,
          extensionsRang: [],
        });
      });
    }

    it('outbound busy', () => {
      const call = fold([
        [0, { ...outgoing, event: 'OutgoingCall', peer: '201@fpbx.de' }],
        [3, { ...outgoing, event: 'HungUp', type: 'busy', duration: '0' }],
      ]);
      assert.deepEqual(summary(call), {
        state: 'ended',
        direction: 'outbound',
        from: '+493012345678',
        to: '+4915791234567',
        answeredBy: null,
        outcome: 'busy',
        hangupCause: 'busy',
        ringSeconds: 3,
        talkSeconds: 0,
        extensionsRang: ['201'],
      });
    });

    it('outbound answered: no CallAccepted is sent, the duration gives the answer', () => {
      const call = fold([
        [0, { ...outgoing, event: 'OutgoingCall', peer: '201@fpbx.de' }],
        [42, { ...outgoing, peer: undefined, event: 'HungUp', type: 'accepted', duration: '30' }],
      ]);
      assert.equal(call.outcome, 'answered');
      assert.equal(call.ringSeconds, 12);
      assert.equal(call.talkSeconds, 30);
    });
  });
});
