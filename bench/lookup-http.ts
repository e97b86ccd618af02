/**
 * HTTP lookups/s: `GET /api/v1/lookup` of the real app (SQLite, 20,000 contacts, key check, number
 * normalization, index lookup) beside a bare Fastify route returning a lookup body of the same shape,
 * both in their own process, autocannon in this one, in the same run. Each server is warmed up first
 * (JIT, and the garbage left by seeding), then both are measured in pairs of short rounds, back to
 * back, the order swapped every pair. This machine's speed drifts by up to 2× within a minute, so the
 * ratio is the median of the pairs' ratios (each pair saw the same machine), not the ratio of two
 * medians taken at different moments. Where `taskset` can, the servers share one core and the load
 * generator has the others (support/affinity.ts).
 *
 * Two figures: requests per second, and requests per CPU-second of the server (all its threads,
 * support/process-cpu.ts). On two cores the load generator has one core, and it cannot keep either
 * server's core busy (both idled 15–25 % of each round in CPU profiles), so requests per second
 * partly measure the load generator; requests per CPU-second are the server's capacity on one core,
 * and the target applies to them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { allCpus, canPin, pin } from './support/affinity.ts';
import { processCpuSeconds } from './support/process-cpu.ts';
import { forkServer } from './support/server-process.ts';
import type { BenchRow } from './table.ts';

const WARM_SECONDS = Math.max(3, Number(process.env.BENCH_DURATION ?? 10) / 2);
/** Pairs of rounds (one per server), and each round's length. */
const PAIRS = Number(process.env.BENCH_PAIRS ?? 7);
const SECONDS = 2;

function serve(mode: 'callbridge' | 'bare', dir: string) {
  return forkServer<{ url: string; key: string; numbers: string[] }>(new URL('./support/lookup-serve.ts', import.meta.url), [mode, join(dir, mode), '20000']);
}

type Round = { rps: number; perCpuSecond: number; errors: number };

async function rate(pid: number, url: string, headers: Record<string, string>, paths: string[], seconds: number): Promise<Round> {
  let i = 0;
  const cpuBefore = processCpuSeconds(pid);
  const r = await autocannon({ url, connections: 32, duration: seconds, headers, requests: [{ setupRequest: (req: any) => ({ ...req, path: paths[i++ % paths.length] }) }] });
  const cpuAfter = processCpuSeconds(pid);
  const requests = r.requests.total;
  const perCpuSecond = cpuBefore === null || cpuAfter === null ? Number.NaN : requests / (cpuAfter - cpuBefore);
  return { rps: r.requests.average, perCpuSecond, errors: r.non2xx + r.errors };
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
    const measureOurs = (seconds: number) => rate(app.pid, app.url, { authorization: `Bearer ${app.key}` }, paths, seconds);
    const measureBare = (seconds: number) => rate(bare.pid, bare.url, {}, ['/bare?number=%2B49301000000'], seconds);
    await measureOurs(WARM_SECONDS);
    await measureBare(WARM_SECONDS);
    const ours: Round[] = [];
    const reference: Round[] = [];
    for (let pair = 0; pair < PAIRS; pair++) {
      if (pair % 2 === 0) {
        ours.push(await measureOurs(SECONDS));
        reference.push(await measureBare(SECONDS));
      } else {
        reference.push(await measureBare(SECONDS));
        ours.push(await measureOurs(SECONDS));
      }
    }
    const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];
    const figure = (key: 'rps' | 'perCpuSecond') => ({
      value: median(ours.map((r) => r[key])),
      referenceValue: median(reference.map((r) => r[key])),
      ratio: median(ours.map((r, i) => r[key] / reference[i][key])),
    });
    const wall = figure('rps');
    const cpu = figure('perCpuSecond');
    const rows: BenchRow[] = [{ figure: `HTTP lookups (median of ${PAIRS} paired rounds)`, ...wall, unit: 'req/s', reference: 'bare Fastify route', target: '' }];
    // Without /proc there is no CPU figure, and the target falls back to requests per second.
    if (Number.isNaN(cpu.ratio)) Object.assign(rows[0], { target: '≥ 80 %', met: wall.ratio >= 0.8 });
    else rows.unshift({ figure: `HTTP lookups per server CPU-second (median of ${PAIRS} pairs)`, ...cpu, unit: 'req/CPU-s', reference: 'bare Fastify route', target: '≥ 80 %', met: cpu.ratio >= 0.8 });
    return {
      rows,
      details: {
        contacts: 20_000,
        pinned: pinned ? { servers: `cpu ${last}`, loadGenerator: `cpu 0-${Number(last) - 1}` } : 'not pinned (no taskset or one core)',
        connections: 32,
        secondsPerRound: SECONDS,
        rounds: { ours: ours.map((r) => Math.round(r.rps)), bare: reference.map((r) => Math.round(r.rps)) },
        perCpuSecond: { ours: ours.map((r) => Math.round(r.perCpuSecond)), bare: reference.map((r) => Math.round(r.perCpuSecond)) },
        pairRatios: ours.map((r, i) => Math.round((r.rps / reference[i].rps) * 1000) / 1000),
        pairRatiosPerCpuSecond: ours.map((r, i) => Math.round((r.perCpuSecond / reference[i].perCpuSecond) * 1000) / 1000),
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
