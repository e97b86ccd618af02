import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { CallActivity } from '../crm-connector.ts';
import { phoneForms } from '../phone-forms.ts';
import { bestMatch, phoneSearch, taskFor, unknownAccountName } from './salesforce-mapping.ts';
import { salesforceType } from './salesforce-connector.ts';

const activity = (over: Partial<CallActivity> = {}): CallActivity => ({
  callId: '0194-abc', kind: 'inbound_missed', direction: 'inbound', answered: false, number: '+49301234567', forms: phoneForms('+49301234567'), from: '+49301234567', to: '+49302000100',
  extension: '201', crmUserId: '005A', callerName: null, startedAt: '2026-11-23T23:59:00.000Z', answeredAt: null, endedAt: '2026-11-24T00:00:20.000Z', durationSeconds: 0,
  hangupCause: 'noAnswer', language: 'de', journalUnknown: true, createAccountForUnknown: true, ...over,
});

it('searches every written form of the number, reserved characters escaped', () => {
  assert.equal(
    phoneSearch(phoneForms('+49301234567')),
    'FIND {"\\+49301234567" OR "\\+49 30 1234567" OR "030 1234567" OR "0301234567" OR "0049301234567"} IN PHONE FIELDS RETURNING Contact(Id, Name, FirstName, LastName, Email, AccountId, Account.Name), Account(Id, Name)',
  );
});

it('a Task in the connection language, on the account, owned by the mapped user, dated by its end (UTC)', () => {
  const account = { id: '001X', kind: 'Account', name: 'Müller GmbH', firstName: null, lastName: null, company: 'Müller GmbH', email: null, accountId: '001X' };
  const task = taskFor(activity(), account, '001X');
  assert.deepEqual(
    [task.Subject, task.CallType, task.CallDurationInSeconds, task.ActivityDate, task.OwnerId, task.WhatId, task.WhoId, task.CallObject, task.Status],
    ['Verpasster Anruf von Müller GmbH', 'Inbound', 0, '2026-11-24', '005A', '001X', undefined, 'callbridge:0194-abc', 'Completed'],
  );
  assert.equal(taskFor(activity({ language: 'en', kind: 'outbound_answered', direction: 'outbound' }), null, null).Subject, 'Call to +49 30 1234567');
  assert.equal(unknownAccountName(activity()), 'Anrufer +49 30 1234567');
  assert.equal(unknownAccountName(activity({ language: 'en' })), 'Caller +49 30 1234567');
});

it('prefers a Contact to an Account in search results', () => {
  const records = [
    { attributes: { type: 'Account' }, Id: '001A', Name: 'Acme' },
    { attributes: { type: 'Contact' }, Id: '003C', Name: 'Ada Lovelace', AccountId: '001A', Account: { Name: 'Acme' } },
  ];
  assert.deepEqual(bestMatch(records), { id: '003C', kind: 'Contact', name: 'Ada Lovelace', firstName: null, lastName: null, company: 'Acme', email: null, accountId: '001A' });
  assert.equal(bestMatch([]), null);
});

it('options: the password flow needs username and password; unknown options are named', () => {
  const base = { loginUrl: 'https://login.salesforce.com', clientId: 'id', clientSecret: 's' };
  assert.deepEqual(salesforceType.check({ ...base, username: 'u' }), { ok: false, field: '/password', message: 'password is required for auth=password' });
  assert.equal(salesforceType.check({ ...base, auth: 'client_credentials' }).ok, true);
  const extra = salesforceType.check({ ...base, auth: 'client_credentials', colour: 'red' });
  assert.equal(extra.ok === false && extra.field, '/colour');
});
