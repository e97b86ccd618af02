/**
 * The cloud/CRM source types through the HTTP API: listed with their option schemas, created with
 * their secrets sealed and never returned, synced with "sync now", and a refused login shown on the
 * source as a readable error without the password.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { auth, openApp, type TestApp } from './support/app.ts';
import { forEachDialect } from './support/databases.ts';
import { EwsSimulator } from './simulators/ews/ews-simulator.ts';
import { GraphSimulator } from './simulators/graph/graph-simulator.ts';
import { SalesforceSimulator } from './simulators/salesforce/salesforce-simulator.ts';
import { SugarSimulator } from './simulators/sugarcrm/sugarcrm-simulator.ts';

forEachDialect('cloud and CRM sources through the API', (dialect) => {
  let t: TestApp;
  const graph = new GraphSimulator({ tenantId: 't1', clientId: 'app', clientSecret: 'graph-secret-1' });
  const salesforce = new SalesforceSimulator();
  const sugar = new SugarSimulator();
  const ews = new EwsSimulator();
  const bodies: Record<string, Record<string, unknown>> = {};

  before(async () => {
    t = await openApp(dialect);
    // The simulators listen on loopback, which the guard refuses unless the tenant allow-lists it.
    const allowed = await t.app.inject({ method: 'PATCH', url: '/api/v1/settings', headers: auth(t.keys.admin), payload: { deliveryAllowList: ['127.0.0.1'] } });
    assert.equal(allowed.statusCode, 200, allowed.body);
    const urls = await graph.start();
    graph.upsertUser({ id: 'u1', displayName: 'Graph User', businessPhones: ['+49 30 111'] });
    salesforce.users.push({ username: 'sf@acme.example', password: 'sf-pass-1', securityToken: 'TOKEN1', apiEnabled: true });
    salesforce.contacts.set('0031', { Id: '0031', FirstName: 'Sales', LastName: 'Force', Phone: '+49 30 222' });
    sugar.users.set('sync', 'sugar-pass-1');
    sugar.platforms.add('callbridge');
    sugar.modules.Accounts.set('a1', { id: 'a1', name: 'Sugar GmbH', phone_office: '+49 30 333' });
    ews.users.set('empfang@example.com', 'ews-pass-1');
    ews.mailboxes.set('empfang@example.com', { readers: [], contacts: [{ id: 'AAMk1', displayName: 'EWS Kontakt', phones: { BusinessPhone: '+49 30 444' } }] });
    bodies['microsoft-365'] = { tenantId: 't1', clientId: 'app', clientSecret: 'graph-secret-1', orgContacts: false, ...urls };
    bodies.salesforce = { loginUrl: await salesforce.start(), username: 'sf@acme.example', password: 'sf-pass-1', securityToken: 'TOKEN1' };
    bodies.sugarcrm = { url: await sugar.start(), username: 'sync', password: 'sugar-pass-1' };
    bodies['exchange-ews'] = { url: await ews.start(), username: 'empfang@example.com', password: 'ews-pass-1' };
  });
  after(async () => {
    await t.close();
    await Promise.all([graph.stop(), salesforce.stop(), sugar.stop(), ews.stop()]);
  });

  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: auth(t.keys.admin), ...(payload ? { payload } : {}) });

  async function syncNow(id: string): Promise<Record<string, any>> {
    const started = await api('POST', `/api/v1/sources/${id}/sync`);
    assert.equal(started.statusCode, 202, started.body);
    await t.deps.sync.active(id)?.done;
    return (await api('GET', `/api/v1/sources/${id}`)).json();
  }

  it('lists the four types, creates each with its secrets hidden, and syncs it', async () => {
    const types = (await api('GET', '/api/v1/sources')).json().types.map((x: { type: string }) => x.type);
    for (const type of ['microsoft-365', 'salesforce', 'sugarcrm', 'exchange-ews']) assert.ok(types.includes(type), `${type} in ${types}`);

    const expected: Record<string, string> = { 'microsoft-365': 'Graph User', salesforce: 'Sales Force', sugarcrm: 'Sugar GmbH', 'exchange-ews': 'EWS Kontakt' };
    for (const [type, body] of Object.entries(bodies)) {
      const created = await api('POST', '/api/v1/sources', { type, name: type, interval: 'off', ...body });
      assert.equal(created.statusCode, 201, created.body);
      assert.doesNotMatch(created.body, /secret-1|pass-1|TOKEN1/);
      const source = await syncNow(created.json().id);
      assert.equal(source.status.lastError, null, JSON.stringify(source.status));
      assert.equal(source.status.lastReport.added, 1, type);
      const found = (await api('GET', `/api/v1/contacts?q=${encodeURIComponent(expected[type])}`)).json();
      assert.ok(JSON.stringify(found).includes(expected[type]), `${type}: ${JSON.stringify(found)}`);
    }
  });

  it('a refused login shows on the source in words, without the password', async () => {
    const created = await api('POST', '/api/v1/sources', { type: 'salesforce', name: 'sf wrong', interval: 'off', ...bodies.salesforce, password: 'wrong-pass-9' });
    assert.equal(created.statusCode, 201, created.body);
    const source = await syncNow(created.json().id);
    assert.match(source.status.lastError, /Salesforce refused the login: INVALID_LOGIN/);
    assert.doesNotMatch(JSON.stringify(source), /wrong-pass-9|TOKEN1/);
  });

  it('rejects options a type does not know, naming the field', async () => {
    const res = await api('POST', '/api/v1/sources', { type: 'microsoft-365', name: 'x', tenantId: 't', clientId: 'c', clientSecret: 's', users: false, orgContacts: false });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().field, '/users');
  });
});
