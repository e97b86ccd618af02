/**
 * Ingest throughput: durable events/s through `POST /api/v1/events` (a server in its own process,
 * autocannon as the client), beside the raw insert rate of the same store (node:sqlite, same pragmas,
 * one transaction per event, the unit a single-event request commits).
 *
 * Every acknowledged event is checked to be in the store afterwards.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import autocannon from 'autocannon';
import type { BenchRow } from './table.ts';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = 32;

function eventSource(prefix: string) {
  let n = 0;
  const types = ['call.ringing', 'call.answered', 'call.ended'];
  const base = Date.parse('2026-11-21T08:00:00Z');
  return () => {
    const call = Math.floor(n / 3);
    const step = n % 3;
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
  // Each connection plays one PBX line: its calls' events in order, as a PBX sends them.
  let lines = 0;
  const body = (context: { next?: ReturnType<typeof eventSource> }) => {
    const next = (context.next ??= eventSource(`${prefix}-${lines++}`));
    return batch === 1 ? JSON.stringify(next()) : JSON.stringify(Array.from({ length: batch }, next));
  };
  const result = await autocannon({
    url: `${url}/api/v1/events`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    requests: [{ setupRequest: (req: any, context: any) => ({ ...req, body: body(context) }) }],
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

function countStored(dataDir: string): number {
  const db = new DatabaseSync(join(dataDir, 'callbridge.db'), { readOnly: true });
  const row = db.prepare('select count(*) as n from call_events').get() as { n: number };
  db.close();
  return Number(row.n);
}

export async function runIngestBench(): Promise<{ rows: BenchRow[]; details: Record<string, unknown> }> {
  const dir = mkdtempSync(join(tmpdir(), 'callbridge-bench-'));
  const dataDir = join(dir, 'data');
  const child = fork(new URL('./support/serve.ts', import.meta.url), [dataDir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const { url, key } = await new Promise<{ url: string; key: string }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { url: string; key: string }));
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    });
    // Warm-up: JIT, statement cache, page cache.
    await autocannon({ url: `${url}/api/v1/events`, method: 'POST', connections: 8, amount: 3000, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, requests: [{ setupRequest: ((warm) => (req: any) => ({ ...req, body: JSON.stringify(warm()) }))(eventSource('warm')) }] });
    const single = await load(url, key, 1, 'one');
    const batched = await load(url, key, 50, 'batch');
    const stored = countStored(dataDir);
    const rawSingle = rawInsertRate(dir, 1);
    const rawBatched = rawInsertRate(dir, 50);
    const singleRate = single.events / single.seconds;
    const batchRate = batched.events / batched.seconds;
    const rows: BenchRow[] = [
      { figure: 'ingest, 1 event/request', value: singleRate, unit: 'events/s', reference: 'raw insert, 1 event/txn', referenceValue: rawSingle, ratio: singleRate / rawSingle, target: '≥ 20,000/s and ≥ 50 %', met: singleRate >= 20_000 && singleRate / rawSingle >= 0.5 },
      { figure: 'ingest, 50 events/request', value: batchRate, unit: 'events/s', reference: 'raw insert, 50 events/txn', referenceValue: rawBatched, ratio: batchRate / rawBatched, target: '' },
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
      },
    };
  } finally {
    child.disconnect();
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}
