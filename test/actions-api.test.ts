/**
 * Actions through the API on both databases: validation naming the field (templates included), who
 * may do what, preview, and the favourite invariant case by case — checked in the API's answer and
 * in the stored rows after every step.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiKey } from '../src/auth/api-keys.ts';
import { auth, inboundAnswered, openApp, type TestApp } from './support/app.ts';
import { forEachDialect } from './support/databases.ts';

const urlAction = (name: string, extra: object = {}) => ({ name, target: { type: 'url', url: 'https://crm.example/search?q=${number}' }, ...extra });

forEachDialect('actions API', (dialect) => {
  let t: TestApp;
  let anna: string;
  let max: string;
  let ids: { anna: string; max: string };
  before(async () => {
    t = await openApp(dialect);
    await t.store.users.upsertMany('default', [{ extension: '201', name: 'Anna', email: null }, { extension: '202', name: 'Max', email: null }], new Date().toISOString());
    anna = (await createApiKey(t.store, { tenantId: 'default', role: 'agent', name: 'anna', extension: '201' })).key;
    max = (await createApiKey(t.store, { tenantId: 'default', role: 'agent', name: 'max', extension: '202' })).key;
    const users = await t.store.users.list('default');
    ids = { anna: users.find((u) => u.extension === '201')!.id, max: users.find((u) => u.extension === '202')!.id };
  });
  after(() => t.close());

  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, key = t.keys.admin) =>
    t.app.inject({ method, url, headers: auth(key), ...(payload === undefined ? {} : { payload: payload as object }) });

  describe('validation', () => {
    const cases: Array<[string, object, string]> = [
      ['an unknown variable in the URL', { name: 'x', target: { type: 'url', url: 'https://x.example/?n=${numbr}' } }, '/target/url'],
      ['an unknown filter', { name: 'x', target: { type: 'url', url: 'https://x.example/?n=${number | exec}' } }, '/target/url'],
      ['an unclosed output', { name: 'x', target: { type: 'url', url: 'https://x.example/?n=${number' } }, '/target/url'],
      ['a URL that renders to no http(s) URL', { name: 'x', target: { type: 'url', url: '${number}' } }, '/target/url'],
      ['a broken argument template', { name: 'x', target: { type: 'application', command: '/usr/bin/crm', args: ['--number', '${number'] } }, '/target/args/1'],
      ['a broken body template', { name: 'x', execution: 'server', target: { type: 'url', url: 'https://x.example/' }, request: { method: 'POST', body: '{"n": "${nope}"}' } }, '/request/body'],
      ['a body on a GET', { name: 'x', execution: 'server', target: { type: 'url', url: 'https://x.example/' }, request: { method: 'GET', body: 'a' } }, '/request/body'],
      ['a server-side application', { name: 'x', execution: 'server', target: { type: 'application', command: '/bin/x', args: [] } }, '/execution'],
      ['an automatic trigger without results', { ...urlAction('x'), trigger: { mode: 'automatic', direction: 'both', results: [], callTypes: ['direct'] } }, '/trigger/results'],
      ['an unknown direction', { ...urlAction('x'), trigger: { mode: 'automatic', direction: 'sideways', results: ['ringing'], callTypes: ['direct'] } }, '/trigger/direction'],
      ['an unknown owner', { ...urlAction('x'), ownerUserId: 'nobody' }, '/ownerUserId'],
      ['a URL action without URL', { name: 'x', target: { type: 'url' } }, '/target/url'],
    ];
    for (const [what, body, field] of cases) {
      it(`refuses ${what} with 400 naming ${field}`, async () => {
        const r = await api('POST', '/api/v1/actions', body);
        assert.equal(r.statusCode, 400, r.body);
        assert.equal(r.json().code, 'CB_VALIDATION');
        assert.equal(r.json().field, field);
      });
    }
  });

  it('creates, reads, changes and deletes an action', async () => {
    const created = await api('POST', '/api/v1/actions', { ...urlAction('CRM'), ownerUserId: ids.anna, trigger: { mode: 'automatic', direction: 'inbound', results: ['ringing'], callTypes: ['direct', 'queue'] } });
    assert.equal(created.statusCode, 201, created.body);
    const a = created.json();
    assert.equal(a.enabled, true);
    assert.equal(a.execution, 'client');
    assert.equal(a.favourite, true);
    assert.deepEqual(a.trigger, { mode: 'automatic', direction: 'inbound', results: ['ringing'], callTypes: ['direct', 'queue'] });
    const changed = await api('PATCH', `/api/v1/actions/${a.id}`, { name: 'CRM search', execution: 'server', request: { method: 'POST', body: 'n=${number}' } });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.deepEqual(changed.json().request, { method: 'POST', body: 'n=${number}', contentType: 'application/x-www-form-urlencoded' });
    const back = await api('PATCH', `/api/v1/actions/${a.id}`, { execution: 'client' });
    assert.equal(back.json().request, null);
    assert.equal((await api('GET', `/api/v1/actions/${a.id}`)).json().name, 'CRM search');
    assert.equal((await api('GET', `/api/v1/actions/${a.id}`, undefined, t.keys.otherTenantAdmin)).statusCode, 404);
    assert.equal((await api('DELETE', `/api/v1/actions/${a.id}`)).statusCode, 204);
    assert.equal((await api('GET', `/api/v1/actions/${a.id}`)).statusCode, 404);
  });

  it('lets agents keep URL actions of their own; applications and tenant-wide actions are the admin\'s', async () => {
    const own = await api('POST', '/api/v1/actions', urlAction('mine'), anna);
    assert.equal(own.statusCode, 201, own.body);
    assert.equal(own.json().ownerUserId, ids.anna);
    const app = await api('POST', '/api/v1/actions', { name: 'calc', target: { type: 'application', command: '/bin/sh', args: ['-c', 'x'] } }, anna);
    assert.equal(app.statusCode, 403);
    assert.equal((await api('POST', '/api/v1/actions', { ...urlAction('for max'), ownerUserId: ids.max }, anna)).statusCode, 403);
    const shared = (await api('POST', '/api/v1/actions', urlAction('shared'))).json();
    assert.equal((await api('PATCH', `/api/v1/actions/${shared.id}`, { name: 'mine now' }, anna)).statusCode, 403);
    assert.equal((await api('GET', `/api/v1/actions/${own.json().id}`, undefined, max)).statusCode, 404);
    const annaSees = (await api('GET', '/api/v1/actions', undefined, anna)).json().items.map((a: any) => a.name);
    assert.deepEqual(annaSees, ['mine', 'shared']);
    await api('DELETE', `/api/v1/actions/${own.json().id}`, undefined, anna);
    await api('DELETE', `/api/v1/actions/${shared.id}`);
  });

  it('previews a template against the sample call and a real call, naming the field of an error', async () => {
    const sample = await api('POST', '/api/v1/actions/preview', { action: { name: 'p', target: { type: 'url', url: 'https://crm.example/?n=${number}&c=${company}&l=${MDC_LABEL-VIP}' } } });
    assert.equal(sample.statusCode, 200, sample.body);
    assert.equal(sample.json().url, 'https://crm.example/?n=%2B49301234567&c=Muster%20GmbH&l=yes');
    await t.app.inject({ method: 'POST', url: '/api/v1/events', headers: auth(t.keys.ingest), payload: inboundAnswered('prev-1') });
    const call = (await api('GET', '/api/v1/calls?limit=1')).json().items[0];
    const real = await api('POST', '/api/v1/actions/preview', { callId: call.id, action: { name: 'p', target: { type: 'application', command: '/opt/crm', args: ['--number', '${number}', '--call=${callId}'] } } });
    assert.deepEqual({ command: real.json().command, args: real.json().args }, { command: '/opt/crm', args: ['--number', '+49301234567', `--call=${call.id}`] });
    const bad = await api('POST', '/api/v1/actions/preview', { action: { name: 'p', target: { type: 'url', url: 'https://x/${foo}' } } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().field, '/action/target/url');
  });

  describe('the favourite: exactly one per user while the user has an enabled action', () => {
    /** The favourite as the API reports it and as stored; the two must agree. */
    const favourite = async (key: string, userId: string) => {
      const listed = (await api('GET', '/api/v1/actions', undefined, key)).json();
      const flagged = listed.items.filter((a: any) => a.favourite).map((a: any) => a.id);
      const stored = (await t.store.actions.favourites(t.store.actions.db, 'default')).get(userId) ?? null;
      assert.deepEqual(flagged, listed.favourite === null ? [] : [listed.favourite], 'one action flagged, the same as `favourite`');
      assert.equal(stored, listed.favourite, 'the stored favourite is the one reported');
      return listed.favourite as string | null;
    };
    const create = async (name: string, key: string, extra: object = {}) => {
      const r = await api('POST', '/api/v1/actions', urlAction(name, extra), key);
      assert.equal(r.statusCode, 201, r.body);
      return r.json().id as string;
    };
    let a: string, b: string, c: string, d: string;

    it('a user without actions has none', async () => {
      assert.equal(await favourite(anna, ids.anna), null);
    });
    it('the first action created becomes the favourite', async () => {
      a = await create('A', anna);
      assert.equal(await favourite(anna, ids.anna), a);
    });
    it('a second action leaves it', async () => {
      b = await create('B', anna);
      assert.equal(await favourite(anna, ids.anna), a);
    });
    it('choosing another moves it', async () => {
      assert.equal((await api('POST', `/api/v1/actions/${b}/favourite`, undefined, anna)).statusCode, 200);
      assert.equal(await favourite(anna, ids.anna), b);
    });
    it('disabling the favourite moves it to the oldest enabled action', async () => {
      assert.equal((await api('PATCH', `/api/v1/actions/${b}`, { enabled: false }, anna)).statusCode, 200);
      assert.equal(await favourite(anna, ids.anna), a);
    });
    it('a disabled action cannot become the favourite, nor another user\'s', async () => {
      const r = await api('POST', `/api/v1/actions/${b}/favourite`, undefined, anna);
      assert.equal(r.statusCode, 400);
      assert.match(r.json().detail, /disabled/);
      assert.equal((await api('POST', `/api/v1/actions/${a}/favourite`, undefined, max)).statusCode, 404);
      assert.equal(await favourite(anna, ids.anna), a);
    });
    it('enabling an action again leaves the favourite', async () => {
      await api('PATCH', `/api/v1/actions/${b}`, { enabled: true }, anna);
      assert.equal(await favourite(anna, ids.anna), a);
    });
    it('deleting the favourite moves it', async () => {
      assert.equal((await api('DELETE', `/api/v1/actions/${a}`, undefined, anna)).statusCode, 204);
      assert.equal(await favourite(anna, ids.anna), b);
    });
    it('disabling the last enabled action leaves no favourite', async () => {
      await api('PATCH', `/api/v1/actions/${b}`, { enabled: false }, anna);
      assert.equal(await favourite(anna, ids.anna), null);
    });
    it('a tenant-wide action becomes the favourite of every user without one', async () => {
      d = await create('D (Max)', max);
      assert.equal(await favourite(max, ids.max), d);
      c = await create('C (everyone)', t.keys.admin);
      assert.equal(await favourite(anna, ids.anna), c);
      assert.equal(await favourite(max, ids.max), d);
    });
    it('admins set a user\'s favourite by naming the user', async () => {
      assert.equal((await api('POST', `/api/v1/actions/${c}/favourite`, {})).statusCode, 400);
      assert.equal((await api('POST', `/api/v1/actions/${c}/favourite`, { userId: ids.max })).statusCode, 200);
      assert.equal(await favourite(max, ids.max), c);
    });
    it('deleting a tenant-wide favourite repairs every user it was the favourite of', async () => {
      await api('DELETE', `/api/v1/actions/${c}`);
      assert.equal(await favourite(anna, ids.anna), null);
      assert.equal(await favourite(max, ids.max), d);
    });
    it('a user added later has the tenant-wide favourite, stored', async () => {
      const e = await create('E (everyone)', t.keys.admin);
      await t.store.users.upsertMany('default', [{ extension: '203', name: 'Lea', email: null }], new Date().toISOString());
      const lea = (await t.store.users.byExtension('default', '203'))!.id;
      const leaKey = (await createApiKey(t.store, { tenantId: 'default', role: 'agent', name: 'lea', extension: '203' })).key;
      assert.equal(await favourite(leaKey, lea), e);
      await api('DELETE', `/api/v1/actions/${e}`);
      assert.equal(await favourite(leaKey, lea), null);
    });
    it('giving an action to another user repairs both users', async () => {
      await api('PATCH', `/api/v1/actions/${b}`, { enabled: true }, anna);
      assert.equal(await favourite(anna, ids.anna), b);
      assert.equal((await api('PATCH', `/api/v1/actions/${d}`, { ownerUserId: ids.anna })).statusCode, 200);
      assert.equal(await favourite(max, ids.max), null);
      assert.equal(await favourite(anna, ids.anna), b);
    });
  });
});
