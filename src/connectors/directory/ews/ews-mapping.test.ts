import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mapEwsContact } from './ews-mapping.ts';

const item = { id: 'x', displayName: null, givenName: null, surname: null, companyName: null, phones: [], emails: [] };

it('names a contact by display name, else given name and surname, else company', () => {
  const phones = [{ key: 'BusinessPhone', number: '1' }];
  assert.equal(mapEwsContact({ ...item, displayName: ' D ', givenName: 'G', phones }).ok && 'D', 'D');
  const byParts = mapEwsContact({ ...item, givenName: 'G', surname: 'S', phones });
  assert.equal(byParts.ok && byParts.contact.name, 'G S');
  const byCompany = mapEwsContact({ ...item, companyName: 'Acme', phones });
  assert.equal(byCompany.ok && byCompany.contact.name, 'Acme');
});

it('orders numbers by kind, drops pager/telex and duplicates, strips smtp: from addresses', () => {
  const mapped = mapEwsContact({
    ...item, displayName: 'A',
    phones: [{ key: 'Pager', number: '9' }, { key: 'HomePhone', number: '3' }, { key: 'BusinessPhone', number: '1' }, { key: 'BusinessPhone2', number: '1' }, { key: 'Telex', number: '8' }],
    emails: ['smtp:a@x.de', 'a@x.de'],
  });
  assert.ok(mapped.ok);
  assert.deepEqual(mapped.contact.numbers, [{ number: '1', type: 'business' }, { number: '3', type: 'home' }]);
  assert.deepEqual(mapped.contact.emails, ['a@x.de']);
});

it('refuses items without a name or number', () => {
  assert.deepEqual(mapEwsContact({ ...item, displayName: 'A', phones: [{ key: 'Telex', number: '8' }] }), { ok: false, reason: 'no phone number' });
  assert.deepEqual(mapEwsContact({ ...item, phones: [{ key: 'BusinessPhone', number: '1' }] }), { ok: false, reason: 'no name' });
});
