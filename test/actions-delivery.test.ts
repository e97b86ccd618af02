/**
 * Actions starting, on both databases, over real sockets: automatic client-side actions reach the
 * agent's stream after the call change commits, server-side ones go through the real outbox and worker
 * to a local receiver; manual starts from the journal do both.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { createApiKey } from '../src/auth/api-keys.ts';
import { auth, inboundAnswered, openApp, type TestApp } from './support/app.ts';
import { forEachDialect } from './support/databases.ts';
import { collectSse as collect } from './support/sse-collect.ts';

async function until<T>(probe: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

forEachDialect('actions starting', (dialect) => {
  let t: TestApp;
  let base: string;
  let anna: string;
  let annaId: string;
  const received: Array<{ method: string; url: string; body: string }> = [];
  let receiverBase: string;
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, body });
      res.writeHead(204).end();
    });
  });

  before(async () => {
    t = await openApp(dialect, { delivery: { pollMs: 50 } });
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    await t.store.tenants.update('default', { deliveryAllowList: ['127.0.0.1'] }, new Date().toISOString());
    await t.store.users.upsertMany('default', [{ extension: '201', name: 'Anna', email: null }, { extension: '202', name: 'Max', email: null }], new Date().toISOString());
    annaId = (await t.store.users.byExtension('default', '201'))!.id;
    anna = (await createApiKey(t.store, { tenantId: 'default', role: 'agent', name: 'anna', extension: '201' })).key;
    await t.deps.delivery.worker.start();
  });
  after(async () => {
    await t.close();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, key = t.keys.admin) =>
    t.app.inject({ method, url, headers: auth(key), ...(payload === undefined ? {} : { payload: payload as object }) });
  const stream = (key: string, query = '') => fetch(`${base}/api/v1/agent/stream${query}`, { headers: auth(key) });

  it('refuses a stream without an extension, and an agent following another extension', async () => {
    assert.equal((await stream(t.keys.agent)).status, 400);
    assert.equal((await stream(anna, '?extension=202')).status, 403);
  });

  it('starts automatic actions: client-side to the agent after commit, server-side through the outbox', async () => {
    const open = await api('POST', '/api/v1/actions', { name: 'CRM', ownerUserId: annaId, target: { type: 'url', url: 'https://crm.example/?n=${number}&e=${extension}' }, trigger: { mode: 'automatic', direction: 'inbound', results: ['ringing'], callTypes: ['direct'] } });
    assert.equal(open.statusCode, 201, open.body);
    const hook = await api('POST', '/api/v1/actions', { name: 'Log', execution: 'server', target: { type: 'url', url: `${receiverBase}/hook?n=\${number}&d=\${direction}` }, request: { method: 'POST', body: 'name=${name}&q=${queue}' }, trigger: { mode: 'automatic', direction: 'both', results: ['answered'], callTypes: ['direct', 'queue'] } });
    assert.equal(hook.statusCode, 201, hook.body);
    const annaStream = collect(await stream(anna));
    const maxStream = collect(await stream(t.keys.admin, '?extension=202'));
    await new Promise((r) => setTimeout(r, 100));
    const posted = await api('POST', '/api/v1/events', inboundAnswered('auto-1'), t.keys.ingest);
    assert.equal(posted.statusCode, 200, posted.body);
    const call = (await api('GET', '/api/v1/calls?limit=1')).json().items[0];
    const msg = await until(() => annaStream.messages[0]);
    assert.equal(msg.event, 'action.open');
    assert.deepEqual(JSON.parse(msg.data), { actionId: open.json().id, kind: 'url', url: 'https://crm.example/?n=%2B49301234567&e=201', callId: call.id });
    const got = await until(() => received[0]);
    assert.deepEqual(got, { method: 'POST', url: '/hook?n=%2B49301234567&d=inbound', body: 'name=&q=' });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(annaStream.messages.length, 1, 'ringing once: one open');
    assert.equal(maxStream.messages.length, 0, 'nothing for an extension the call never reached');
    assert.equal(received.length, 1);
    await annaStream.stop();
    await maxStream.stop();
  });

  it('starts an action by hand from the journal: an application on the agent\'s computer, a request from the server', async () => {
    const call = (await api('GET', '/api/v1/calls?limit=1')).json().items[0];
    const app = (await api('POST', '/api/v1/actions', { name: 'CRM app', ownerUserId: annaId, target: { type: 'application', command: '/opt/crm/bin/crm', args: ['--caller', '${number}', '--call', '${callId}'] } })).json();
    const annaStream = collect(await stream(anna));
    await new Promise((r) => setTimeout(r, 100));
    const started = await api('POST', `/api/v1/calls/${call.id}/actions/${app.id}`, undefined, anna);
    assert.equal(started.statusCode, 202, started.body);
    const msg = await until(() => annaStream.messages[0]);
    assert.deepEqual(JSON.parse(msg.data), { actionId: app.id, kind: 'application', command: '/opt/crm/bin/crm', args: ['--caller', '+49301234567', '--call', call.id], callId: call.id });
    await annaStream.stop();

    received.length = 0;
    const get = (await api('POST', '/api/v1/actions', { name: 'ping', execution: 'server', target: { type: 'url', url: `${receiverBase}/manual/\${callId}` } })).json();
    assert.equal((await api('POST', `/api/v1/calls/${call.id}/actions/${get.id}`)).statusCode, 202);
    assert.deepEqual(await until(() => received[0]), { method: 'GET', url: `/manual/${call.id}`, body: '' });
    const rows = await t.store.deliveries.list({ tenantId: 'default', callId: call.id, limit: 10 });
    assert.ok(rows.some((r) => r.endpointId === `action:${get.id}` && r.eventType === 'action.manual'));

    await api('PATCH', `/api/v1/actions/${get.id}`, { enabled: false });
    const disabled = await api('POST', `/api/v1/calls/${call.id}/actions/${get.id}`);
    assert.equal(disabled.statusCode, 400);
    assert.equal((await api('POST', `/api/v1/calls/nope/actions/${get.id}`)).statusCode, 404);
  });
});
