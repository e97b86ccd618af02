/**
 * Delivery throughput: signed webhooks from the outbox to a local receiver (its own process), on the
 * default store (SQLite, WAL), beside raw undici requests to the same receiver at the same concurrency
 * (the ceiling: what sending alone costs, without claiming, signing and recording).
 *
 * - live: four producers enqueue batches (50 per transaction, like ingest groups) while the worker runs;
 *   deliveries/s from the first enqueue until the last one is recorded delivered.
 * - backlog: 100,000 pending deliveries (4 per call, so ordering per call applies) written while no
 *   worker runs, then drained; deliveries/s from the start of the worker until the last one is recorded.
 * Every delivery is checked to be `delivered` and the receiver to have counted it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { bootstrap } from '../src/compose.ts';
import { uuidv7 } from '../src/core/ids.ts';
import { createDeliveryServices, type DeliveryServices } from '../src/delivery/delivery-services.ts';
import { newWebhookSecret } from '../src/delivery/webhook-signature.ts';
import { SecretBox } from '../src/storage/secret-box.ts';
import { openStore, type Store } from '../src/storage/store.ts';
import type { BenchRow } from './table.ts';

const BACKLOG = Number(process.env.BENCH_DELIVERY_BACKLOG ?? 100_000);
const LIVE = Number(process.env.BENCH_DELIVERY_LIVE ?? 20_000);
const CONCURRENCY = 32;

function payload(i: number, type: string) {
  return { type, version: 1, timestamp: new Date().toISOString(), data: { call: { id: `call-${i}`, direction: 'inbound', from: { raw: '+4930123456', e164: '+4930123456' } }, contact: null } };
}

async function receiverCount(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve((m as { received: number }).received));
    child.send('count');
  });
}

async function rawRate(port: number, seconds: number): Promise<number> {
  const agent = new Agent({ connections: CONCURRENCY });
  const body = JSON.stringify(payload(1, 'call.ringing'));
  let n = 0;
  const end = Date.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        const res = await request(`http://127.0.0.1:${port}/hook`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher: agent });
        await res.body.dump();
        n++;
      }
    }),
  );
  const rate = n / ((performance.now() - started) / 1000);
  await agent.close();
  return rate;
}

/**
 * Waits until the worker has sent `total`, then stops it (which records every result) and checks the
 * store. Watching the worker's counter, not the table: a count over 100,000 rows every few
 * milliseconds would hold SQLite's one connection and slow the worker it measures.
 */
async function drain(services: DeliveryServices, store: Store, total: number, expectDelivered: number): Promise<void> {
  while (services.worker.counters.delivered < total) {
    if (services.worker.counters.attempted > services.worker.counters.delivered) throw new Error('an attempt failed');
    await new Promise((r) => setTimeout(r, 10));
  }
  await services.stop();
  const c = await store.deliveries.countByState();
  if (c.delivered !== expectDelivered) throw new Error(`not all recorded delivered: ${JSON.stringify(c)}`);
}

async function enqueueBatch(store: Store, enqueue: (trx: any, reqs: any[]) => Promise<void>, from: number, count: number): Promise<void> {
  await store.dialect.db.transaction().execute(async (trx) => {
    const reqs = [];
    for (let i = from; i < from + count; i++) {
      const call = Math.floor(i / 4);
      const type = ['call.ringing', 'call.answered', 'call.transferred', 'call.ended'][i % 4];
      reqs.push({ tenantId: 'default', endpointId: 'bench-hook', handler: 'webhook', orderKey: `call-${call}`, callId: null, eventType: type, payload: payload(call, type) });
    }
    await enqueue(trx, reqs);
  });
}

export async function runDeliveryBench(): Promise<{ rows: BenchRow[]; details: Record<string, unknown> }> {
  const dir = mkdtempSync(join(tmpdir(), 'callbridge-bench-delivery-'));
  const receiver = fork(new URL('./support/receiver.ts', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const store = await openStore({ dataDir: dir });
  try {
    const { port } = await new Promise<{ port: number }>((resolve) => receiver.once('message', (m) => resolve(m as { port: number })));
    await bootstrap(store, 'DE');
    await store.tenants.update('default', { deliveryAllowList: ['127.0.0.1'] }, new Date().toISOString());
    const secrets = new SecretBox(randomBytes(32));
    const now = new Date().toISOString();
    await store.deliveryEndpoints.insert({
      id: 'bench-hook', tenantId: 'default', kind: 'webhook', name: 'bench', url: `http://127.0.0.1:${port}/hook`, secret: secrets.seal(newWebhookSecret()),
      config: { eventTypes: [], filters: {} }, enabled: true, disabledReason: null, consecutiveFailures: 0, maxConcurrency: CONCURRENCY, createdAt: now, updatedAt: now,
    });
    // Measured before and after (the mean is the reference): a shared machine's load drifts in two minutes.
    const referenceBefore = await rawRate(port, 5);
    const before = await receiverCount(receiver);

    // Live: enqueue while the worker runs.
    let services = createDeliveryServices(store, secrets, { pollMs: 200 });
    await services.worker.start();
    const liveStart = performance.now();
    // Four producers side by side, like concurrent ingest requests, each committing 50 at a time.
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < LIVE) {
          const from = next;
          next += 50;
          await enqueueBatch(store, (trx, reqs) => services.outbox.enqueue(trx, reqs), from, 50);
        }
      }),
    );
    await drain(services, store, LIVE, LIVE);
    const liveSeconds = (performance.now() - liveStart) / 1000;

    // Backlog: written with no worker running, then drained.
    const writeStart = performance.now();
    const plain = { enqueue: (trx: any, reqs: any[]) => store.deliveries.insert(trx, reqs.map((r) => ({ ...r, id: uuidv7(), nextAttemptAt: now, createdAt: now })), now) };
    for (let i = 0; i < BACKLOG; i += 1000) await enqueueBatch(store, plain.enqueue, LIVE + i, 1000);
    const writeSeconds = (performance.now() - writeStart) / 1000;
    services = createDeliveryServices(store, secrets, { pollMs: 200 });
    const drainStart = performance.now();
    await services.worker.start();
    await drain(services, store, BACKLOG, LIVE + BACKLOG);
    const drainSeconds = (performance.now() - drainStart) / 1000;
    const received = (await receiverCount(receiver)) - before;
    const referenceAfter = await rawRate(port, 5);
    const reference = (referenceBefore + referenceAfter) / 2;
    if (received < LIVE + BACKLOG) throw new Error(`receiver counted ${received} of ${LIVE + BACKLOG}`);

    const liveRate = LIVE / liveSeconds;
    const drainRate = BACKLOG / drainSeconds;
    const rows: BenchRow[] = [
      { figure: 'webhook deliveries, live', value: liveRate, unit: 'deliveries/s', reference: `raw undici POSTs, ${CONCURRENCY} at once`, referenceValue: reference, ratio: liveRate / reference, target: '≥ 2,000/s', met: liveRate >= 2000 },
      { figure: `drain of a ${BACKLOG.toLocaleString('en-US')} backlog`, value: drainRate, unit: 'deliveries/s', reference: `raw undici POSTs, ${CONCURRENCY} at once`, referenceValue: reference, ratio: drainRate / reference, target: '≥ 2,000/s', met: drainRate >= 2000 },
    ];
    return {
      rows,
      details: { store: 'sqlite (WAL, synchronous=normal)', concurrency: CONCURRENCY, live: { deliveries: LIVE, seconds: liveSeconds }, backlog: { deliveries: BACKLOG, writeSeconds, drainSeconds }, receiverCounted: received, rawRequestsPerSecond: { before: referenceBefore, after: referenceAfter } },
    };
  } finally {
    await store.close();
    receiver.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}
