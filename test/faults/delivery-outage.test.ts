/**
 * A webhook receiver that goes away and comes back: 200 calls (600 events) happen while its port
 * refuses connections, then while it answers 503 (some with Retry-After), then it recovers. Every
 * delivery arrives, signed, each accepted once, and each call's events are accepted in order
 * (ringing, answered, ended) — the outbox holds a call's later events back until the earlier ones are
 * through. On SQLite and PostgreSQL.
 *
 * The endpoint's auto-disable (after N consecutive failures) is set out of reach here: this is about
 * an outage the retries ride out; auto-disable and re-enable are tested in test/delivery.test.ts.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { auth, openApp } from '../support/app.ts';
import { forEachDialect } from '../support/databases.ts';
import { verifyStandardWebhook } from '../support/webhook-receiver.ts';

const CALLS = 200;

type Hit = { id: string; type: string; callId: string; status: number; body: string; headers: Record<string, string | string[] | undefined> };

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A receiver on a fixed port that can be down (nothing listens), failing (503) or up (200). */
function receiver(port: number) {
  const hits: Hit[] = [];
  let mode: 'failing' | 'up' = 'failing';
  let server: Server | undefined;
  let failures = 0;
  return {
    hits,
    set mode(m: 'failing' | 'up') {
      mode = m;
    },
    async listen() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const parsed = JSON.parse(body);
          const status = mode === 'up' ? 200 : 503;
          hits.push({ id: String(req.headers['webhook-id']), type: parsed.type, callId: parsed.data.call.pbxCallId, status, body, headers: req.headers });
          if (status === 503 && ++failures % 3 === 0) res.writeHead(503, { 'retry-after': '1' });
          else res.writeHead(status);
          res.end();
        });
      });
      server.keepAliveTimeout = 500;
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, '127.0.0.1', () => resolve());
      });
    },
    async close() {
      if (!server) return;
      server.closeAllConnections();
      await new Promise((r) => server!.close(r));
      server = undefined;
    },
  };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

forEachDialect('webhook receiver outage', (dialect) => {
  it(`delivers all ${CALLS * 3} events of ${CALLS} calls after refused connections and 503s, in order per call`, async () => {
    const t = await openApp(dialect, {
      delivery: { pollMs: 50, retrySchedule: [200, 400, 800, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000], disableAfterFailures: 1_000_000, timeouts: { connectMs: 1_000, totalMs: 2_000 } },
    });
    // A port from a server just closed: nothing listens there until rx.listen(), connections are refused.
    const port = await freePort();
    const rx = receiver(port);
    try {
      const api = async (method: 'POST' | 'PATCH' | 'GET', url: string, body?: unknown) => {
        const res = await t.app.inject({ method, url, headers: auth(t.keys.admin), ...(body === undefined ? {} : { payload: body as object }) });
        assert.ok(res.statusCode < 300, `${url}: ${res.body}`);
        return res.json();
      };
      await api('PATCH', '/api/v1/settings', { deliveryAllowList: ['127.0.0.1'] });
      const hook = await api('POST', '/api/v1/webhooks', { url: `http://127.0.0.1:${port}/hook`, eventTypes: ['call.ringing', 'call.answered', 'call.ended'], maxConcurrency: 8 });
      await t.deps.delivery.worker.start();

      // The calls happen while the receiver is down.
      const at = (i: number, s: number) => new Date(Date.parse('2026-11-21T10:00:00Z') + i * 1000 + s * 1000).toISOString();
      for (let i = 0; i < CALLS; i += 20) {
        const events = Array.from({ length: 20 }, (_, j) => {
          const n = i + j;
          const common = { callId: `out-${n}`, direction: 'inbound', from: '030 1234567', to: '+49 30 999000', extension: '201' };
          return [
            { ...common, type: 'call.ringing', timestamp: at(n, 0) },
            { ...common, type: 'call.answered', timestamp: at(n, 4) },
            { ...common, type: 'call.ended', cause: 'normal', timestamp: at(n, 60) },
          ];
        }).flat();
        const res = await t.app.inject({ method: 'POST', url: '/api/v1/events', headers: auth(t.keys.ingest), payload: events });
        assert.equal(res.statusCode, 200, res.body);
      }
      const attempts = async () => (await t.store.dialect.db.selectFrom('delivery_attempts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
      await until('refused attempts', async () => Number(await attempts()) >= 30, 30_000);
      assert.equal(rx.hits.length, 0, 'nothing reached a receiver that was not there');

      // Back, but failing.
      await rx.listen();
      await until('503s', () => rx.hits.length >= 30, 30_000);
      await new Promise((r) => setTimeout(r, 1_500));
      assert.ok(rx.hits.every((h) => h.status === 503));

      // Recovered.
      rx.mode = 'up';
      await until('every delivery', async () => (await t.store.deliveries.countByState()).delivered === CALLS * 3, 120_000);
      await new Promise((r) => setTimeout(r, 300));

      const accepted = rx.hits.filter((h) => h.status === 200);
      assert.equal(accepted.length, CALLS * 3, 'each delivery accepted exactly once');
      assert.equal(new Set(accepted.map((h) => h.id)).size, CALLS * 3);
      const byCall = new Map<string, string[]>();
      for (const h of accepted) {
        verifyStandardWebhook(hook.secret, h.headers, h.body);
        byCall.set(h.callId, [...(byCall.get(h.callId) ?? []), h.type]);
      }
      assert.equal(byCall.size, CALLS);
      for (const [callId, types] of byCall) assert.deepEqual(types, ['call.ringing', 'call.answered', 'call.ended'], `order of ${callId}`);
      // Order held during the outage too: no later event of a call was even tried before the earlier one was accepted.
      const acceptedAt = new Map<string, number>();
      rx.hits.forEach((h, i) => h.status === 200 && acceptedAt.set(`${h.callId} ${h.type}`, i));
      const before = { 'call.answered': 'call.ringing', 'call.ended': 'call.answered' } as Record<string, string>;
      rx.hits.forEach((h, i) => {
        const prior = before[h.type];
        if (prior) assert.ok(acceptedAt.get(`${h.callId} ${prior}`)! < i, `${h.callId}: ${h.type} tried before ${prior} was accepted`);
      });
      const counts = await t.store.deliveries.countByState();
      assert.equal(counts.dead ?? 0, 0);
    } finally {
      await rx.close();
      await t.close();
    }
  });
});

