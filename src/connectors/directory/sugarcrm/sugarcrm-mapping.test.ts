import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mapSugarRecord } from './sugarcrm-mapping.ts';

it('maps a contact: first and last name, the five phone fields, primary e-mail first, invalid ones dropped', () => {
  assert.deepEqual(
    mapSugarRecord('Contacts', {
      id: 'c', name: 'ignored', first_name: 'Anna', last_name: 'Alle', account_name: 'Acme', phone_work: '1', phone_mobile: '2', phone_home: '', phone_other: '4', phone_fax: '5',
      email1: 'a@x.de', email: [{ email_address: 'b@x.de', primary_address: '0' }, { email_address: 'bad@x.de', invalid_email: '1' }, { email_address: 'a@x.de', primary_address: '1' }],
    }),
    {
      ok: true,
      contact: { name: 'Anna Alle', company: 'Acme', kind: 'person', numbers: [{ number: '1', type: 'business' }, { number: '2', type: 'mobile' }, { number: '4', type: 'other' }, { number: '5', type: 'fax' }], emails: ['a@x.de', 'b@x.de'], notes: null },
    },
  );
});

it('falls back to name for a contact without first and last name', () => {
  const mapped = mapSugarRecord('Contacts', { id: 'c', name: 'Dr. X', phone_mobile: '2' });
  assert.equal(mapped.ok && mapped.contact.name, 'Dr. X');
});

it('maps an account: office number as switchboard, alternate, fax', () => {
  assert.deepEqual(mapSugarRecord('Accounts', { id: 'a', name: 'Acme', phone_office: '1', phone_alternate: '2', phone_fax: '3', email: [] }), {
    ok: true,
    contact: { name: 'Acme', company: 'Acme', kind: 'company', numbers: [{ number: '1', type: 'business', switchboard: true }, { number: '2', type: 'business' }, { number: '3', type: 'fax' }], emails: [], notes: null },
  });
});

it('refuses records without a name or number', () => {
  assert.deepEqual(mapSugarRecord('Accounts', { id: 'a', name: 'Acme' }), { ok: false, reason: 'no phone number' });
  assert.deepEqual(mapSugarRecord('Contacts', { id: 'c', phone_work: '1' }), { ok: false, reason: 'no name' });
});
