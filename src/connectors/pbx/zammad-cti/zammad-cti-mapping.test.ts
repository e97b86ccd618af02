import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Call } from '../../../core/calls/call.ts';
import type { CallEvent } from '../../../core/calls/call-event.ts';
import { foldEvents } from '../../../core/calls/lifecycle.ts';
import { normalizeNumber } from '../../../core/phone-numbers/phone-number.ts';
import { mapZammadCti } from './zammad-cti-mapping.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
/** The instant `s` seconds after 09:00:00 on 5 Jan 2026. */
const t = (s: number) => new Date(T0 + s * 1000).toISOString();
const read = (raw: string) => normalizeNumber(raw, { defaultCountry: 'DE', areaCode: '30' });

function map(body: unknown, at = t(0)): CallEvent[] {
  const result = mapZammadCti(body, at);
  assert.ok(result.ok, `expected events, got ${JSON.stringify(result)}`);
  return result.events;
}

function only(body: unknown, at = t(0)): CallEvent {
  const events = map(body, at);
  assert.equal(events.length, 1);
  return events[0];
}

function problem(body: unknown): { field: string; message: string } {
  const result = mapZammadCti(body, t(0));
  assert.ok(!result.ok, `expected a problem, got ${JSON.stringify(result)}`);
  return { field: result.field, message: result.message };
}

const inbound = { from: '4915791234567', to: '493012345678', direction: 'in', callId: 'c1' };

describe('Zammad/sipgate CTI mapping', () => {
  describe('newCall', () => {
    it('maps sipgate’s documented form post (user[] repeated) to one ringing event', () => {
      const e = only({ event: 'newCall', from: '492111234567', to: '4915791234567', direction: 'in', callId: '123456', 'user[]': ['Alice', 'Bob'] }, t(3));
      assert.equal(e.type, 'ringing');
      assert.equal(e.callId, '123456');
      assert.equal(e.linkedCallId, null);
      assert.equal(e.direction, 'inbound');
      assert.equal(e.from, '+492111234567');
      assert.equal(e.to, '+4915791234567');
      assert.equal(e.at, t(3));
      // Real names are not extensions; they stay visible as a label.
      assert.equal(e.extension, null);
      assert.deepEqual(e.extensions, []);
      assert.deepEqual(e.labels, { user: 'Alice, Bob' });
      assert.match(e.key, /^zammad-cti:h:/);
    });

    it('takes extension-like users as the extensions rung, one of them as the extension', () => {
      const group = only({ ...inbound, event: 'newCall', 'user[]': ['201', '202', '201'] });
      assert.deepEqual(group.extensions, ['201', '202']);
      assert.equal(group.extension, null);
      const single = only({ ...inbound, event: 'newCall', 'user[]': '201' });
      assert.deepEqual(single.extensions, ['201']);
      assert.equal(single.extension, '201');
      assert.deepEqual(single.labels, {});
    });

    it('reads user as a JSON string or array, and user and user[] together', () => {
      assert.deepEqual(only({ ...inbound, event: 'newCall', user: 'John Doe' }).labels, { user: 'John Doe' });
      assert.deepEqual(only({ ...inbound, event: 'newCall', user: ['201', 'Alice'] }).extensions, ['201']);
      const both = only({ ...inbound, event: 'newCall', user: '201', 'user[]': ['202'] });
      assert.deepEqual(both.extensions, ['202', '201']);
    });

    it('maps Zammad’s outbound example with the caller as extension when it is one', () => {
      const e = only({ event: 'newCall', from: '493023125741', to: '492214710334', direction: 'out', callId: 'f4eb', user: 'Christopher Miller' });
      assert.equal(e.direction, 'outbound');
      assert.equal(e.from, '+493023125741');
      assert.equal(e.to, '+492214710334');
      assert.equal(e.extension, null);
      assert.equal(only({ ...inbound, direction: 'out', event: 'newCall', from: '201', to: '4915791234567' }).extension, '201');
      assert.equal(only({ ...inbound, direction: 'out', event: 'newCall', 'user[]': '202' }).extension, '202');
    });

    it('calls a call between two extensions internal, whatever direction says, with the callee ringing', () => {
      for (const direction of ['in', 'out']) {
        const e = only({ event: 'newCall', from: '201', to: '202', direction, callId: 'c1' });
        assert.equal(e.direction, 'internal');
        assert.equal(e.extension, '202');
        assert.deepEqual(e.extensions, ['202']);
      }
    });

    it('keeps an optional queue', () => {
      assert.equal(only({ ...inbound, event: 'newCall', queue: 'support' }).queue, 'support');
      assert.equal(only({ ...inbound, event: 'newCall' }).queue, null);
    });
  });

  describe('numbers', () => {
    const fromOf = (from: unknown) => only({ ...inbound, event: 'newCall', from }).from;

    it('adds the + to international numbers sent without it', () => {
      assert.equal(fromOf('4915791234567'), '+4915791234567');
      assert.equal(fromOf('49221470334'), '+49221470334');
      assert.equal(fromOf('12025550123'), '+12025550123');
      assert.equal(fromOf(4915791234567), '+4915791234567');
    });

    it('leaves everything else as sent', () => {
      assert.equal(fromOf('anonymous'), 'anonymous');
      assert.equal(fromOf('03023125771'), '03023125771');
      assert.equal(fromOf('+4930123456'), '+4930123456');
      assert.equal(fromOf('201'), '201');
      assert.equal(fromOf('1234567'), '1234567');
      // Ten digits: a NANP national number, not +20 (Egypt).
      assert.equal(fromOf('2025550123'), '2025550123');
      // No such country code.
      assert.equal(fromOf('99912345678'), '99912345678');
      assert.equal(fromOf(''), '');
    });
  });

  describe('answer', () => {
    it('takes an extension-like answeringNumber as the answering extension', () => {
      const e = only({ ...inbound, event: 'answer', answeringNumber: '201', user: 'John Doe' });
      assert.equal(e.type, 'answered');
      assert.equal(e.extension, '201');
      assert.deepEqual(e.labels, { user: 'John Doe' });
    });

    it('falls back to an extension-like user, then to', () => {
      assert.equal(only({ ...inbound, event: 'answer', answeringNumber: '4921199999999', user: '202' }).extension, '202');
      assert.equal(only({ ...inbound, event: 'answer', answeringNumber: 'jdoe' }).extension, null);
      assert.equal(only({ event: 'answer', from: '201', to: '202', direction: 'in', callId: 'c1' }).extension, '202');
    });

    it('ignores answeringNumber on outbound calls: that is the remote party', () => {
      const e = only({ ...inbound, direction: 'out', from: '201', to: '4915791234567', event: 'answer', answeringNumber: '110' });
      assert.equal(e.direction, 'outbound');
      assert.equal(e.extension, '201');
    });
  });

  describe('hangup', () => {
    const causes = [
      ['normalClearing', 'normal'],
      ['busy', 'busy'],
      ['cancel', 'cancel'],
      ['noAnswer', 'noAnswer'],
      ['congestion', 'failed'],
      ['notFound', 'failed'],
      ['somethingNew', null],
      ['', null],
    ] as const;
    for (const [cause, expected] of causes) {
      it(`maps cause "${cause}" to ${expected}`, () => {
        const e = only({ ...inbound, event: 'hangup', cause, answeringNumber: '201' });
        assert.equal(e.type, 'ended');
        assert.equal(e.cause, expected);
        assert.equal(e.extension, '201');
      });
    }

    it('leaves the cause to the lifecycle when none is sent', () => {
      assert.equal(only({ ...inbound, event: 'hangup' }).cause, null);
    });

    it('records forwarded as a hand-over that leaves the leg open', () => {
      const e = only({ ...inbound, event: 'hangup', cause: 'forwarded', 'user[]': '201' });
      assert.equal(e.type, 'transferred');
      assert.equal(e.transferTo, null);
      assert.equal(e.extension, '201');
    });
  });

  describe('follow-up legs (origCallId)', () => {
    const followUp = { ...inbound, callId: 'c2', origCallId: 'c1', diversion: '493012345678' };

    it('links the new leg, records the transfer and closes the original leg', () => {
      const [ringing, transferred, ended] = map({ ...followUp, event: 'newCall', 'user[]': '202' }, t(30));
      assert.equal(ringing.type, 'ringing');
      assert.equal(ringing.callId, 'c2');
      assert.equal(ringing.linkedCallId, 'c1');
      assert.equal(ringing.extension, '202');
      assert.equal(ringing.labels.diversion, '493012345678');
      assert.equal(transferred.type, 'transferred');
      assert.equal(transferred.linkedCallId, 'c1');
      assert.equal(transferred.transferTo, '202');
      assert.equal(transferred.transferType, 'blind');
      assert.equal(transferred.extension, null);
      assert.equal(ended.type, 'ended');
      assert.equal(ended.callId, 'c1');
      assert.equal(ended.linkedCallId, null);
      assert.equal(ended.cause, null);
      assert.equal(new Set([ringing.key, transferred.key, ended.key]).size, 3);
    });

    it('names the hand-over’s source when diversion is an extension, and its target by number otherwise', () => {
      const [, transferred] = map({ ...followUp, event: 'newCall', diversion: '201', to: '4915791234567', user: 'Marty' });
      assert.equal(transferred.extension, '201');
      assert.equal(transferred.transferTo, '+4915791234567');
    });

    it('closes the original leg with one key from every event of the new leg', () => {
      const keys = ['newCall', 'answer', 'hangup'].map((event) => {
        const events = map({ ...followUp, event, cause: 'normalClearing' });
        const closing = events.filter((e) => e.callId === 'c1');
        assert.equal(closing.length, 1);
        assert.equal(events.at(-1), closing[0], 'the original is closed after the new leg’s own event');
        return closing[0].key;
      });
      assert.equal(new Set(keys).size, 1);
      const [, closing] = map({ ...followUp, event: 'hangup', cause: 'busy' });
      assert.equal(closing.cause, 'busy');
    });

    it('does not link a leg to itself', () => {
      const e = only({ ...inbound, event: 'newCall', origCallId: 'c1' });
      assert.equal(e.linkedCallId, null);
    });
  });

  describe('keys', () => {
    it('gives a retried post the same key, whenever it arrives', () => {
      const body = { ...inbound, event: 'hangup', cause: 'normalClearing', answeringNumber: '201' };
      assert.equal(only(body, t(0)).key, only({ ...body }, t(9)).key);
    });

    it('tells events apart by their content', () => {
      const base = { ...inbound, event: 'hangup', cause: 'normalClearing' };
      const keys = [
        base,
        { ...base, cause: 'busy' },
        { ...base, callId: 'c9' },
        { ...base, event: 'answer' },
        { ...base, answeringNumber: '201' },
        { ...base, 'user[]': ['Alice'] },
      ].map((b) => only(b).key);
      assert.equal(new Set(keys).size, keys.length);
    });
  });

  describe('problems', () => {
    it('rejects a body that is not an object', () => {
      for (const body of [null, undefined, 'event=newCall', 42, ['event']]) assert.equal(problem(body).field, '');
    });

    it('names /event when it is missing, unknown or not text', () => {
      assert.equal(problem({ ...inbound }).field, '/event');
      assert.equal(problem({ ...inbound, event: 'dtmf' }).field, '/event');
      assert.equal(problem({ ...inbound, event: 'NEWCALL' }).field, '/event');
      assert.equal(problem({ ...inbound, event: 5 }).field, '/event');
      assert.equal(problem({ ...inbound, event: ['newCall', 'hangup'] }).field, '/event');
      assert.match(problem({ ...inbound, event: 'dtmf' }).message, /newCall, answer, hangup/);
    });

    it('accepts a form field repeated with the same value', () => {
      assert.equal(only({ ...inbound, event: ['newCall', 'newCall'] }).type, 'ringing');
    });

    it('names /callId when it is missing or not text', () => {
      const { callId: _c, ...noId } = inbound;
      assert.equal(problem({ ...noId, event: 'newCall' }).field, '/callId');
      assert.equal(problem({ ...inbound, event: 'newCall', callId: ' ' }).field, '/callId');
      assert.equal(problem({ ...inbound, event: 'newCall', callId: { id: 1 } }).field, '/callId');
      assert.equal(only({ ...inbound, event: 'newCall', callId: 123456 }).callId, '123456');
    });

    it('names /direction when it is missing or neither in nor out', () => {
      const { direction: _d, ...noDirection } = inbound;
      assert.equal(problem({ ...noDirection, event: 'answer' }).field, '/direction');
      assert.equal(problem({ ...inbound, event: 'answer', direction: 'inbound' }).field, '/direction');
    });

    it('names the field of any other value of the wrong type', () => {
      assert.equal(problem({ ...inbound, event: 'newCall', from: true }).field, '/from');
      assert.equal(problem({ ...inbound, event: 'newCall', to: {} }).field, '/to');
      assert.equal(problem({ ...inbound, event: 'newCall', 'user[]': [{ name: 'Alice' }] }).field, '/user[]');
      assert.equal(problem({ ...inbound, event: 'newCall', user: [['201']] }).field, '/user');
      assert.equal(problem({ ...inbound, event: 'hangup', cause: true }).field, '/cause');
      assert.equal(problem({ ...inbound, event: 'answer', answeringNumber: false }).field, '/answeringNumber');
      assert.equal(problem({ ...inbound, event: 'newCall', origCallId: {} }).field, '/origCallId');
    });

    it('reads only the body’s own fields', () => {
      const body = Object.create({ event: 'newCall' }) as Record<string, unknown>;
      Object.assign(body, inbound);
      assert.equal(problem(body).field, '/event');
    });

    it('never throws, whatever the body', () => {
      const value = fc.oneof(
        fc.string(),
        fc.constantFrom('newCall', 'answer', 'hangup', 'in', 'out', 'forwarded', 'normalClearing', '201', '4915791234567', 'c1', ''),
        fc.integer(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.oneof(fc.string(), fc.constantFrom('201', 'Alice'), fc.integer(), fc.constant(null))),
        fc.jsonValue(),
      );
      const keys = ['event', 'from', 'to', 'direction', 'callId', 'user', 'user[]', 'answeringNumber', 'cause', 'origCallId', 'diversion', 'queue'];
      const wellFormed = fc
        .tuple(
          fc.record({ event: fc.constantFrom('newCall', 'answer', 'hangup'), callId: fc.string({ minLength: 1 }), direction: fc.constantFrom('in', 'out') }),
          fc.dictionary(fc.constantFrom(...keys.slice(5)), value),
        )
        .map(([head, rest]) => ({ ...rest, ...head }));
      const body = fc.oneof({ arbitrary: wellFormed, weight: 3 }, fc.dictionary(fc.constantFrom(...keys), value), fc.jsonValue(), fc.anything());
      let mapped = 0;
      fc.assert(
        fc.property(body, (b) => {
          const result = mapZammadCti(b, t(0));
          if (!result.ok) return typeof result.field === 'string' && result.message.length > 0;
          mapped++;
          return result.events.length > 0 && result.events.every((e) => e.callId !== '' && e.key.startsWith('zammad-cti:') && e.at === t(0));
        }),
        { numRuns: 2000 },
      );
      assert.ok(mapped > 200, `only ${mapped} bodies mapped to events`);
    });
  });

  describe('through the lifecycle', () => {
    const identity = { id: 'call-1', tenantId: 'tenant-1', pbxCallId: 'c1' };
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
        [0, { ...inbound, event: 'newCall', 'user[]': ['Alice'] }],
        [8, { ...inbound, event: 'answer', answeringNumber: '201', user: 'Alice' }],
        [68, { ...inbound, event: 'hangup', cause: 'normalClearing', answeringNumber: '201' }],
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

    for (const [cause, hangupCause] of [
      ['cancel', 'cancel'],
      ['noAnswer', 'noAnswer'],
    ] as const) {
      it(`inbound missed: ${cause} before an answer`, () => {
        const call = fold([
          [0, { ...inbound, event: 'newCall' }],
          [20, { ...inbound, event: 'hangup', cause }],
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
      const outbound = { from: '493012345678', to: '4915791234567', direction: 'out', callId: 'c1' };
      const call = fold([
        [0, { ...outbound, event: 'newCall', 'user[]': '201' }],
        [3, { ...outbound, event: 'hangup', cause: 'busy' }],
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

    it('a forward (sipgate FAQ) stays one open call until the forwarded leg ends', () => {
      const first = { ...inbound, callId: 'c1' };
      const second = { ...inbound, callId: 'c2', origCallId: 'c1', diversion: '493012345678' };
      const posts: Array<[number, Record<string, unknown>]> = [
        [0, { ...first, event: 'newCall', 'user[]': '201' }],
        [15, { ...first, event: 'hangup', cause: 'forwarded' }],
        [15, { ...second, event: 'newCall', 'user[]': '202' }],
        [20, { ...second, event: 'answer', 'user[]': '202' }],
        [80, { ...second, event: 'hangup', cause: 'normalClearing' }],
      ];
      for (let n = 1; n < posts.length; n++) assert.notEqual(fold(posts.slice(0, n)).state, 'ended', `ended after ${n} posts`);
      const call = fold(posts);
      assert.equal(call.state, 'ended');
      assert.equal(call.outcome, 'answered');
      assert.equal(call.answeredBy, '202');
      assert.deepEqual(call.extensionsRang, ['201', '202']);
      assert.deepEqual(call.transfers, [{ from: null, to: '202', type: 'blind', at: t(15) }]);
      assert.equal(call.endedAt, t(80));
      assert.equal(call.ringSeconds, 20);
      assert.equal(call.talkSeconds, 60);
      assert.deepEqual(
        call.legs.map((l) => [l.id, l.state]),
        [
          ['c1', 'ended'],
          ['c2', 'ended'],
        ],
      );
    });

    it('a transfer (sipgate FAQ) keeps who answered first and who holds the call last', () => {
      const first = { ...inbound, callId: 'c1' };
      const second = { ...inbound, callId: 'c2', origCallId: 'c1', diversion: '201' };
      const call = fold([
        [0, { ...first, event: 'newCall', 'user[]': '201' }],
        [5, { ...first, event: 'answer', user: '201' }],
        [30, { ...second, event: 'newCall', 'user[]': '202' }],
        [35, { ...second, event: 'answer', user: '202' }],
        [36, { ...first, event: 'hangup', cause: 'normalClearing', user: '201' }],
        [95, { ...second, event: 'hangup', cause: 'normalClearing', user: '202' }],
      ]);
      assert.equal(call.state, 'ended');
      assert.equal(call.outcome, 'answered');
      assert.equal(call.answeredBy, '201');
      assert.equal(call.extension, '202');
      assert.deepEqual(call.transfers, [{ from: '201', to: '202', type: 'blind', at: t(30) }]);
      assert.equal(call.talkSeconds, 90);
      assert.equal(call.hangupCause, 'normal');
    });
  });
});
