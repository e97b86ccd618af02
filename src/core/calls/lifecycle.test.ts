import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { normalizeNumber } from '../phone-numbers/phone-number.ts';
import type { Call, CallDirection, EndCause, TransferType } from './call.ts';
import { END_CAUSES } from './call.ts';
import type { CallEvent, CallEventType } from './call-event.ts';
import { applyEvent, foldEvents, needsRefold, startCall, type CallIdentity } from './lifecycle.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
/** The instant `s` seconds (plus `ms`) after 09:00:00 on 5 Jan 2026, as the events carry it. */
const t = (s: number, ms = 0) => new Date(T0 + s * 1000 + ms).toISOString();
const read = (raw: string) => normalizeNumber(raw, { defaultCountry: 'DE', areaCode: '30' });
const identity: CallIdentity = { id: 'call-1', tenantId: 'tenant-1', pbxCallId: 'c1' };

function ev(type: CallEventType, s: number, over: Partial<CallEvent> = {}): CallEvent {
  const e: CallEvent = {
    type,
    callId: 'c1',
    linkedCallId: null,
    direction: 'inbound',
    from: '030 1111111',
    to: '+49 30 2222222',
    extension: null,
    extensions: [],
    queue: null,
    labels: {},
    cause: null,
    transferTo: null,
    transferType: null,
    at: t(s),
    key: '',
    ...over,
  };
  e.key ||= `${e.type}:${e.callId}:${e.at}:${e.extension ?? ''}:${e.transferTo ?? ''}`;
  return e;
}

/** Applies events one by one in the given order (no refolding), as a live stream in time order would. */
function applyAll(events: CallEvent[]): Call {
  let call = startCall(identity, events[0], read);
  for (const e of events.slice(1)) call = applyEvent(call, e).call;
  return call;
}

/** A call without the fields that record fold position rather than content. */
function content(call: Call): Omit<Call, 'version' | 'lastEventAt' | 'updatedAt'> {
  const { version: _v, lastEventAt: _l, updatedAt: _u, ...rest } = call;
  return rest;
}

const answeredCall = [
  ev('ringing', 0, { extension: '201' }),
  ev('answered', 5, { extension: '201' }),
  ev('ended', 65, { cause: 'normal' }),
];

describe('call lifecycle', () => {
  describe('in order', () => {
    it('ringing → answered → ended gives an answered call with ring and talk time', () => {
      const call = applyAll(answeredCall);
      assert.equal(call.state, 'ended');
      assert.equal(call.outcome, 'answered');
      assert.equal(call.hangupCause, 'normal');
      assert.equal(call.answeredBy, '201');
      assert.equal(call.extension, '201');
      assert.equal(call.startedAt, t(0));
      assert.equal(call.answeredAt, t(5));
      assert.equal(call.endedAt, t(65));
      assert.equal(call.ringSeconds, 5);
      assert.equal(call.talkSeconds, 60);
      assert.equal(call.version, 3);
      assert.equal(call.lastEventAt, t(65));
      assert.deepEqual(call.extensionsRang, ['201']);
      assert.deepEqual(call.legs, [
        { id: 'c1', state: 'ended', extension: '201', startedAt: t(0), answeredAt: t(5), endedAt: t(65), cause: 'normal' },
      ]);
    });

    it('reads the parties and the DID from the first event', () => {
      const call = startCall(identity, answeredCall[0], read);
      assert.deepEqual(call.from, { raw: '030 1111111', e164: '+49301111111', withheld: false });
      assert.deepEqual(call.to, { raw: '+49 30 2222222', e164: '+49302222222', withheld: false });
      assert.equal(call.did, '+49302222222');
      assert.equal(call.direction, 'inbound');
      assert.equal(call.kind, 'direct');
      assert.equal(call.state, 'ringing');
      assert.equal(call.version, 1);
      assert.equal(call.ringSeconds, null);
      assert.equal(call.talkSeconds, null);
    });

    it('keeps the state answered until the call ends', () => {
      const call = applyAll(answeredCall.slice(0, 2));
      assert.equal(call.state, 'answered');
      assert.equal(call.outcome, null);
      assert.equal(call.ringSeconds, 5);
      assert.equal(call.talkSeconds, null);
    });

    it('has no DID for outbound calls', () => {
      const call = startCall(identity, ev('ringing', 0, { direction: 'outbound', from: '201', to: '0301234567' }), read);
      assert.equal(call.did, null);
      assert.equal(call.from.e164, null);
      assert.equal(call.to.e164, '+49301234567');
    });
  });

  describe('duplicates', () => {
    it('change nothing: same object, same version, status unchanged', () => {
      let call = startCall(identity, answeredCall[0], read);
      const again = applyEvent(call, answeredCall[0]);
      assert.equal(again.status, 'unchanged');
      assert.equal(again.call, call);
      call = applyEvent(call, answeredCall[1]).call;
      const twice = applyEvent(call, answeredCall[1]);
      assert.equal(twice.status, 'unchanged');
      assert.equal(twice.call.version, 2);
      assert.equal(twice.call, call);
    });

    it('a repeated ringing with a later timestamp changes nothing', () => {
      const call = startCall(identity, answeredCall[0], read);
      const later = applyEvent(call, ev('ringing', 2, { extension: '201', key: 'other-key' }));
      assert.equal(later.status, 'unchanged');
      assert.equal(later.call.version, 1);
    });

    it('a repeated hangup after the end is late and changes nothing', () => {
      const call = applyAll(answeredCall);
      const again = applyEvent(call, answeredCall[2]);
      assert.equal(again.status, 'late');
      assert.equal(again.call, call);
    });
  });

  describe('out of order', () => {
    const inOrder = foldEvents(identity, answeredCall, read);
    const orders: Array<[string, CallEvent[]]> = [
      ['ended before answered', [answeredCall[0], answeredCall[2], answeredCall[1]]],
      ['answered before ringing', [answeredCall[1], answeredCall[0], answeredCall[2]]],
      ['reversed', [...answeredCall].reverse()],
    ];
    for (const [name, events] of orders) {
      it(`${name}: foldEvents gives the same call as in order`, () => {
        assert.deepEqual(foldEvents(identity, events, read), inOrder);
      });
    }

    it('needsRefold flags an event older than the last one applied, not a newer one', () => {
      const call = startCall(identity, answeredCall[1], read);
      assert.equal(needsRefold(call, answeredCall[0]), true);
      assert.equal(needsRefold(call, answeredCall[2]), false);
    });

    it('a live stream that refolds on older events ends where the fold does', () => {
      let call = startCall(identity, answeredCall[1], read);
      const seen = [answeredCall[1]];
      for (const e of [answeredCall[0], answeredCall[2]]) {
        seen.push(e);
        call = needsRefold(call, e) ? foldEvents(identity, seen, read) : applyEvent(call, e).call;
      }
      assert.deepEqual(content(call), content(inOrder));
    });
  });

  describe('a call first seen by its answer or its hangup', () => {
    it('answered creates an answered call', () => {
      const call = startCall(identity, ev('answered', 10, { extension: '201' }), read);
      assert.equal(call.state, 'answered');
      assert.equal(call.answeredBy, '201');
      assert.equal(call.extension, '201');
      assert.equal(call.startedAt, t(10));
      assert.equal(call.ringSeconds, 0);
      assert.deepEqual(call.extensionsRang, ['201']);
    });

    it('ended creates an ended, missed call', () => {
      const call = startCall(identity, ev('ended', 10), read);
      assert.equal(call.state, 'ended');
      assert.equal(call.outcome, 'missed');
      assert.equal(call.hangupCause, 'noAnswer');
      assert.equal(call.endedAt, t(10));
      assert.equal(call.ringSeconds, 0);
      assert.equal(call.talkSeconds, 0);
    });
  });

  describe('late events', () => {
    const ended = foldEvents(identity, answeredCall, read);
    for (const late of [
      ev('ringing', 70, { extension: '202' }),
      ev('answered', 70, { extension: '202' }),
      ev('ended', 70, { callId: 'c2', cause: 'busy' }),
      ev('transferred', 65, { extension: '201', transferTo: '203' }),
    ]) {
      it(`${late.type} after the end is late and never reopens the call`, () => {
        const result = applyEvent(ended, late);
        assert.equal(result.status, 'late');
        assert.equal(result.call, ended);
        assert.equal(result.call.state, 'ended');
      });
    }
  });

  describe('transfers', () => {
    it('a blind transfer 201 → 203 hands the call on', () => {
      const call = applyAll([
        ev('ringing', 0, { extension: '201' }),
        ev('answered', 3, { extension: '201' }),
        ev('transferred', 20, { extension: '201', transferTo: '203', transferType: 'blind' }),
        ev('ringing', 21, { callId: 'c2', linkedCallId: 'c1', extension: '203' }),
        ev('answered', 25, { callId: 'c2', linkedCallId: 'c1', extension: '203' }),
        ev('ended', 26, { cause: 'normal' }),
        ev('ended', 90, { callId: 'c2', linkedCallId: 'c1', cause: 'normal' }),
      ]);
      assert.deepEqual(call.transfers, [{ from: '201', to: '203', type: 'blind', at: t(20) }]);
      assert.equal(call.answeredBy, '201');
      assert.equal(call.extension, '203');
      assert.deepEqual(call.extensionsRang, ['201', '203']);
      assert.equal(call.state, 'ended');
      assert.equal(call.endedAt, t(90));
      assert.equal(call.talkSeconds, 87);
    });

    it('chains attended transfers 201 → 203 → 205, taking the sender from the current holder', () => {
      const call = applyAll([
        ev('ringing', 0, { extension: '201' }),
        ev('answered', 3, { extension: '201' }),
        ev('transferred', 20, { extension: '201', transferTo: '203', transferType: 'attended' }),
        ev('transferred', 40, { extension: null, transferTo: '205', transferType: 'attended' }),
      ]);
      assert.deepEqual(call.transfers, [
        { from: '201', to: '203', type: 'attended', at: t(20) },
        { from: '203', to: '205', type: 'attended', at: t(40) },
      ]);
      assert.equal(call.extension, '205');
      assert.equal(call.state, 'answered');
    });

    it('a transfer without a type is blind; one without a target is ignored', () => {
      const base = applyAll([ev('ringing', 0, { extension: '201' }), ev('answered', 3, { extension: '201' })]);
      const typeless = applyEvent(base, ev('transferred', 10, { extension: '201', transferTo: '203' })).call;
      assert.equal(typeless.transfers[0].type, 'blind');
      const targetless = applyEvent(base, ev('transferred', 10, { extension: '201' }));
      assert.equal(targetless.status, 'unchanged');
    });

    it('transfers folded out of order are kept in time order', () => {
      const events = [
        ev('answered', 3, { extension: '201' }),
        ev('transferred', 40, { extension: '203', transferTo: '205' }),
        ev('transferred', 20, { extension: '201', transferTo: '203' }),
      ];
      const call = foldEvents(identity, events, read);
      assert.deepEqual(
        call.transfers.map((x) => x.to),
        ['203', '205'],
      );
      assert.equal(call.extension, '205');
    });
  });

  describe('several legs', () => {
    const legs = [
      ev('ringing', 0, { callId: 'a', extension: '201' }),
      ev('ringing', 0, { callId: 'b', linkedCallId: 'a', extension: '202' }),
      ev('answered', 4, { callId: 'a', extension: '201' }),
      ev('ended', 4, { callId: 'b', linkedCallId: 'a', cause: 'cancel' }),
      ev('ended', 50, { callId: 'a', cause: 'normal' }),
    ];

    it('the call ends only when every leg has ended', () => {
      const beforeLast = applyAll(legs.slice(0, 4));
      assert.equal(beforeLast.state, 'answered');
      assert.equal(beforeLast.endedAt, null);
      assert.deepEqual(
        beforeLast.legs.map((l) => [l.id, l.state, l.cause]),
        [
          ['a', 'answered', null],
          ['b', 'ended', 'cancel'],
        ],
      );
      const call = applyAll(legs);
      assert.equal(call.state, 'ended');
      assert.equal(call.outcome, 'answered');
      assert.equal(call.endedAt, t(50));
      assert.equal(call.hangupCause, 'normal');
      assert.equal(call.answeredBy, '201');
    });

    it('an unanswered ringing leg keeps the call open after another leg hangs up', () => {
      const call = applyAll([legs[0], legs[1], ev('ended', 10, { callId: 'a', cause: 'noAnswer' })]);
      assert.equal(call.state, 'ringing');
      assert.equal(call.outcome, null);
    });

    it('the end time is the latest leg end, whatever the order legs end in', () => {
      const call = foldEvents(identity, [legs[0], legs[1], ev('ended', 30, { callId: 'a' }), ev('ended', 12, { callId: 'b' })], read);
      assert.equal(call.endedAt, t(30));
      assert.equal(call.outcome, 'missed');
    });
  });

  describe('outcomes of unanswered calls', () => {
    const cases: Array<[EndCause | null, string]> = [
      ['busy', 'busy'],
      ['rejected', 'rejected'],
      ['failed', 'failed'],
      ['noAnswer', 'missed'],
      ['cancel', 'missed'],
      ['normal', 'missed'],
      [null, 'missed'],
    ];
    for (const [cause, outcome] of cases) {
      it(`hangup cause ${cause} → ${outcome}`, () => {
        const call = applyAll([ev('ringing', 0, { extension: '201' }), ev('ended', 20, { cause })]);
        assert.equal(call.outcome, outcome);
        assert.equal(call.hangupCause, cause ?? 'noAnswer');
        assert.equal(call.ringSeconds, 20);
        assert.equal(call.talkSeconds, 0);
        assert.equal(call.answeredBy, null);
      });
    }

    it('a ring group is busy only when every leg was busy', () => {
      const legs = (causeA: EndCause, causeB: EndCause) =>
        applyAll([
          ev('ringing', 0, { callId: 'A', extension: '201' }),
          ev('ringing', 0, { callId: 'B', extension: '202' }),
          ev('ended', 3, { callId: 'A', cause: causeA }),
          ev('ended', 20, { callId: 'B', cause: causeB }),
        ]).outcome;
      assert.equal(legs('busy', 'busy'), 'busy');
      assert.equal(legs('busy', 'noAnswer'), 'missed');
      assert.equal(legs('noAnswer', 'busy'), 'missed');
      assert.equal(legs('rejected', 'busy'), 'busy');
      assert.equal(legs('failed', 'failed'), 'failed');
    });

    it('an answered call is answered whatever the hangup cause', () => {
      const call = applyAll([...answeredCall.slice(0, 2), ev('ended', 30, { cause: 'failed' })]);
      assert.equal(call.outcome, 'answered');
      assert.equal(call.hangupCause, 'failed');
    });
  });

  describe('kinds', () => {
    it('a queue on the first event makes a queue call', () => {
      const call = startCall(identity, ev('ringing', 0, { queue: 'support', extensions: ['201', '202'] }), read);
      assert.equal(call.kind, 'queue');
      assert.equal(call.queue, 'support');
    });

    it('a queue named later turns a direct call into a queue call, and the first queue stays', () => {
      let call = startCall(identity, ev('ringing', 0, { extension: '201' }), read);
      assert.equal(call.kind, 'direct');
      call = applyEvent(call, ev('ringing', 1, { extension: '202', queue: 'sales' })).call;
      call = applyEvent(call, ev('answered', 2, { extension: '202', queue: 'support' })).call;
      assert.equal(call.kind, 'queue');
      assert.equal(call.queue, 'sales');
    });

    it('an internal call stays internal even through a queue', () => {
      const call = applyAll([ev('ringing', 0, { direction: 'internal', from: '201', to: '202', extension: '202', queue: 'support' })]);
      assert.equal(call.kind, 'internal');
      assert.equal(call.direction, 'internal');
      assert.equal(call.queue, 'support');
      assert.equal(call.did, null);
    });

    it('a ring group rings all its extensions; whoever answers holds the call', () => {
      const call = applyAll([
        ev('ringing', 0, { extensions: ['201', '202', '203'] }),
        ev('answered', 6, { extension: '202' }),
      ]);
      assert.deepEqual(call.extensionsRang, ['201', '202', '203']);
      assert.equal(call.answeredBy, '202');
      assert.equal(call.extension, '202');
      assert.equal(call.legs[0].extension, '202');
    });

    it('labels merge, the later value winning', () => {
      const call = applyAll([ev('ringing', 0, { labels: { a: '1', b: '1' } }), ev('answered', 2, { labels: { b: '2' } })]);
      assert.deepEqual(call.labels, { a: '1', b: '2' });
    });
  });

  describe('properties', () => {
    it('for any arrival order, a live stream with refolds ends where foldEvents does', () => {
      fc.assert(
        fc.property(
          scenario({ distinctTimes: true }).chain((events) => fc.tuple(fc.constant(events), arrivalOrder(events))),
          ([events, arrival]) => {
            const folded = foldEvents(identity, events, read);
            assert.deepEqual(content(foldEvents(identity, arrival, read)), content(folded));
            assert.deepEqual(content(live(arrival)), content(folded));
          },
        ),
        { numRuns: 300 },
      );
    });

    it('for any arrival order of events that share instants, a live stream ends where foldEvents does', () => {
      fc.assert(
        fc.property(
          scenario({ distinctTimes: false }).chain((events) => fc.tuple(fc.constant(events), arrivalOrder(events))),
          ([events, arrival]) => {
            assert.deepEqual(content(live(arrival)), content(foldEvents(identity, events, read)));
          },
        ),
        { numRuns: 300 },
      );
    });

    it('applying any event twice in a row is idempotent', () => {
      fc.assert(
        fc.property(
          scenario({ distinctTimes: false }).chain((events) => fc.tuple(fc.constant(events), fc.nat({ max: events.length - 1 }))),
          ([events, cut]) => {
            const prefix = events.slice(0, cut);
            const e = events[cut];
            const once = prefix.length ? applyEvent(applyAll(prefix), e).call : startCall(identity, e, read);
            const twice = applyEvent(once, e);
            assert.notEqual(twice.status, 'applied');
            assert.equal(twice.call, once);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('a re-delivered event changes nothing, even after later events', () => {
      fc.assert(
        fc.property(
          scenario({ distinctTimes: false }).chain((events) => fc.tuple(fc.constant(events), fc.nat({ max: events.length - 1 }))),
          ([events, i]) => {
            const call = applyAll(events);
            const again = applyEvent(call, events[i]);
            assert.notEqual(again.status, 'applied');
            assert.equal(again.call, call);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('events of the same instant fold to the same call in any input order', () => {
      fc.assert(
        fc.property(
          scenario({ distinctTimes: false }).chain((events) => fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length }))),
          ([events, shuffled]) => {
            assert.deepEqual(content(foldEvents(identity, shuffled, read)), content(foldEvents(identity, events, read)));
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  describe('re-delivery and ties (once bugs: re-applied events moved the holder or outcome)', () => {
    it('a re-delivered answer after a transfer leaves the holder alone', () => {
      const call = applyAll([
        ev('ringing', 0, { extension: '201' }),
        ev('answered', 5, { extension: '201' }),
        ev('transferred', 20, { extension: '201', transferTo: '203' }),
      ]);
      const again = applyEvent(call, ev('answered', 5, { extension: '201' }));
      assert.equal(again.status, 'unchanged');
      assert.equal(again.call.extension, '203');
    });

    it('a re-delivered hangup of a leg that ended earlier leaves the outcome alone', () => {
      const hangupA = ev('ended', 10, { callId: 'A', cause: 'busy' });
      const call = applyAll([
        ev('ringing', 0, { callId: 'A', extension: '201' }),
        ev('ringing', 1, { callId: 'B', extension: '202' }),
        hangupA,
        ev('ended', 20, { callId: 'B', cause: 'cancel' }),
      ]);
      assert.equal(call.outcome, 'missed');
      const again = applyEvent(call, hangupA);
      assert.equal(again.status, 'unchanged');
      assert.equal(again.call.outcome, 'missed');
    });

    it('ring group legs hanging up at the same instant give one outcome whatever the order', () => {
      const a = [
        ev('ringing', 0, { callId: 'A', extension: '201' }),
        ev('ringing', 0, { callId: 'B', extension: '202' }),
        ev('ended', 10, { callId: 'A', cause: 'busy' }),
        ev('ended', 10, { callId: 'B', cause: 'cancel' }),
      ];
      const b = [a[1], a[0], a[3], a[2]];
      assert.deepEqual(content(foldEvents(identity, b, read)), content(foldEvents(identity, a, read)));
    });
  });
});

/** The journal's path for one call: apply in arrival order, refolding from all seen events when one is older. */
function live(arrival: CallEvent[]): Call {
  let call = startCall(identity, arrival[0], read);
  const seen = [arrival[0]];
  for (const e of arrival.slice(1)) {
    seen.push(e);
    if (!needsRefold(call, e)) {
      call = applyEvent(call, e).call;
      continue;
    }
    const folded = foldEvents(identity, seen, read);
    if (call.state === 'ended' && folded.state !== 'ended') continue;
    call = folded;
  }
  return call;
}

/**
 * An arrival order in which every hangup comes after every other event: all legs are known before
 * any ends, so the call cannot end early and turn later events away as late (which is by design).
 */
function arrivalOrder(events: CallEvent[]): fc.Arbitrary<CallEvent[]> {
  const ends = events.filter((e) => e.type === 'ended');
  const rest = events.filter((e) => e.type !== 'ended');
  return fc
    .tuple(fc.shuffledSubarray(rest, { minLength: rest.length }), fc.shuffledSubarray(ends, { minLength: ends.length }))
    .map(([a, b]) => [...a, ...b]);
}

const EXTENSIONS = ['201', '202', '203', '204', '205'];

/**
 * A valid call, in time order: one to three legs, each ringing, perhaps answered (and then perhaps
 * transferred), and ended. With `distinctTimes` every event gets its own millisecond, so the fold
 * order is total; without it events fall on whole seconds of a short span and collide.
 */
function scenario({ distinctTimes }: { distinctTimes: boolean }): fc.Arbitrary<CallEvent[]> {
  const leg = fc.record({
    extension: fc.constantFrom(...EXTENSIONS),
    ringAt: fc.integer({ min: 0, max: distinctTimes ? 30 : 3 }),
    answerAfter: fc.option(fc.integer({ min: 1, max: distinctTimes ? 20 : 2 })),
    talk: fc.integer({ min: 2, max: distinctTimes ? 200 : 4 }),
    cause: fc.option(fc.constantFrom(...END_CAUSES)),
    transfers: fc.array(fc.record({ to: fc.constantFrom(...EXTENSIONS), after: fc.nat(), type: fc.constantFrom<TransferType>('blind', 'attended') }), { maxLength: 2 }),
  });
  return fc
    .record({
      direction: fc.constantFrom<CallDirection>('inbound', 'outbound', 'internal'),
      queue: fc.option(fc.constantFrom('support', 'sales')),
      legs: fc.array(leg, { minLength: 1, maxLength: 3 }),
    })
    .map(({ direction, queue, legs }) => {
      const raw: Array<{ s: number; e: Omit<CallEvent, 'at' | 'key'> }> = [];
      const base = {
        linkedCallId: null as string | null,
        direction,
        from: direction === 'inbound' ? '0301111111' : '201',
        to: direction === 'outbound' ? '0302222222' : '202',
        extension: null as string | null,
        extensions: [] as string[],
        queue: null as string | null,
        labels: {} as Record<string, string>,
        cause: null as EndCause | null,
        transferTo: null as string | null,
        transferType: null as TransferType | null,
      };
      legs.forEach((l, i) => {
        const callId = `leg${i}`;
        const linkedCallId = i === 0 ? null : 'leg0';
        const common = { ...base, callId, linkedCallId };
        raw.push({ s: l.ringAt, e: { ...common, type: 'ringing', extension: l.extension, queue: i === 0 ? queue : null } });
        let endAt = l.ringAt + 1 + l.talk;
        if (l.answerAfter !== null) {
          const answerAt = l.ringAt + l.answerAfter;
          endAt = answerAt + l.talk;
          raw.push({ s: answerAt, e: { ...common, type: 'answered', extension: l.extension } });
          for (const x of l.transfers) {
            const at = answerAt + 1 + (x.after % (l.talk - 1));
            raw.push({ s: at, e: { ...common, type: 'transferred', extension: l.extension, transferTo: x.to, transferType: x.type } });
          }
        }
        raw.push({ s: endAt, e: { ...common, type: 'ended', cause: l.cause } });
      });
      // Within a leg the seconds already increase; the millisecond index only orders what shares a second.
      return raw
        .map(({ s, e }, n) => ({ ...e, at: t(s, distinctTimes ? n : 0), key: `k${n}` }))
        .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    });
}
