/**
 * Two `callbridge serve` processes on one PostgreSQL database (sharing the data directory for the
 * secret key), both taking events:
 * - every webhook delivery is sent once, each call's events in order, whichever instance ingested
 *   them and whichever sends;
 * - an SSE stream on either instance sees every call, also those ingested on the other one;
 * - a contact created, changed or deleted through one instance is what a lookup on the other answers.
 * (test/delivery-instances.test.ts and test/phonebook-instances.test.ts cover the same in-process.)
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SseParser } from '../../src/cli/sse-client.ts';
import { freshPostgresDatabase } from '../support/pg-database.ts';
import { serveProcesses, type ServeProcess } from '../support/serve-process.ts';
import { startReceiver, verifyStandardWebhook } from '../support/webhook-receiver.ts';

const CALLS = 100;

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Frame = { id: number; event: string; call: { pbxCallId: string; state: string } };

/** Reads an SSE stream in the background until stopped; every message parsed. */
async function collect(url: string, key: string): Promise<{ frames: Frame[]; stop(): void }> {
  const controller = new AbortController();
  const res = await fetch(`${url}/api/v1/calls/stream`, { headers: { authorization: `Bearer ${key}` }, signal: controller.signal });
  assert.equal(res.status, 200);
  const frames: Frame[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    const parser = new SseParser();
    try {
      for await (const chunk of res.body!) {
        for (const m of parser.feed(decoder.decode(chunk, { stream: true }))) frames.push({ id: Number(m.id), event: m.event, call: JSON.parse(m.data) });
      }
    } catch {
      // Aborted at the end of the test.
    }
  })();
  return { frames, stop: () => controller.abort() };
}

it('two serve processes on one PostgreSQL: deliveries once, streams and phonebook see both', async () => {
  const databaseUrl = await freshPostgresDatabase('cbtwo');
  const { serve } = serveProcesses('callbridge-two-', { databaseUrl });
  const rx = await startReceiver();
  const processes: ServeProcess[] = [];
  try {
    const a = await serve();
    processes.push(a);
    const adminKey = /^\s+(cb_[a-z0-9]{10}_[A-Za-z0-9_-]{32})$/m.exec(a.output())?.[1];
    assert.ok(adminKey, a.output());
    const b = await serve();
    processes.push(b);
    assert.equal(/cb_[a-z0-9]{10}_/.test(b.output()), false, 'the second instance finds the database set up');

    const api = async (base: string, method: string, path: string, body?: unknown, key = adminKey) => {
      const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined };
    };
    const ingestKey = (await api(a.url, 'POST', '/api/v1/keys', { name: 'pbx', role: 'ingest' })).json.key as string;
    assert.equal((await api(a.url, 'PATCH', '/api/v1/settings', { deliveryAllowList: ['127.0.0.1'] })).status, 200);
    const hook = await api(a.url, 'POST', '/api/v1/webhooks', { url: `${rx.url}/hook`, eventTypes: ['call.ringing', 'call.answered', 'call.ended'], maxConcurrency: 4 });
    assert.equal(hook.status, 201);
    rx.answer = () => ({ status: 200, delayMs: Math.random() < 0.1 ? 20 : 0 });

    const streams = [await collect(a.url, adminKey), await collect(b.url, adminKey)];
    try {
      // Even calls through A, odd ones through B, all at once.
      const at = (i: number, s: number) => new Date(Date.parse('2026-11-21T10:00:00Z') + i * 1000 + s * 1000).toISOString();
      await Promise.all(
        Array.from({ length: CALLS }, async (_, i) => {
          const base = [a, b][i % 2].url;
          const common = { callId: `two-${i}`, direction: 'inbound', from: '030 1234567', to: '+49 30 999000', extension: '201' };
          for (const [type, s] of [['call.ringing', 0], ['call.answered', 5], ['call.ended', 65]] as const) {
            const res = await api(base, 'POST', '/api/v1/events', { ...common, type, timestamp: at(i, s), ...(type === 'call.ended' ? { cause: 'normal' } : {}) }, ingestKey);
            assert.equal(res.status, 200);
          }
        }),
      );

      // Deliveries: each once, in order per call.
      await until('every delivery', () => new Set(rx.received.map((r) => r.headers['webhook-id'])).size >= CALLS * 3);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(rx.received.length, CALLS * 3, 'no delivery sent twice');
      const byCall = new Map<string, string[]>();
      for (const r of rx.received) {
        verifyStandardWebhook(hook.json.secret, r.headers, r.body);
        const body = JSON.parse(r.body);
        byCall.set(body.data.call.pbxCallId, [...(byCall.get(body.data.call.pbxCallId) ?? []), body.type]);
      }
      assert.equal(byCall.size, CALLS);
      for (const [id, types] of byCall) assert.deepEqual(types, ['call.ringing', 'call.answered', 'call.ended'], id);

      // Streams: each instance's stream sees every call end, whichever instance took it.
      for (const [i, s] of streams.entries()) {
        await until(`stream ${i} to see every call end`, () => new Set(s.frames.filter((f) => f.call.state === 'ended').map((f) => f.call.pbxCallId)).size === CALLS, 30_000);
        const states = new Map<string, string[]>();
        for (const f of s.frames) states.set(f.call.pbxCallId, [...(states.get(f.call.pbxCallId) ?? []), f.call.state]);
        const rank = { ringing: 0, answered: 1, ended: 2 } as Record<string, number>;
        for (const [id, seen] of states) {
          const ranks = seen.map((st) => rank[st]);
          assert.deepEqual(ranks, [...ranks].sort(), `stream ${i}: ${id} never goes back (${seen.join(' → ')})`);
          assert.equal(seen.filter((st) => st === 'ended').length, 1, `stream ${i}: ${id} ends once`);
        }
      }
    } finally {
      for (const s of streams) s.stop();
    }

    // Phonebook: written through one instance, answered by the other.
    const lookup = async (base: string, number: string) => (await api(base, 'GET', `/api/v1/lookup?number=${encodeURIComponent(number)}`)).json;
    const created = await api(a.url, 'POST', '/api/v1/contacts', { name: 'Zweite Instanz', numbers: [{ number: '030 7777777' }] });
    assert.equal(created.status, 201);
    await until('B to know the new contact', async () => (await lookup(b.url, '+49307777777')).match?.contactId === created.json.id, 15_000);
    assert.equal((await api(b.url, 'PATCH', `/api/v1/contacts/${created.json.id}`, { numbers: [{ number: '030 8888888' }] })).status, 200);
    await until('A to know the changed number', async () => (await lookup(a.url, '030 8888888')).match?.contactId === created.json.id, 15_000);
    assert.equal((await lookup(a.url, '030 7777777')).match, null, 'the old number is forgotten on A');
    assert.equal((await api(a.url, 'DELETE', `/api/v1/contacts/${created.json.id}`)).status, 204);
    await until('B to forget the deleted contact', async () => (await lookup(b.url, '030 8888888')).match === null, 15_000);

    for (const p of processes) p.child.kill('SIGTERM');
    for (const p of processes) assert.equal(p.child.exitCode ?? (await new Promise((r) => p.child.once('exit', r))), 0, 'clean shutdown');
  } finally {
    for (const p of processes) p.child.kill('SIGKILL');
    await rx.close();
  }
});
