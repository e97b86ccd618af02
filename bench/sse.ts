/**
 * Event → screen pop: the time from sending a call event to `POST /api/v1/events` until it arrives on
 * the live stream (`GET /api/v1/calls/stream`) of every screen, at a steady 1,000 events/s (one event
 * per request, as PBX webhooks send them). The server runs in its own process; the sender and the
 * screens share this one, so both ends read the same clock.
 *
 * Screens: BENCH_SSE_SCREENS wall boards (every call) and as many agents' screen pops (one extension
 * each). Reference, measured in the same run: the event's own acknowledgement (the durable write),
 * which the stream can only follow. Every screen must get every change it subscribed to. The server
 * also reports its event-loop delay and GC pauses over the window (support/serve.ts), to tell its
 * pauses from the load generator's. A second reference tells this machine's share of the tail: the
 * same bodies at the same pace, pinned the same way, to a bare Fastify route that stores nothing
 * (support/bare-post-serve.ts), its acknowledgement p99.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request, type IncomingMessage } from 'node:http';
import os, { tmpdir } from 'node:os';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { join } from 'node:path';
import { allCpus, canPin, pin } from './support/affinity.ts';
import { forkServer } from './support/server-process.ts';
import type { BenchRow } from './table.ts';

const RATE = Number(process.env.BENCH_SSE_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_DURATION ?? 10);
const SCREENS = Number(process.env.BENCH_SSE_SCREENS ?? 10);
const EXTENSIONS = 50;
/** Calls in flight at once (see `event`). */
const WAVE = Math.max(1, Math.round(RATE / 10));
const TYPES = ['call.ringing', 'call.answered', 'call.ended'] as const;

/** Latencies in a preallocated array: this process must stay light (its own pauses would count as the server's). */
type Screen = { extension: string | null; received: number; latencies: Float64Array; close(): void };

/** Event number of a call's step (the inverse of `event` in runSseBench); -1 for warm-up calls. */
function eventIndex(call: number, step: number): number {
  const wave = Math.floor(call / WAVE);
  return wave * 3 * WAVE + step * WAVE + (call % WAVE);
}

/** Calls `send(i)` for i < total at `rate` a second (checked every 2 ms) and waits for all of them. */
async function paced(total: number, rate: number, send: (i: number) => Promise<void>): Promise<number> {
  const inflight: Array<Promise<void>> = [];
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    for (; sent < due; sent++) inflight.push(send(sent));
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(inflight);
  return (performance.now() - started) / 1000;
}

/** A POST of `body`; resolves once the whole answer is read, with its latency, or -1 for a failure. */
function postEvent(url: string, key: string, agent: Agent, body: string, onSent?: (at: number) => void): Promise<number> {
  return new Promise((resolve) => {
    const started = performance.now();
    onSent?.(started);
    const req = request(`${url}/api/v1/events`, { method: 'POST', agent, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 || res.statusCode === 202 ? performance.now() - started : -1));
    });
    req.on('error', () => resolve(-1));
    req.end(body);
  });
}

/**
 * The machine's share: the same bodies at the same pace to a bare route that stores nothing, with the
 * server pinned as the real one was. Acknowledgement latencies, sorted.
 */
async function bareAcks(bodies: (n: number) => string, total: number, pinTo: string | undefined): Promise<Float64Array> {
  const bare = await forkServer<{ url: string }>(new URL('./support/bare-post-serve.ts', import.meta.url), []);
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  try {
    if (pinTo) pin(bare.pid, pinTo);
    for (let n = 0; n < 600; n++) await postEvent(bare.url, 'none', agent, bodies(n));
    const acks = new Float64Array(total);
    await paced(total, RATE, async (n) => {
      acks[n] = await postEvent(bare.url, 'none', agent, bodies(n));
    });
    return acks.sort();
  } finally {
    agent.destroy();
    await bare.stop();
  }
}

function percentile(sorted: ArrayLike<number>, p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/** One EventSource-like reader: frames split on blank lines, `event:` and `data:` read, the rest ignored. */
function openScreen(url: string, key: string, extension: string | null, sentAt: Float64Array): Promise<Screen> {
  return new Promise((resolve, reject) => {
    let connected = false;
    const screen: Screen = { extension, received: 0, latencies: new Float64Array(sentAt.length), close: () => req.destroy() };
    const path = `/api/v1/calls/stream${extension ? `?extension=${extension}` : ''}`;
    const req = request(`${url}${path}`, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' } }, (res: IncomingMessage) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
      connected = true;
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        const now = performance.now();
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const text = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = '';
          let data = '';
          for (const line of text.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          const step = (TYPES as readonly string[]).indexOf(event);
          if (step < 0 || !data) continue;
          // The call's PBX id without parsing the whole call (this process must stay light: its own
          // pauses would count as the server's latency).
          const from = data.indexOf('"pbxCallId":"sse-') + 17;
          if (from < 17) continue;
          const at = sentAt[eventIndex(Number(data.slice(from, data.indexOf('"', from))), step)];
          if (!(at > 0) || screen.received >= screen.latencies.length) continue;
          screen.latencies[screen.received++] = now - at;
        }
      });
      resolve(screen);
    });
    // After connecting, an error is the close() at the end (or a dropped stream, counted as missing).
    req.on('error', (err) => connected || reject(err));
    req.end();
  });
}

export async function runSseBench(): Promise<{ rows: BenchRow[]; details: Record<string, unknown> }> {
  const dir = mkdtempSync(join(tmpdir(), 'callbridge-bench-sse-'));
  const serverProcess = await forkServer<{ url: string; key: string }>(new URL('./support/serve.ts', import.meta.url), [join(dir, 'data')]);
  const { child, url, key } = serverProcess;
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const screens: Screen[] = [];
  // Decided before pinning: a pinned process sees only its own cores.
  const pinned = canPin();
  try {
    // The server on the last core, this process (sender and screens) on the others: neither measures
    // the other's scheduling (as in lookup-http). `-a`: the server's threads too (WAL checkpointer).
    const last = String(os.availableParallelism() - 1);
    if (pinned) {
      pin(serverProcess.pid, last);
      pin(process.pid, `0-${Number(last) - 1}`);
    }
    const total = Math.ceil((RATE * SECONDS) / (3 * WAVE)) * 3 * WAVE;
    const sentAt = new Float64Array(total);
    for (let i = 0; i < SCREENS; i++) screens.push(await openScreen(url, key, null, sentAt));
    for (let i = 0; i < SCREENS; i++) screens.push(await openScreen(url, key, String(200 + i), sentAt));

    const acks: number[] = [];
    let failed = 0;
    const post = async (body: string, n: number) => {
      const ms = await postEvent(url, key, agent, body, (at) => n >= 0 && (sentAt[n] = at));
      if (ms < 0) failed++;
      else acks.push(ms);
    };
    const base = Date.parse('2026-11-21T08:00:00Z');
    // Calls in waves of WAVE: a wave's calls ring, then are answered, then end, so a call's events are
    // WAVE events (a tenth of a second) apart and reach the server in order, as from a PBX.
    const event = (n: number) => {
      const wave = Math.floor(n / (3 * WAVE));
      const call = wave * WAVE + (n % WAVE);
      const step = Math.floor(n / WAVE) % 3;
      const type = TYPES[step];
      const body = {
        type,
        callId: `sse-${call}`,
        direction: 'inbound',
        from: `+4930${String(1_000_000 + call)}`,
        to: '+4930999000',
        extension: String(200 + (call % EXTENSIONS)),
        timestamp: new Date(base + call * 1000 + step * 5000).toISOString(),
        ...(type === 'call.ended' ? { cause: 'normal' } : {}),
      };
      return { body: JSON.stringify(body), n, extension: body.extension };
    };
    // Warm-up (JIT, statement cache), not measured: its calls have other ids.
    for (let n = 0; n < 600; n++) {
      const e = event(n);
      await post(e.body.replaceAll('"sse-', '"warm-'), -1);
    }
    for (const s of screens) s.received = 0;

    const expectedPer = new Map<string | null, number>([[null, total]]);
    child.send('probe-start');
    // This process's own view too: its pauses delay reading the streams and count as latency.
    const clientLoop = monitorEventLoopDelay({ resolution: 1 });
    const clientGc: number[] = [];
    const gcObserver = new PerformanceObserver((list) => clientGc.push(...list.getEntries().map((e) => e.duration)));
    clientLoop.enable();
    gcObserver.observe({ entryTypes: ['gc'] });
    const sendSeconds = await paced(total, RATE, (n) => {
      const e = event(n);
      expectedPer.set(e.extension, (expectedPer.get(e.extension) ?? 0) + 1);
      return post(e.body, e.n);
    });
    const probed = new Promise<unknown>((resolve) => child.on('message', (m) => (m as { probe?: unknown }).probe && resolve((m as { probe: unknown }).probe)));
    child.send('probe-stop');
    const server = await probed;
    clientLoop.disable();
    gcObserver.disconnect();
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    const client = {
      loopDelayMs: { p50: ms(clientLoop.percentile(50)), p99: ms(clientLoop.percentile(99)), max: ms(clientLoop.max) },
      gcPausesOver5Ms: clientGc.filter((d) => d > 5).length,
      longestGcMs: Math.round(Math.max(0, ...clientGc) * 10) / 10,
    };
    // Let the last frames arrive.
    const expected = (s: Screen) => expectedPer.get(s.extension) ?? 0;
    const until = Date.now() + 5_000;
    while (Date.now() < until && screens.some((s) => s.received < expected(s))) await new Promise((r) => setTimeout(r, 20));

    const latencies = Float64Array.from(screens.flatMap((s) => [...s.latencies.subarray(0, s.received)])).sort();
    const ackSorted = acks.sort((a, b) => a - b);
    const missing = screens.reduce((n, s) => n + Math.max(0, expected(s) - s.received), 0);
    const p99 = percentile(latencies, 99);
    const ackP99 = percentile(ackSorted, 99);
    for (const s of screens) s.close();
    const bareSorted = await bareAcks((n) => event(n).body.replaceAll('"sse-', '"bare-'), total, pinned ? last : undefined);
    const bareP99 = percentile(bareSorted, 99);
    const rows: BenchRow[] = [
      { figure: `event → SSE screen pop p99 at ${RATE.toLocaleString('en-US')} events/s`, value: p99, unit: 'ms', reference: 'the event acknowledged (p99)', referenceValue: ackP99, ratio: p99 / ackP99, target: '≤ 10 ms', met: p99 <= 10 && missing === 0 },
      { figure: 'event → SSE screen pop p50', value: percentile(latencies, 50), unit: 'ms', reference: 'the event acknowledged (p50)', referenceValue: percentile(ackSorted, 50), ratio: percentile(latencies, 50) / percentile(ackSorted, 50), target: '' },
      { figure: `event acknowledged p99 at ${RATE.toLocaleString('en-US')} events/s`, value: ackP99, unit: 'ms', reference: 'bare Fastify POST route, same load and pinning (p99)', referenceValue: bareP99, ratio: ackP99 / bareP99, target: '' },
    ];
    return {
      rows,
      details: {
        eventsPerSecond: RATE,
        seconds: SECONDS,
        achievedRate: Math.round(total / sendSeconds),
        screens: { wallBoards: SCREENS, screenPops: SCREENS },
        pinned: pinned ? 'server on the last core, sender and screens on the others' : 'no (taskset missing or one core)',
        deliveredToScreens: latencies.length,
        // The server's own view: how long its event loop was held up, and by garbage collection.
        server,
        // The load generator and the screens (this process).
        client,
        missing,
        failedPosts: failed,
        latencyMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99, max: latencies[latencies.length - 1] },
        ackMs: { p50: percentile(ackSorted, 50), p99: ackP99 },
        bareRouteAckMs: { p50: percentile(bareSorted, 50), p90: percentile(bareSorted, 90), p99: bareP99, max: bareSorted[bareSorted.length - 1], failed: bareSorted.filter((x) => x < 0).length },
      },
    };
  } finally {
    if (pinned) pin(process.pid, allCpus());
    for (const s of screens) s.close();
    agent.destroy();
    await serverProcess.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
