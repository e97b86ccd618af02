/**
 * Two instances (two composeDeps, two apps, two pools) on one PostgreSQL database: an agent's
 * client-side actions reach its stream on whichever instance holds it — automatic ones from a call
 * ingested on the other instance, once each, and ones started by hand through the other instance.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { after, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApiKey } from '../src/auth/api-keys.ts';
import { bootstrap, composeDeps } from '../src/compose.ts';
import { buildApp } from '../src/http/build-app.ts';
import { SecretBox } from '../src/storage/secret-box.ts';
import { openStore, type Store } from '../src/storage/store.ts';
import { auth, inboundAnswered } from './support/app.ts';
import { freshPostgresDatabase } from './support/pg-database.ts';
import { collectSse } from './support/sse-collect.ts';
import { until } from './support/until.ts';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => {});
});

it("two instances on one PostgreSQL: an agent's actions reach its stream on either instance, once", async () => {
  const url = await freshPostgresDatabase('cbagents');
  const secrets = new SecretBox(randomBytes(32));
  const stores: Store[] = [];
  const apps: FastifyInstance[] = [];
  const bases: string[] = [];
  for (let i = 0; i < 2; i++) {
    const store = await openStore({ databaseUrl: url, dataDir: tmpdir() });
    stores.push(store);
    if (i === 0) await bootstrap(store, 'DE');
    const app = await buildApp(composeDeps(store, secrets, { bodyLimit: 64 * 1024, logLevel: 'silent', logPersonalData: false, heartbeatMs: 200 }));
    apps.push(app);
    cleanup.push(async () => {
      await app.close();
      await store.close();
    });
    bases.push(await app.listen({ host: '127.0.0.1', port: 0 }));
  }
  const [a, b] = bases;
  const store = stores[0];
  await store.tenants.update('default', { areaCode: '30' }, new Date().toISOString());
  await store.users.upsertMany('default', [{ extension: '201', name: 'Anna', email: null }], new Date().toISOString());
  const annaId = (await store.users.byExtension('default', '201'))!.id;
  const anna = (await createApiKey(store, { tenantId: 'default', role: 'agent', name: 'anna', extension: '201' })).key;
  const admin = (await createApiKey(store, { tenantId: 'default', role: 'admin', name: 'admin' })).key;
  const ingest = (await createApiKey(store, { tenantId: 'default', role: 'ingest', name: 'pbx' })).key;
  const call = (base: string, method: string, path: string, key: string, body?: unknown) =>
    fetch(`${base}${path}`, { method, headers: { ...auth(key), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });

  // Made through instance b; the call comes in through instance a.
  const created = await call(b, 'POST', '/api/v1/actions', admin, { name: 'CRM', ownerUserId: annaId, target: { type: 'url', url: 'https://crm.example/?n=${number}' }, trigger: { mode: 'automatic', direction: 'inbound', results: ['ringing'], callTypes: ['direct'] } });
  assert.equal(created.status, 201, await created.clone().text());
  const action = (await created.json()) as { id: string };
  const onA = collectSse(await call(a, 'GET', '/api/v1/agent/stream', anna));
  const onB = collectSse(await call(b, 'GET', '/api/v1/agent/stream', anna));
  await new Promise((r) => setTimeout(r, 200));

  const posted = await call(a, 'POST', '/api/v1/events', ingest, inboundAnswered('two-1'));
  assert.equal(posted.status, 200, await posted.text());
  await until('the open on both instances', () => onA.messages.length > 0 && onB.messages.length > 0);
  const journal = (await (await call(b, 'GET', '/api/v1/calls?limit=1', admin)).json()) as { items: Array<{ id: string }> };
  const expected = { actionId: action.id, kind: 'url', url: 'https://crm.example/?n=%2B49301234567', callId: journal.items[0].id };
  for (const stream of [onA, onB]) {
    assert.equal(stream.messages[0].event, 'action.open');
    assert.deepEqual(JSON.parse(stream.messages[0].data), expected);
  }
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(onA.messages.length, 1, 'ringing once: one open on the ingesting instance');
  assert.equal(onB.messages.length, 1, 'and one on the other');

  // Started by hand through a, while the agent's only stream is on b.
  await onA.stop();
  const manual = await call(a, 'POST', `/api/v1/calls/${journal.items[0].id}/actions/${action.id}`, anna);
  assert.equal(manual.status, 202, await manual.text());
  await until('the manual open on b', () => onB.messages.length === 2);
  assert.deepEqual(JSON.parse(onB.messages[1].data), expected);
  await onB.stop();
});
