/**
 * Two instances on one PostgreSQL (a test cluster this benchmark starts, `fsync=off`): a call change
 * committed by one instance until the other publishes it to its screens, for 300 calls arriving at
 * random intervals. Reference, in the same run: the same with the other instances finding changes
 * by their poll alone (every 0.5 s), as before they told each other on the broadcast.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { bootstrap, composeDeps } from '../src/compose.ts';
import { RemoteCallChanges } from '../src/http/remote-changes.ts';
import { LiveHub } from '../src/journal/live-hub.ts';
import { SecretBox } from '../src/storage/secret-box.ts';
import { openStore } from '../src/storage/store.ts';
import { startTestCluster } from '../test/support/postgres.ts';
import type { BenchRow } from './table.ts';

const CALLS = 300;

async function latencies(databaseUrl: string, tell: boolean): Promise<number[]> {
  const storeA = await openStore({ databaseUrl, dataDir: tmpdir() });
  const storeB = await openStore({ databaseUrl, dataDir: tmpdir() });
  const a = composeDeps(storeA, new SecretBox(randomBytes(32)), { bodyLimit: 1 << 20, logLevel: 'silent', logPersonalData: false });
  const remoteA = new RemoteCallChanges(storeA, a.hub, 500, { tell });
  const hubB = new LiveHub();
  const remoteB = new RemoteCallChanges(storeB, hubB, 500, { tell });
  await remoteA.start();
  await remoteB.start();
  const committed = new Map<string, number>();
  const seen: number[] = [];
  hubB.subscribe('default', (change) => {
    const at = committed.get(change.call.pbxCallId);
    if (at === undefined) return;
    seen.push(performance.now() - at);
    committed.delete(change.call.pbxCallId);
  });
  try {
    for (let i = 0; i < CALLS; i++) {
      const id = `${tell ? 't' : 'p'}-${i}`;
      const event = { callId: id, linkedCallId: null, type: 'ringing' as const, at: new Date().toISOString(), key: id, direction: 'inbound' as const, from: '030 7654321', to: '+49 30 999000', extension: '201', extensions: [], queue: null, labels: {}, transferTo: null, transferType: null, cause: null };
      const [result] = await a.journal.ingest('default', [event], 'bench');
      if (result.status !== 'accepted') throw new Error(`not stored: ${JSON.stringify(result)}`);
      committed.set(id, performance.now());
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 40));
    }
    const end = Date.now() + 5_000;
    while (committed.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    if (committed.size > 0) throw new Error(`${committed.size} changes never reached the other instance`);
    return seen.sort((x, y) => x - y);
  } finally {
    await remoteA.stop();
    await remoteB.stop();
    await a.delivery.stop();
    await storeA.close();
    await storeB.close();
  }
}

export async function runInstancesBench(): Promise<{ rows: BenchRow[]; details: Record<string, unknown> }> {
  const cluster = await startTestCluster();
  try {
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('create database bench_instances');
    await admin.end();
    const url = new URL(cluster.url);
    url.pathname = '/bench_instances';
    const first = await openStore({ databaseUrl: url.toString(), dataDir: tmpdir() });
    await bootstrap(first, 'DE');
    await first.close();
    const polled = await latencies(url.toString(), false);
    const told = await latencies(url.toString(), true);
    const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
    const row = (figure: string, p: number): BenchRow => ({
      figure, value: q(told, p), unit: 'ms', reference: 'found by the 0.5 s poll alone', referenceValue: q(polled, p), ratio: q(told, p) / q(polled, p), target: '',
    });
    return {
      rows: [row('another instance publishes a call change, p50', 0.5), row('another instance publishes a call change, p99', 0.99)],
      details: { calls: CALLS, store: 'PostgreSQL test cluster (fsync=off), two instances in one process', told: { p50: q(told, 0.5), p90: q(told, 0.9), p99: q(told, 0.99), max: told.at(-1) }, polled: { p50: q(polled, 0.5), p90: q(polled, 0.9), p99: q(polled, 0.99), max: polled.at(-1) } },
    };
  } finally {
    await cluster.stop();
  }
}
