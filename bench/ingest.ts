/**
 * Ingest throughput: durable events/s through `POST /api/v1/events` (a server in its own process,
 * autocannon as the client), beside the raw insert rate of the same store (node:sqlite, same pragmas,
 * one transaction per event, the unit a single-event request commits).
 *
 * Every acknowledged event is checked to be in the store afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import autocannon from 'autocannon';
import { rawJournalRate } from './support/raw-journal.ts';
import { forkServer } from './support/server-process.ts';
import type { BenchRow } from './table.ts';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = 32;

/** Calls in flight at once: each call's ringing, answered and ended are WINDOW events apart. */
const WINDOW = 2_000;

/**
 * The events of a PBX with WINDOW calls in progress: event i belongs to call
 * `block·WINDOW + i mod WINDOW` and is its ringing, answered or ended by `⌊i / WINDOW⌋ mod 3`. So a
 * third of the events start a call and two thirds update one, and a call's next event is sent
 * WINDOW events after its previous one: long after that one was acknowledged, so the events of a
 * call arrive in order although 32 connections send at once.
 */
function eventSource(prefix: string) {
  let n = 0;
  const types = ['call.ringing', 'call.answered', 'call.ended'];
  const base = Date.parse('2026-11-21T08:00:00Z');
  return () => {
    const block = Math.floor(n / (3 * WINDOW));
    const step = Math.floor((n % (3 * WINDOW)) / WINDOW);
    const call = block * WINDOW + (n % WINDOW);
    const type = types[step];
    n++;
    return {
      type,
      callId: `${prefix}-${call}`,
      direction: 'inbound',
      from: `+4930${String(1000000 + (call % 900000))}`,
      to: '+4930999000',
      extension: String(200 + (call % 50)),
      timestamp: new Date(base + call * 1000 + step * 5000).toISOString(),
      ...(type === 'call.ended' ? { cause: 'normal' } : {}),
    };
  };
}

async function load(url: string, key: string, batch: number, prefix: string): Promise<{ events: number; seconds: number; p99: number; errors: number }> {
  // One event stream for all connections (autocannon resets a connection's context after each
  // request, so it cannot hold per-connection state); the window keeps each call's events in order.
  const next = eventSource(prefix);
  const body = () => (batch === 1 ? JSON.stringify(next()) : JSON.stringify(Array.from({ length: batch }, next)));
  const result = await autocannon({
    url: `${url}/api/v1/events`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    requests: [{ setupRequest: (req: any) => ({ ...req, body: body() }) }],
  });
  const ok = result['2xx'];
  return { events: ok * batch, seconds: result.duration, p99: result.latency.p99, errors: result.non2xx + result.errors };
}

function rawInsertRate(dir: string, batch: number): number {
  const db = new DatabaseSync(join(dir, `raw-${batch}.db`));
  db.exec('pragma journal_mode = wal; pragma synchronous = normal;');
  db.exec('create table ev (seq integer primary key autoincrement, tenant_id text not null, event_key text not null, at text not null, data text not null, unique (tenant_id, event_key))');
  const insert = db.prepare('insert into ev (tenant_id, event_key, at, data) values (?, ?, ?, ?)');
  const next = eventSource('raw');
  const begin = db.prepare('begin immediate');
  const commit = db.prepare('commit');
  const started = process.hrtime.bigint();
  let n = 0;
  const deadline = Date.now() + Math.min(DURATION_S, 5) * 1000;
  while (Date.now() < deadline) {
    begin.run();
    for (let i = 0; i < batch; i++) {
      const e = next();
      insert.run('default', `k${n++}`, e.timestamp, JSON.stringify(e));
    }
    commit.run();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  db.close();
  return n / seconds;
}

function countStored(dataDir: string): { events: number; calls: number } {
  const db = new DatabaseSync(join(dataDir, 'callbridge.db'), { readOnly: true });
  const count = (table: string) => Number((db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n);
  const stored = { events: count('call_events'), calls: count('calls') };
  db.close();
  return stored;
}

/** Events stored and commits so far, from the server's /metrics (their ratio: events per group commit). */
async function journalCounters(url: string): Promise<{ events: number; commits: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = (name: string) => [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
  return { events: sum('callbridge_events_total'), commits: sum('callbridge_journal_commits_total') };
}

/** Runs a load phase and reads how many events the server's group commits took on average. */
async function measured(url: string, key: string, batch: number, prefix: string) {
  const before = await journalCounters(url);
  const result = await load(url, key, batch, prefix);
  const after = await journalCounters(url);
  return { ...result, eventsPerCommit: (after.events - before.events) / Math.max(1, after.commits - before.commits) };
}

export async function runIngestBench(): Promise<{ rows: BenchRow[]; details: Record<string, unknown> }> {
  const dir = mkdtempSync(join(tmpdir(), 'callbridge-bench-'));
  const dataDir = join(dir, 'data');
  const server = await forkServer<{ url: string; key: string }>(new URL('./support/serve.ts', import.meta.url), [dataDir]);
  try {
    const { url, key } = server;
    // Warm-up: JIT, statement cache, page cache.
    await autocannon({ url: `${url}/api/v1/events`, method: 'POST', connections: 8, amount: 3000, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, requests: [{ setupRequest: ((warm) => (req: any) => ({ ...req, body: JSON.stringify(warm()) }))(eventSource('warm')) }] });
    const single = await measured(url, key, 1, 'one');
    const batched = await measured(url, key, 50, 'batch');
    await server.stop();
    const stored = countStored(dataDir);
    // The HTTP ceiling: the same bodies through a bare Fastify route that stores nothing.
    const bare = await forkServer<{ url: string }>(new URL('./support/bare-post-serve.ts', import.meta.url), []);
    const ceiling = await load(bare.url, 'none', 1, 'bare').finally(() => bare.stop());
    const rawSingle = rawInsertRate(dir, 1);
    const rawBatched = rawInsertRate(dir, 50);
    // The journal's own schema, bare statements, in the group sizes the server formed (see raw-journal.ts).
    const singleGroup = Math.max(1, Math.round(single.eventsPerCommit));
    const batchedGroup = Math.max(1, Math.round(batched.eventsPerCommit));
    const floorSingle = await rawJournalRate(join(dir, 'floor-1'), singleGroup, eventSource('floor'), Math.min(DURATION_S, 5));
    const floorBatched = await rawJournalRate(join(dir, 'floor-50'), batchedGroup, eventSource('floor'), Math.min(DURATION_S, 5));
    const singleRate = single.events / single.seconds;
    const batchRate = batched.events / batched.seconds;
    const rows: BenchRow[] = [
      { figure: 'ingest, 1 event/request', value: singleRate, unit: 'events/s', reference: 'raw insert, 1 event/txn', referenceValue: rawSingle, ratio: singleRate / rawSingle, target: '≥ 20,000/s and ≥ 50 %', met: singleRate >= 20_000 && singleRate / rawSingle >= 0.5 },
      { figure: 'ingest, 1 event/request (HTTP)', value: singleRate, unit: 'events/s', reference: 'bare Fastify POST route, same bodies, nothing stored', referenceValue: ceiling.events / ceiling.seconds, ratio: singleRate / (ceiling.events / ceiling.seconds), target: '' },
      { figure: 'ingest, 1 event/request (schema)', value: singleRate, unit: 'events/s', reference: `journal schema, bare statements, ${singleGroup} events/txn (the server's groups)`, referenceValue: floorSingle, ratio: singleRate / floorSingle, target: '' },
      { figure: 'ingest, 50 events/request', value: batchRate, unit: 'events/s', reference: 'raw insert, 50 events/txn', referenceValue: rawBatched, ratio: batchRate / rawBatched, target: '' },
      { figure: 'ingest, 50 events/request (schema)', value: batchRate, unit: 'events/s', reference: `journal schema, bare statements, ${batchedGroup} events/txn (the server's groups)`, referenceValue: floorBatched, ratio: batchRate / floorBatched, target: '' },
    ];
    return {
      rows,
      details: {
        store: 'sqlite (WAL, synchronous=normal)',
        connections: CONNECTIONS,
        durationSeconds: DURATION_S,
        single: { ...single, p99LatencyMs: single.p99 },
        batched: { ...batched, p99LatencyMs: batched.p99 },
        acknowledged: single.events + batched.events,
        storedIncludingWarmup: stored,
        bareRoute: ceiling,
      },
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
