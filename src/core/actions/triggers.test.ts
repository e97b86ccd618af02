import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Call } from '../calls/call.ts';
import type { CallEvent } from '../calls/call-event.ts';
import { applyEvent, startCall } from '../calls/lifecycle.ts';
import { numberReader } from '../phone-numbers/phone-number.ts';
import { TRIGGER_DIRECTIONS, TRIGGER_RESULTS, type ActionTrigger } from './action.ts';
import { occurrenceOf, triggerMatches } from './triggers.ts';
import { CALL_KINDS } from '../calls/call.ts';

const read = numberReader({ defaultCountry: 'DE', areaCode: '30' });

type Shape = { direction: 'inbound' | 'outbound' | 'internal'; from: string; to: string; extension: string; queue?: string };

function event(shape: Shape, type: CallEvent['type'], at: number, extra: Partial<CallEvent> = {}): CallEvent {
  return {
    type,
    callId: 'c1',
    linkedCallId: null,
    direction: shape.direction,
    from: shape.from,
    to: shape.to,
    extension: shape.extension,
    extensions: [],
    queue: shape.queue ?? null,
    labels: {},
    cause: type === 'ended' ? 'normal' : null,
    transferTo: null,
    transferType: null,
    at: new Date(Date.UTC(2026, 0, 1, 10, 0, at)).toISOString(),
    key: `${type}-${at}`,
    ...extra,
  };
}

/** Runs ringing → answered → ended and returns each change (before, after, event). */
function lifecycle(shape: Shape): Record<'ringing' | 'answered' | 'hangup', { before: Call | undefined; call: Call; event: CallEvent }> {
  const ring = event(shape, 'ringing', 0);
  const c1 = startCall({ id: 'id1', tenantId: 't', pbxCallId: 'c1' }, ring, read);
  const ans = event(shape, 'answered', 5);
  const c2 = applyEvent(c1, ans).call;
  const end = event(shape, 'ended', 60);
  const c3 = applyEvent(c2, end).call;
  return { ringing: { before: undefined, call: c1, event: ring }, answered: { before: c1, call: c2, event: ans }, hangup: { before: c2, call: c3, event: end } };
}

const SHAPES = {
  'inbound direct': { direction: 'inbound', from: '030 1234567', to: '+49 30 999000', extension: '201' },
  'inbound queue': { direction: 'inbound', from: '030 1234567', to: '+49 30 999000', extension: '201', queue: 'support' },
  'outbound direct': { direction: 'outbound', from: '201', to: '0171 9876543', extension: '201' },
  'internal 201→202': { direction: 'internal', from: '201', to: '202', extension: '202' },
} satisfies Record<string, Shape>;

/** Every trigger of the matrix, named direction/result/type. */
const TRIGGERS: Array<[string, ActionTrigger]> = [];
for (const direction of TRIGGER_DIRECTIONS) {
  for (const result of TRIGGER_RESULTS) {
    for (const type of CALL_KINDS) TRIGGERS.push([`${direction}/${result}/${type}`, { mode: 'automatic', direction, results: [result], callTypes: [type] }]);
  }
}

/** scenario (shape, result, extension) → exactly the triggers that start. Written out case by case. */
const EXPECTED: Array<[keyof typeof SHAPES, 'ringing' | 'answered' | 'hangup', string, string[]]> = [
  ['inbound direct', 'ringing', '201', ['inbound/ringing/direct', 'both/ringing/direct']],
  ['inbound direct', 'answered', '201', ['inbound/answered/direct', 'both/answered/direct']],
  ['inbound direct', 'hangup', '201', ['inbound/hangup/direct', 'both/hangup/direct']],
  ['inbound queue', 'ringing', '201', ['inbound/ringing/queue', 'both/ringing/queue']],
  ['inbound queue', 'answered', '201', ['inbound/answered/queue', 'both/answered/queue']],
  ['inbound queue', 'hangup', '201', ['inbound/hangup/queue', 'both/hangup/queue']],
  ['outbound direct', 'ringing', '201', ['outbound/ringing/direct', 'both/ringing/direct']],
  ['outbound direct', 'answered', '201', ['outbound/answered/direct', 'both/answered/direct']],
  ['outbound direct', 'hangup', '201', ['outbound/hangup/direct', 'both/hangup/direct']],
  ['internal 201→202', 'ringing', '201', ['outbound/ringing/internal', 'both/ringing/internal']],
  ['internal 201→202', 'answered', '201', ['outbound/answered/internal', 'both/answered/internal']],
  ['internal 201→202', 'hangup', '201', ['outbound/hangup/internal', 'both/hangup/internal']],
  ['internal 201→202', 'ringing', '202', ['inbound/ringing/internal', 'both/ringing/internal']],
  ['internal 201→202', 'answered', '202', ['inbound/answered/internal', 'both/answered/internal']],
  ['internal 201→202', 'hangup', '202', ['inbound/hangup/internal', 'both/hangup/internal']],
];

describe('trigger matrix: direction × result × call type', () => {
  for (const [shape, result, ext, expected] of EXPECTED) {
    it(`${shape}, ${result}, seen from ${ext}`, () => {
      const change = lifecycle(SHAPES[shape])[result];
      const occurrence = occurrenceOf(change.before, change.call, change.event);
      assert.ok(occurrence, 'the change is an occurrence');
      assert.equal(occurrence.result, result);
      assert.ok(occurrence.extensions.includes(ext), `${ext} in ${occurrence.extensions.join(',')}`);
      const fired = TRIGGERS.filter(([, t]) => triggerMatches(t, change.call, occurrence.result, ext)).map(([n]) => n);
      assert.deepEqual(fired.sort(), [...expected].sort());
    });
  }

  it('a manual trigger never starts by itself', () => {
    const change = lifecycle(SHAPES['inbound direct']).answered;
    assert.equal(triggerMatches({ mode: 'manual' }, change.call, 'answered', '201'), false);
  });

  it('a trigger with several results and types starts on each of them', () => {
    const t: ActionTrigger = { mode: 'automatic', direction: 'both', results: ['ringing', 'hangup'], callTypes: ['direct', 'queue'] };
    const q = lifecycle(SHAPES['inbound queue']);
    assert.equal(triggerMatches(t, q.ringing.call, 'ringing', '201'), true);
    assert.equal(triggerMatches(t, q.answered.call, 'answered', '201'), false);
    assert.equal(triggerMatches(t, q.hangup.call, 'hangup', '201'), true);
    const i = lifecycle(SHAPES['internal 201→202']);
    assert.equal(triggerMatches(t, i.ringing.call, 'ringing', '202'), false);
  });
});

describe('occurrences', () => {
  const shape = SHAPES['inbound direct'];
  it('a ring group rings each extension once; a re-ring is no new occurrence', () => {
    const first = event(shape, 'ringing', 0, { extension: null, extensions: ['201', '202'] });
    const c1 = startCall({ id: 'id', tenantId: 't', pbxCallId: 'c1' }, first, read);
    assert.deepEqual(occurrenceOf(undefined, c1, first), { result: 'ringing', extensions: ['201', '202'] });
    const again = event(shape, 'ringing', 3, { extension: '202', key: 'r2' });
    const c2 = applyEvent(c1, again).call;
    assert.equal(occurrenceOf(c1, c2, again), null);
    const third = event(shape, 'ringing', 4, { extension: '203', key: 'r3' });
    assert.deepEqual(occurrenceOf(c2, applyEvent(c2, third).call, third), { result: 'ringing', extensions: ['203'] });
  });

  it('a leg that stops ringing is no hangup; the end of the call is one, for every extension it touched', () => {
    const ring = event(shape, 'ringing', 0, { extension: null, extensions: ['201', '202'] });
    const c1 = startCall({ id: 'id', tenantId: 't', pbxCallId: 'c1' }, ring, read);
    const ans = event(shape, 'answered', 2, { callId: 'leg-202', linkedCallId: 'c1', extension: '202' });
    const c2 = applyEvent(c1, ans).call;
    const leg201Gone = event(shape, 'ended', 2, { callId: 'leg-201', linkedCallId: 'c1', extension: '201', cause: 'cancel', key: 'e201' });
    const c3 = applyEvent(c2, leg201Gone).call;
    assert.notEqual(c3.state, 'ended');
    assert.equal(occurrenceOf(c2, c3, leg201Gone), null);
    const rest = [event(shape, 'ended', 90, { key: 'end' }), event(shape, 'ended', 91, { callId: 'leg-202', linkedCallId: 'c1', extension: '202', key: 'end2' })];
    const occurrences = [];
    let call = c3;
    for (const e of rest) {
      const next = applyEvent(call, e).call;
      occurrences.push(occurrenceOf(call, next, e));
      call = next;
    }
    assert.equal(call.state, 'ended');
    const hangups = occurrences.filter((o) => o !== null);
    assert.equal(hangups.length, 1, 'exactly one change ends the call');
    assert.equal(hangups[0]!.result, 'hangup');
    assert.deepEqual([...hangups[0]!.extensions].sort(), ['201', '202']);
  });

  it('a transfer is no occurrence', () => {
    const { answered } = lifecycle(shape);
    const transfer = event(shape, 'transferred', 30, { transferTo: '203', transferType: 'blind' });
    assert.equal(occurrenceOf(answered.call, applyEvent(answered.call, transfer).call, transfer), null);
  });
});
