/**
 * HTTP lookups/s: `GET /api/v1/lookup` of the real app (SQLite, 20,000 contacts, key check, number
 * normalization, index lookup) beside a bare Fastify route returning a lookup body of the same shape,
 * both in their own process, autocannon in this one, in the same run. Each server is warmed up first
 * (JIT, and the garbage left by seeding), then both are measured in alternating rounds. Where
 * `taskset` can, the servers share one core and the load generator has the others (support/affinity.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { allCpus, canPin, pin } from './support/affinity.ts';
import { forkServer } from './support/server-process.ts';
import type { BenchRow } from './table.ts';

const SECONDS = Math.max(3, Number(process.env.BENCH_DURATION ?? 10) / 2);
/** Measured rounds per server, alternating; the median is reported (single runs on 2 cores vary ±30 %). */
const ROUNDS = 3;

function serve(mode: 'callbridge' | 'bare', dir: string) {
  return forkServer<{ url: string; key: string; numbers: string[] }>(new URL('./support/lookup-serve.ts', import.meta.url), [mode, join(dir, mode), '20000']);
}

async function rate(url: string, headers: Record<string, string>, paths: string[], seconds: number): Promise<{ rps: number; errors: number }> {
  let i = 0;
  const r = await autocannon({ url, connections: 32, duration: seconds, headers, requests: [{ setupRequest: (req: any) => ({ ...req, path: paths[i++ % paths.length] }) }] });
  return { rps: r.requests.average, errors: r.non2xx + r.errors };
}

export async function runLookupHttpBench(): Promise<{ rows: BenchRow[]; details: Record<string, unknown> }> {
  const dir = mkdtempSync(join(tmpdir(), 'callbridge-lookup-http-'));
  const app = await serve('callbridge', dir);
  const bare = await serve('bare', dir);
  // Both servers on the last core, autocannon (this process) on the others: each server gets the same
  // whole core while measured, and the load generator never takes it from it.
  const pinned = canPin();
  const last = String(os.availableParallelism() - 1);
  if (pinned) {
    pin(app.pid, last);
    pin(bare.pid, last);
    pin(process.pid, `0-${Number(last) - 1}`);
  }
  try {
    const paths = app.numbers.map((n, k) => `/api/v1/lookup?number=${encodeURIComponent(k % 2 ? n : n.replace('+49', '0'))}`);
    const measureOurs = (seconds: number) => rate(app.url, { authorization: `Bearer ${app.key}` }, paths, seconds);
    const measureBare = (seconds: number) => rate(bare.url, {}, ['/bare?number=%2B49301000000'], seconds);
    await measureOurs(SECONDS);
    await measureBare(SECONDS);
    const ours: Array<{ rps: number; errors: number }> = [];
    const reference: Array<{ rps: number; errors: number }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      ours.push(await measureOurs(SECONDS));
      reference.push(await measureBare(SECONDS));
    }
    const median = (runs: Array<{ rps: number }>) => runs.map((r) => r.rps).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
    const value = median(ours);
    const referenceValue = median(reference);
    return {
      rows: [{ figure: 'HTTP lookups (median of 3)', value, unit: 'req/s', reference: 'bare Fastify route', referenceValue, ratio: value / referenceValue, target: '≥ 80 %', met: value / referenceValue >= 0.8 }],
      details: {
        contacts: 20_000,
        pinned: pinned ? { servers: `cpu ${last}`, loadGenerator: `cpu 0-${Number(last) - 1}` } : 'not pinned (no taskset or one core)',
        connections: 32,
        seconds: SECONDS,
        rounds: { ours: ours.map((r) => Math.round(r.rps)), bare: reference.map((r) => Math.round(r.rps)) },
        errors: ours.reduce((n, r) => n + r.errors, 0),
        referenceErrors: reference.reduce((n, r) => n + r.errors, 0),
      },
    };
  } finally {
    if (pinned) pin(process.pid, allCpus());
    await app.stop();
    await bare.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
