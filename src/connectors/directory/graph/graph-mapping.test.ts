import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mapGraphRecord } from './graph-mapping.ts';

it('maps a user: business phones, mobile, fax; trims and de-duplicates', () => {
  assert.deepEqual(mapGraphRecord('users', { id: '1', displayName: ' Anna ', companyName: '', mail: 'a@x.de', businessPhones: ['+49 1', ' +49 1 ', ''], mobilePhone: '+49 2', faxNumber: null }), {
    ok: true,
    contact: { name: 'Anna', company: null, kind: 'person', numbers: [{ number: '+49 1', type: 'business' }, { number: '+49 2', type: 'mobile' }], emails: ['a@x.de'], notes: null },
  });
});

it('maps orgContact phone types, unknown ones as other', () => {
  const mapped = mapGraphRecord('contacts', { id: '2', givenName: 'Bo', surname: 'Berg', phones: [{ type: 'assistant', number: '1' }, { type: 'businessFax', number: '2' }, { type: null, number: '3' }] });
  assert.ok(mapped.ok);
  assert.equal(mapped.contact.name, 'Bo Berg');
  assert.deepEqual(mapped.contact.numbers.map((n) => n.type), ['other', 'fax', 'other']);
});

it('falls back to the company as the name, keeps notes only from mailbox contacts', () => {
  const mailbox = mapGraphRecord('mailbox', { id: '3', companyName: 'Fabrikam', businessPhones: ['1'], personalNotes: 'note', emailAddresses: [{ address: 'f@x.de' }, { address: 'f@x.de' }] });
  assert.ok(mailbox.ok);
  assert.deepEqual([mailbox.contact.name, mailbox.contact.notes, mailbox.contact.emails], ['Fabrikam', 'note', ['f@x.de']]);
  const user = mapGraphRecord('users', { id: '4', displayName: 'X', businessPhones: ['1'], personalNotes: 'ignored' });
  assert.equal(user.ok && user.contact.notes, null);
});

it('refuses records without a name or without a number', () => {
  assert.deepEqual(mapGraphRecord('users', { id: '5', businessPhones: ['1'] }), { ok: false, reason: 'no name (displayName, givenName and surname are empty)' });
  assert.deepEqual(mapGraphRecord('users', { id: '6', displayName: 'Y', businessPhones: [] }), { ok: false, reason: 'no phone number' });
});
