/**
 * Two Callbridge instances (two composeDeps, two pools) on one PostgreSQL database, both ingesting and
 * both running a delivery worker: every delivery reaches the receiver exactly once (FOR UPDATE SKIP
 * LOCKED claims, leases), and each call's events arrive in order although either instance may send any
 * of them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { after, it } from 'node:test';
import pg from 'pg';
import { bootstrap, composeDeps } from '../src/compose.ts';
import { SecretBox } from '../src/storage/secret-box.ts';
import { openStore, type Store } from '../src/storage/store.ts';
import { DATABASE_URL_ENV, startTestCluster } from './support/postgres.ts';
import { startReceiver } from './support/webhook-receiver.ts';

const CALLS = 150;
const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => {});
});

async function database(): Promise<string> {
  let server = process.env[DATABASE_URL_ENV];
  if (!server) {
    const cluster = await startTestCluster();
    cleanup.push(() => cluster.stop());
    server = cluster.url;
  }
  const name = `cbinst_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: server });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`create database "${name}"`);
  cleanup.push(() => admin(`drop database if exists "${name}" with (force)`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

it('two instances on one PostgreSQL never send a delivery twice and keep each call in order', async () => {
  const url = await database();
  const secrets = new SecretBox(randomBytes(32));
  const stores: Store[] = [];
  for (let i = 0; i < 2; i++) stores.push(await openStore({ databaseUrl: url, dataDir: tmpdir() }));
  cleanup.push(async () => {
    for (const s of stores) await s.close();
  });
  await bootstrap(stores[0], 'DE');
  await stores[0].tenants.update('default', { deliveryAllowList: ['127.0.0.1'] }, new Date().toISOString());
  const rx = await startReceiver();
  cleanup.push(() => rx.close());
  rx.answer = () => ({ status: 200, delayMs: Math.random() < 0.1 ? 20 : 0 });
  const now = new Date().toISOString();
  await stores[0].deliveryEndpoints.insert({
    id: 'hook-1', tenantId: 'default', kind: 'webhook', name: 'receiver', url: `${rx.url}/hook`, secret: secrets.seal('whsec_' + randomBytes(32).toString('base64')),
    config: { eventTypes: ['call.ringing', 'call.answered', 'call.ended'], filters: {} }, enabled: true, disabledReason: null, consecutiveFailures: 0, maxConcurrency: 8, createdAt: now, updatedAt: now,
  });
  const instances = stores.map((s) => composeDeps(s, secrets, { bodyLimit: 1 << 20, logLevel: 'silent', logPersonalData: false, delivery: { pollMs: 20, batchSize: 32 } }));
  cleanup.push(async () => {
    for (const d of instances) await d.delivery.stop();
  });
  for (const d of instances) await d.delivery.worker.start();

  // Each instance ingests half of the calls, all three events of a call through one instance.
  const t = (s: number) => new Date(Date.parse('2026-11-21T10:00:00Z') + s * 1000).toISOString();
  await Promise.all(
    Array.from({ length: CALLS }, async (_, i) => {
      const journal = instances[i % 2].journal;
      const base = { callId: `inst-${i}`, linkedCallId: null, direction: 'inbound' as const, from: '030 1234567', to: '+49 30 999000', extension: '201', extensions: [], queue: null, labels: {}, transferTo: null, transferType: null };
      await journal.ingest('default', [{ ...base, type: 'ringing', cause: null, at: t(i), key: `k-${i}-r` }], 'test');
      await journal.ingest('default', [{ ...base, type: 'answered', cause: null, at: t(i + 5), key: `k-${i}-a` }], 'test');
      await journal.ingest('default', [{ ...base, type: 'ended', cause: 'normal', at: t(i + 60), key: `k-${i}-e` }], 'test');
    }),
  );

  const expected = CALLS * 3;
  const end = Date.now() + 60_000;
  while ((await stores[0].deliveries.countByState()).delivered < expected) {
    assert.ok(Date.now() < end, `delivered in time: ${JSON.stringify(await stores[0].deliveries.countByState())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 200));
  const ids = rx.received.map((r) => r.headers['webhook-id'] as string);
  assert.equal(ids.length, expected, 'no delivery sent twice');
  assert.equal(new Set(ids).size, expected);
  const byCall = new Map<string, string[]>();
  for (const r of rx.received) {
    const body = JSON.parse(r.body);
    const list = byCall.get(body.data.call.id) ?? [];
    list.push(body.type);
    byCall.set(body.data.call.id, list);
  }
  for (const types of byCall.values()) assert.deepEqual(types, ['call.ringing', 'call.answered', 'call.ended']);
  const sentBy = instances.map((d) => d.delivery.worker.counters.delivered);
  assert.equal(sentBy[0] + sentBy[1], expected);
  assert.ok(sentBy[0] > 0 && sentBy[1] > 0, `both instances sent (${sentBy.join(' + ')})`);
});
