/**
 * The phonebook through the API on both databases: contacts, synced entries read-only with copy to
 * manual, personal contacts, lookup in every written form, CNAM, and calls enriched at ringing.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createApiKey } from '../src/auth/api-keys.ts';
import { forEachDialect } from './support/databases.ts';
import { auth, inboundAnswered, openApp, type TestApp } from './support/app.ts';

forEachDialect('phonebook', (dialect) => {
  let t: TestApp;
  let anna: string;
  before(async () => {
    t = await openApp(dialect);
    await t.store.users.upsertMany('default', [{ extension: '201', name: 'Anna', email: null }, { extension: '202', name: 'Max', email: null }], new Date().toISOString());
    anna = (await createApiKey(t.store, { tenantId: 'default', role: 'agent', name: 'anna', extension: '201' })).key;
  });
  after(() => t.close());

  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, key = t.keys.admin) =>
    t.app.inject({ method, url, headers: auth(key), ...(payload === undefined ? {} : { payload: payload as object }) });
  const lookup = async (number: string, key = t.keys.admin) => (await api('GET', `/api/v1/lookup?number=${encodeURIComponent(number)}`, undefined, key)).json();

  it('creates contacts, validates them, and finds them in every written form', async () => {
    const created = await api('POST', '/api/v1/contacts', {
      name: 'Erika Mustermann',
      company: 'Muster GmbH',
      numbers: [{ number: '030 1234567', type: 'business' }, { number: '0171 9876543', type: 'mobile' }],
      emails: ['erika@muster.example'],
    });
    assert.equal(created.statusCode, 201, created.body);
    const erika = created.json();
    assert.equal(erika.badge, 'M');
    assert.equal(erika.numbers[0].e164, '+49301234567');
    for (const form of ['+49 30 1234567', '0049301234567', '030/1234567', '030-123 45 67', '+49 (0)30 1234567', '030.1234567', '1234567', '+491719876543']) {
      const r = await lookup(form);
      assert.equal(r.match?.contactId, erika.id, form);
      assert.equal(r.match.matchType, 'exact');
    }
    for (const near of ['030 1234568', '030 123456', '+49 30 12345678']) assert.equal((await lookup(near)).match, null, near);
    assert.deepEqual(await lookup('anonymous'), { number: null, match: null, candidates: [] });

    const bad = await api('POST', '/api/v1/contacts', { name: 'X', numbers: [{ number: 'call me' }] });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().field, '/numbers/0/number');
    const badType = await api('POST', '/api/v1/contacts', { name: 'X', numbers: [{ number: '030 1', type: 'pager' }] });
    assert.equal(badType.statusCode, 400);

    const search = await api('GET', '/api/v1/contacts?q=muster');
    assert.deepEqual(search.json().items.map((c: any) => c.id), [erika.id]);
    assert.equal((await api('GET', '/api/v1/contacts?q=9876543')).json().items.length, 1);
  });

  it('recognizes unknown extensions of a switchboard as the company, and exact numbers first', async () => {
    const company = (await api('POST', '/api/v1/contacts', { name: 'ACME AG', company: 'ACME AG', kind: 'company', numbers: [{ number: '+49 89 445566-0' }] })).json();
    const person = (await api('POST', '/api/v1/contacts', { name: 'Otto Direkt', company: 'ACME AG', numbers: [{ number: '+49 89 445566 123' }] })).json();
    const viaSwitchboard = await lookup('089 445566 77');
    assert.equal(viaSwitchboard.match.contactId, company.id);
    assert.equal(viaSwitchboard.match.matchType, 'company');
    assert.equal((await lookup('+49 89 445566123')).match.contactId, person.id);
    assert.equal((await lookup('+49 89 4455660')).match.contactId, company.id);
  });

  it('keeps synced entries read-only, copies them to manual entries, and lists every candidate', async () => {
    const now = new Date().toISOString();
    await t.store.contacts.save({
      id: 'synced-1', tenantId: 'default', ownerUserId: null, kind: 'person', name: 'Sync Person', company: 'CRM Corp',
      numbers: [{ raw: '+49 40 555000', e164: '+4940555000', type: 'business', switchboard: false }],
      emails: [], notes: null, origin: 'synced', sourceId: 'crm', sourceRecordId: '42', forwardingTarget: false, createdAt: now, updatedAt: now,
    });
    await t.deps.phonebook.refresh();
    assert.equal((await lookup('040 555000')).match.contactId, 'synced-1');
    const edit = await api('PATCH', '/api/v1/contacts/synced-1', { name: 'Changed' });
    assert.equal(edit.statusCode, 409);
    assert.equal(edit.json().code, 'CB_CONFLICT');
    assert.equal((await api('PATCH', '/api/v1/contacts/synced-1', { forwardingTarget: true })).statusCode, 409);
    const copy = await api('POST', '/api/v1/contacts/synced-1/copy');
    assert.equal(copy.statusCode, 201, copy.body);
    assert.equal(copy.json().badge, 'M');
    const both = await lookup('040 555000');
    assert.equal(both.candidates.length, 2);
    assert.equal(both.match.contactId, copy.json().id, 'manual beats synced');
    const forwarding = await api('PATCH', `/api/v1/contacts/${copy.json().id}`, { forwardingTarget: true });
    assert.equal(forwarding.json().forwardingTarget, true);
  });

  it('shows personal contacts to their owner only, first for calls to their extension', async () => {
    const mine = await api('POST', '/api/v1/contacts', { name: 'Annas Zahnarzt', numbers: [{ number: '030 7777777' }], personal: true }, anna);
    assert.equal(mine.statusCode, 201, mine.body);
    assert.equal((await lookup('030 7777777', anna)).match?.contactId, mine.json().id);
    assert.equal((await lookup('030 7777777')).match, null, 'the admin (no extension) does not see it');
    const forAnna = await api('GET', '/api/v1/lookup?number=0307777777&extension=201');
    assert.equal(forAnna.json().match?.contactId, mine.json().id);
    assert.equal((await api('GET', `/api/v1/contacts/${mine.json().id}`)).statusCode, 404);
    const agentCompany = await api('POST', '/api/v1/contacts', { name: 'Y', numbers: [{ number: '+49 30 1111111' }] }, t.keys.otherTenantAdmin);
    assert.equal(agentCompany.statusCode, 201, agentCompany.body);

    assert.equal((await lookup('030 1111111')).match, null, 'tenants do not share phonebooks');
  });

  it('answers CNAM as plain text and enriches new calls with the caller', async () => {
    const cnam = await t.app.inject({ method: 'GET', url: `/api/v1/cnam?number=%2B49301234567&key=${t.keys.ingest}` });
    assert.equal(cnam.statusCode, 200);
    assert.match(cnam.headers['content-type'] as string, /^text\/plain/);
    assert.equal(cnam.body, 'Erika Mustermann (Muster GmbH)');
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/cnam?number=0309999999&key=${t.keys.ingest}` })).body, '');
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/cnam?number=0309999999&key=nope' })).statusCode, 401);

    const posted = await t.app.inject({ method: 'POST', url: '/api/v1/events', headers: { ...auth(t.keys.ingest), 'content-type': 'application/json' }, payload: inboundAnswered('enriched-1') });
    assert.equal(posted.statusCode, 200);
    const call = (await api('GET', '/api/v1/calls?number=%2B49301234567')).json().items.find((c: any) => c.pbxCallId === 'enriched-1');
    assert.equal(call.caller?.name, 'Erika Mustermann');
    assert.equal(call.caller?.company, 'Muster GmbH');
    assert.equal(call.caller?.matchType, 'exact');
  });
});
