import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Call } from '../../core/calls/call.ts';
import { DEFAULT_JOURNAL_RULES, type CrmUserMapping } from '../../storage/repositories/crm-repository.ts';
import { activityFor } from './crm-activity.ts';

const n = (raw: string, e164: string | null = null) => ({ raw, e164, withheld: raw === 'anonymous' });
function ended(over: Partial<Call>): Call {
  return {
    id: 'c1', tenantId: 't', pbxCallId: 'p1', direction: 'inbound', kind: 'direct', from: n('0301234567', '+49301234567'), to: n('+49302000100', '+49302000100'),
    did: null, queue: null, labels: {}, state: 'ended', outcome: 'answered', hangupCause: 'normal', answeredBy: '201', extension: '201', extensionsRang: ['201'],
    startedAt: '2026-11-23T09:00:00.000Z', answeredAt: '2026-11-23T09:00:05.000Z', endedAt: '2026-11-23T09:02:05.000Z', ringSeconds: 5, talkSeconds: 120,
    transfers: [], legs: [], caller: null, version: 3, lastEventAt: '2026-11-23T09:02:05.000Z', updatedAt: '2026-11-23T09:02:05.000Z', ...over,
  };
}
const mappings = (...m: CrmUserMapping[]) => new Map(m.map((x) => [x.extension, x]));

it('an answered inbound call belongs to the extension that answered, with its talk time', () => {
  const a = activityFor(ended({}), DEFAULT_JOURNAL_RULES, mappings({ extension: '201', crmUserId: 'U1', logCalls: 'both' }))!;
  assert.deepEqual([a.kind, a.extension, a.crmUserId, a.durationSeconds, a.number, a.forms.national], ['inbound_answered', '201', 'U1', 120, '+49301234567', '030 1234567']);
});

it('a missed ring-group call goes to the first rung user who logs lost calls', () => {
  const call = ended({ outcome: 'missed', answeredBy: null, extensionsRang: ['202', '203'], talkSeconds: null });
  const a = activityFor(call, DEFAULT_JOURNAL_RULES, mappings({ extension: '202', crmUserId: 'U2', logCalls: 'answered' }, { extension: '203', crmUserId: 'U3', logCalls: 'lost' }))!;
  assert.deepEqual([a.kind, a.extension, a.crmUserId, a.durationSeconds, a.answered], ['inbound_missed', '203', 'U3', 0, false]);
});

it('keeps out what the rules exclude: missed calls off, internal calls, users who do not log this kind, unmapped extensions when off', () => {
  const m = mappings({ extension: '201', crmUserId: 'U1', logCalls: 'lost' });
  assert.equal(activityFor(ended({}), DEFAULT_JOURNAL_RULES, m), null, 'U1 logs lost calls only');
  assert.equal(activityFor(ended({ outcome: 'missed' }), { ...DEFAULT_JOURNAL_RULES, missedCalls: false }, m), null);
  assert.equal(activityFor(ended({ direction: 'internal' }), DEFAULT_JOURNAL_RULES, m), null);
  assert.equal(activityFor(ended({ state: 'answered' }), DEFAULT_JOURNAL_RULES, m), null);
  assert.equal(activityFor(ended({ answeredBy: '299', extension: '299' }), { ...DEFAULT_JOURNAL_RULES, unmappedExtensions: false }, m), null);
  const unmapped = activityFor(ended({ answeredBy: '299', extension: '299' }), DEFAULT_JOURNAL_RULES, m)!;
  assert.deepEqual([unmapped.extension, unmapped.crmUserId], ['299', null]);
  assert.equal(activityFor(ended({ from: n('anonymous') }), { ...DEFAULT_JOURNAL_RULES, unknownCallers: false }, m), null);
});

it('an outbound call not answered is about the number dialled', () => {
  const call = ended({ direction: 'outbound', from: n('201'), to: n('0891234', '+49891234'), outcome: 'missed', answeredBy: null, talkSeconds: null });
  const a = activityFor(call, DEFAULT_JOURNAL_RULES, mappings({ extension: '201', crmUserId: 'U1', logCalls: 'both' }))!;
  assert.deepEqual([a.kind, a.number, a.from, a.to, a.crmUserId], ['outbound_not_answered', '+49891234', '201', '+49891234', 'U1']);
});
