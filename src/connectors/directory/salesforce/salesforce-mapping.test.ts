import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mapSalesforceAccount, mapSalesforceContact, SOQL } from './salesforce-mapping.ts';

it('maps a contact: five phone fields in order, the account name as company, empty fields ignored', () => {
  assert.deepEqual(mapSalesforceContact({ Id: '003', Name: ' Anna Alle ', Phone: '1', MobilePhone: '', HomePhone: null, OtherPhone: '4', Fax: '5', Email: 'a@x.de', Account: { Name: 'Acme' } }), {
    ok: true,
    contact: { name: 'Anna Alle', company: 'Acme', kind: 'person', numbers: [{ number: '1', type: 'business' }, { number: '4', type: 'other' }, { number: '5', type: 'fax' }], emails: ['a@x.de'], notes: null },
  });
  const orphan = mapSalesforceContact({ Id: '003', Name: 'B', MobilePhone: '2', Account: null });
  assert.ok(orphan.ok);
  assert.equal(orphan.contact.company, null);
});

it('maps an account as a company with its phone as switchboard', () => {
  assert.deepEqual(mapSalesforceAccount({ Id: '001', Name: 'Acme', Phone: '1', Fax: '2' }), {
    ok: true,
    contact: { name: 'Acme', company: 'Acme', kind: 'company', numbers: [{ number: '1', type: 'business', switchboard: true }, { number: '2', type: 'fax' }], emails: [], notes: null },
  });
});

it('refuses records without a name or number', () => {
  assert.deepEqual(mapSalesforceContact({ Id: '003', Name: 'C' }), { ok: false, reason: 'no phone number' });
  assert.deepEqual(mapSalesforceAccount({ Id: '001', Name: '', Phone: '1' }), { ok: false, reason: 'no name' });
});

it('queries exactly the fields it maps', () => {
  assert.equal(SOQL.Contact, 'SELECT Id, Name, Phone, MobilePhone, HomePhone, OtherPhone, Fax, Email, Account.Name FROM Contact');
  assert.equal(SOQL.Account, 'SELECT Id, Name, Phone, Fax FROM Account');
});
