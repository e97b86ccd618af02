import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readContactNumber } from '../contacts/contact-number.ts';
import { hashSource, mapSourceRecord, type SourceFields } from './synced-contact.ts';

const numbering = { defaultCountry: 'DE', areaCode: '30' };
const read = (raw: string, type: Parameters<typeof readContactNumber>[1], switchboard: boolean | undefined) => readContactNumber(raw, type, switchboard, numbering);
const base: SourceFields = { name: '  Anna   Alt ', company: 'Alt GmbH', kind: 'person', numbers: [{ number: '030 1111111', type: 'business' }], emails: ['anna@alt.example'], notes: 'VIP' };

describe('mapSourceRecord', () => {
  it('reads numbers under the tenant settings and cleans the fields', () => {
    const m = mapSourceRecord({ ...base, numbers: [{ number: '1111111', type: 'business' }, { number: '+49 89 445566-0', type: 'business' }] }, read);
    assert.ok(m.ok);
    assert.equal(m.fields.name, 'Anna Alt');
    assert.deepEqual(m.fields.numbers.map((n) => [n.e164, n.switchboard]), [['+49301111111', false], ['+49894455660', true]]);
  });

  it('refuses a record without name or readable number, naming why', () => {
    assert.deepEqual(mapSourceRecord({ ...base, name: ' ' }, read), { ok: false, reason: 'no name' });
    assert.deepEqual(mapSourceRecord({ ...base, numbers: [] }, read), { ok: false, reason: 'no phone number' });
    assert.deepEqual(mapSourceRecord({ ...base, numbers: [{ number: 'n/a', type: 'business' }] }, read), { ok: false, reason: 'no usable phone number ("n/a" cannot be read)' });
  });

  it('keeps an unreadable number beside a readable one, drops repeated numbers and bad e-mails, bounds lengths', () => {
    const m = mapSourceRecord(
      { ...base, name: 'x'.repeat(300), numbers: [{ number: '030 1111111', type: 'business' }, { number: '+49 30 1111111', type: 'mobile' }, { number: '201', type: 'other' }], emails: ['no mail', 'a@b.example', 'a@b.example'], notes: 'n'.repeat(5000) },
      read,
    );
    assert.ok(m.ok);
    assert.equal(m.fields.name.length, 200);
    assert.equal(m.fields.notes?.length, 4000);
    assert.deepEqual(m.fields.numbers.map((n) => [n.raw, n.e164]), [['030 1111111', '+49301111111'], ['201', null]]);
    assert.deepEqual(m.fields.emails, ['a@b.example']);
  });
});

describe('hashSource', () => {
  it('is equal for equal records and differs for another record id, any change, an emptied field, or other numbering settings', () => {
    const h = hashSource('r1', base, 'DE/30');
    assert.equal(hashSource('r1', structuredClone(base), 'DE/30'), h);
    assert.notEqual(hashSource('r1', { ...base, notes: null }, 'DE/30'), h);
    assert.notEqual(hashSource('r1', { ...base, emails: [] }, 'DE/30'), h);
    assert.notEqual(hashSource('r1', { ...base, numbers: [{ number: '030 1111111', type: 'mobile' }] }, 'DE/30'), h);
    assert.notEqual(hashSource('r1', { ...base, numbers: [{ number: '030 1111111', type: 'business', switchboard: true }] }, 'DE/30'), h);
    assert.notEqual(hashSource('r1', base, 'DE/89'), h);
    // Two records with the same content never share a hash (core KnownRecords relies on it).
    assert.notEqual(hashSource('r2', base, 'DE/30'), h);
    // Field boundaries are kept: moving text from one field to the next is a change.
    assert.notEqual(hashSource('r1', { ...base, name: 'Anna Alt GmbH', company: '' }, 'DE/30'), hashSource('r1', { ...base, name: 'Anna Alt', company: ' GmbH' }, 'DE/30'));
  });
});
