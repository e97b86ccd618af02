/**
 * Durability of the outbox as processes: a server with a backlog of webhook deliveries is killed with
 * SIGKILL mid-way; after a restart on the same data directory every delivery reaches the receiver
 * (at least once: the one in flight at the kill may come twice, with the same webhook-id).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';
import { CLI, serveProcesses } from './support/serve-process.ts';
import { startReceiver, verifyStandardWebhook } from './support/webhook-receiver.ts';

const { dataDir, serve } = serveProcesses('callbridge-e2e-delivery-');
const CALLS = 60;

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('delivers the whole backlog after kill -9 and a restart', async () => {
  const rx = await startReceiver();
  try {
    // Slow answers and one delivery at a time: the backlog is still long when the server dies.
    rx.answer = () => ({ status: 200, delayMs: 40 });
    const first = await serve();
    const adminKey = /^\s+(cb_[a-z0-9]{10}_[A-Za-z0-9_-]{32})$/m.exec(first.output())?.[1];
    assert.ok(adminKey, first.output());
    const created = spawnSync(process.execPath, [CLI, 'keys', 'create', '--name', 'pbx', '--role', 'ingest', '--data-dir', dataDir], { encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    const ingestKey = created.stdout.trim().split('\n').at(-1)!;
    const call = async (url: string, method: string, path: string, key: string, body?: unknown) => {
      const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, json: (await res.json()) as any };
    };
    assert.equal((await call(first.url, 'PATCH', '/api/v1/settings', adminKey, { deliveryAllowList: ['127.0.0.1'] })).status, 200);
    const hook = await call(first.url, 'POST', '/api/v1/webhooks', adminKey, { url: `${rx.url}/hook`, eventTypes: ['call.ringing'], maxConcurrency: 1 });
    assert.equal(hook.status, 201);
    const events = Array.from({ length: CALLS }, (_, i) => ({ type: 'call.ringing', callId: `kill-${i}`, direction: 'inbound', from: '030 1234567', to: '+49 30 999000', extension: '201', timestamp: '2026-11-21T09:00:00Z' }));
    assert.equal((await call(first.url, 'POST', '/api/v1/events', ingestKey, events)).status, 200);

    await until('the first deliveries', () => rx.received.length >= 5);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const receivedBeforeKill = rx.received.map((r) => r.headers['webhook-id']);
    const beforeRestart = new Set(receivedBeforeKill).size;
    assert.ok(beforeRestart < CALLS, `a backlog is left at the kill (${beforeRestart} of ${CALLS} delivered)`);

    rx.answer = () => ({ status: 200 });
    const second = await serve();
    await until('every delivery', () => new Set(rx.received.map((r) => r.headers['webhook-id'])).size >= CALLS);
    for (const r of rx.received) verifyStandardWebhook(hook.json.secret, r.headers, r.body);
    const ids = new Set(rx.received.map((r) => r.headers['webhook-id']));
    assert.equal(ids.size, CALLS);
    // Only the crash window repeats: the delivery in flight and those whose results were still in the
    // result writer's batch (flushed every few ms) at the kill — the last ones received before it.
    const seen = new Set<unknown>();
    const repeated = rx.received.map((r) => r.headers['webhook-id']).filter((id) => seen.has(id) || !seen.add(id));
    const crashWindow = new Set(receivedBeforeKill.slice(-3));
    for (const id of repeated) assert.ok(crashWindow.has(id), `${String(id)} came twice but was not among the last received before the kill`);
    await until('the store to say so', async () => (await call(second.url, 'GET', '/api/v1/deliveries?state=delivered&limit=500', adminKey)).json.items.length === CALLS);
    second.child.kill('SIGTERM');
    assert.equal(await new Promise((r) => second.child.once('exit', r)), 0);
  } finally {
    await rx.close();
  }
});
