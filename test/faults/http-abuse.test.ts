/**
 * Abusive clients over real sockets:
 * - bodies above the body limit, with Content-Length and chunked, get 413 problem+json on every
 *   ingest endpoint and store nothing;
 * - clients that trickle their headers or body (slowloris) are answered 408 / disconnected after the
 *   request timeout while everyone else is served;
 * - 2,000 SSE subscribers to a real `callbridge serve`, some never reading: lookups and ingest keep
 *   working, readers get every change, the non-readers are dropped and the server's memory stays
 *   within a bound.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { buildApp, HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from '../../src/http/build-app.ts';
import { auth, openApp, type TestApp } from '../support/app.ts';
import { DIALECTS } from '../support/databases.ts';
import { ingestTargets } from '../support/ingest-fuzz.ts';
import { serveProcesses } from '../support/serve-process.ts';

const sqlite = DIALECTS.find((d) => d.name === 'sqlite')!;

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function counts(t: TestApp): Promise<string> {
  const db = t.store.dialect.db;
  const n = (table: 'calls' | 'call_events' | 'contacts') => db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return (await Promise.all([n('calls'), n('call_events'), n('contacts')])).map((r) => r.n).join('/');
}

const event = (callId: string, extra: Record<string, unknown> = {}) => ({ type: 'call.ringing', callId, direction: 'inbound', from: '030 1234567', to: '+49 30 999000', extension: '201', timestamp: '2026-11-21T10:00:00Z', ...extra });

for (const dialect of DIALECTS) {
  describe(`oversized bodies [${dialect.name}]`, () => {
    let t: TestApp;
    let base: string;
    before(async () => {
      t = await openApp(dialect, { bodyLimit: 16 * 1024 });
      base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    });
    after(() => t.close());

    it('answers 413 problem+json on every ingest endpoint, with Content-Length and chunked, storing nothing', async () => {
      const before = await counts(t);
      // A valid body of each kind, padded past the limit with a field every mapping ignores or rejects.
      const padding = 'x'.repeat(20 * 1024);
      const bodies = {
        json: JSON.stringify([event('big-1', { labels: { note: 'a' } }), { padding }]),
        form: new URLSearchParams({ event: 'newCall', callId: 'big-2', from: '0301234567', to: '0309990', direction: 'in', padding }).toString(),
      };
      for (const target of ingestTargets(t)) {
        for (const [kind, body] of Object.entries(bodies)) {
          const contentType = kind === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
          if (target.url === '/api/v1/events' && kind === 'form') continue;
          for (const chunked of [false, true]) {
            const payload = chunked
              ? new ReadableStream({
                  start(c) {
                    const bytes = new TextEncoder().encode(body);
                    for (let i = 0; i < bytes.length; i += 4096) c.enqueue(bytes.subarray(i, i + 4096));
                    c.close();
                  },
                })
              : body;
            const res = await fetch(`${base}${target.url}`, { method: 'POST', headers: { ...target.headers, 'content-type': contentType }, body: payload, duplex: 'half' } as RequestInit);
            const what = `${target.name} ${kind}${chunked ? ' chunked' : ''}`;
            assert.equal(res.status, 413, what);
            assert.match(res.headers.get('content-type')!, /application\/problem\+json/, what);
            const problem = (await res.json()) as { status: number; code: string };
            assert.deepEqual([problem.status, problem.code], [413, 'CB_PAYLOAD_TOO_LARGE'], what);
          }
        }
      }
      assert.equal(await counts(t), before, 'nothing stored');
      const ok = await fetch(`${base}/api/v1/events`, { method: 'POST', headers: { ...auth(t.keys.ingest), 'content-type': 'application/json' }, body: JSON.stringify(event('small')) });
      assert.equal(ok.status, 200, 'a body within the limit is still taken');
    });
  });
}

describe('slow clients (slowloris)', () => {
  it('has a request timeout by default (Fastify has none)', async () => {
    const t = await openApp(sqlite);
    try {
      const app = await buildApp(t.deps);
      try {
        assert.deepEqual([app.server.requestTimeout, app.server.headersTimeout], [REQUEST_TIMEOUT_MS, HEADERS_TIMEOUT_MS]);
        assert.ok(REQUEST_TIMEOUT_MS > 0 && REQUEST_TIMEOUT_MS <= 300_000 && HEADERS_TIMEOUT_MS <= 60_000, 'bounded, not off');
      } finally {
        await app.close();
      }
    } finally {
      await t.close();
    }
  });

  it('times out 200 trickling clients while serving everyone else', async () => {
    const t = await openApp(sqlite, { requestTimeoutMs: 1_500 });
    try {
      const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
      const port = Number(new URL(address).port);
      type Slow = { socket: Socket; answer: string; closed: boolean; timer?: NodeJS.Timeout };
      const slow: Slow[] = [];
      const open = (text: string) => {
        const s: Slow = { socket: connect(port, '127.0.0.1'), answer: '', closed: false };
        s.socket.on('data', (d) => (s.answer += d.toString()));
        s.socket.on('error', () => {});
        s.socket.on('close', () => {
          s.closed = true;
          clearInterval(s.timer);
        });
        let i = 0;
        // One byte every 200 ms: the whole request would take minutes.
        s.timer = setInterval(() => {
          if (i < text.length && !s.socket.destroyed) s.socket.write(text[i++]);
        }, 200);
        slow.push(s);
      };
      const body = JSON.stringify(event('slow-body'));
      for (let i = 0; i < 100; i++) open(`POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.keys.ingest}\r\nContent-Type: application/json\r\nX-Padding: ${'p'.repeat(200)}\r\n\r\n`);
      for (let i = 0; i < 100; i++) {
        const s = { socket: connect(port, '127.0.0.1'), answer: '', closed: false } as Slow;
        s.socket.on('data', (d) => (s.answer += d.toString()));
        s.socket.on('error', () => {});
        s.socket.on('close', () => ((s.closed = true), clearInterval(s.timer)));
        // Headers at once, then the body byte by byte.
        s.socket.write(`POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.keys.ingest}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
        let i2 = 0;
        s.timer = setInterval(() => {
          if (i2 < body.length - 1 && !s.socket.destroyed) s.socket.write(body[i2++]);
        }, 200);
        slow.push(s);
      }

      // Everyone else is served meanwhile.
      for (let round = 0; round < 10; round++) {
        const results = await Promise.all([
          ...Array.from({ length: 5 }, () => fetch(`${address}/api/v1/lookup?number=0301234567`, { headers: auth(t.keys.agent) }).then((r) => r.status)),
          fetch(`${address}/api/v1/events`, { method: 'POST', headers: { ...auth(t.keys.ingest), 'content-type': 'application/json' }, body: JSON.stringify(event(`fast-${round}`)) }).then((r) => r.status),
        ]);
        assert.deepEqual(results, [200, 200, 200, 200, 200, 200]);
        await new Promise((r) => setTimeout(r, 100));
      }

      await until('every slow client to be disconnected by the server', () => slow.every((s) => s.closed), 30_000);
      for (const s of slow) {
        if (s.answer) assert.match(s.answer, /^HTTP\/1\.1 408/, 'a slow client that hears anything hears 408');
      }
      assert.ok(slow.filter((s) => s.answer.startsWith('HTTP/1.1 408')).length >= 100, 'the slow bodies got 408');
      const calls = await t.store.dialect.db.selectFrom('calls').select('pbx_call_id').execute();
      assert.deepEqual(calls.map((c) => c.pbx_call_id).sort(), Array.from({ length: 10 }, (_, i) => `fast-${i}`).sort(), 'nothing from the slow bodies');
    } finally {
      await t.close();
    }
  });
});

describe('a flood of SSE subscribers [serve process]', () => {
  const SUBSCRIBERS = 2_000;
  const NON_READING = 200;
  const READING_ALL = 5;
  const CALLS = 600;
  const { serve } = serveProcesses('callbridge-sse-flood-');

  const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

  it(`keeps serving with ${SUBSCRIBERS} streams open, drops those that never read and stays within memory`, async (t) => {
    const server = await serve();
    const adminKey = /^\s+(cb_[a-z0-9]{10}_[A-Za-z0-9_-]{32})$/m.exec(server.output())![1];
    const { port } = new URL(server.url);
    const sockets: Socket[] = [];
    after(() => sockets.forEach((s) => s.destroy()));
    const received = new Map<Socket, number>();
    const subscribe = (query: string, reading: boolean) =>
      new Promise<Socket>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1');
        sockets.push(socket);
        socket.on('error', () => {});
        let head = '';
        let counted = 0;
        let tail = '';
        socket.once('connect', () => socket.write(`GET /api/v1/calls/stream${query} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${adminKey}\r\n\r\n`));
        const onData = (d: Buffer) => {
          if (!head.includes('\r\n\r\n')) {
            head += d.toString('latin1');
            if (!head.includes('\r\n\r\n')) return;
            if (!head.startsWith('HTTP/1.1 200')) return reject(new Error(head));
            resolve(socket);
            if (!reading) {
              socket.off('data', onData);
              socket.pause();
              return;
            }
          }
          // Count frames; "\nevent: call." may straddle chunks, so keep a tail.
          const text = tail + d.toString('latin1');
          counted += text.split('\nevent: call.').length - 1;
          tail = text.slice(-16);
          received.set(socket, counted);
        };
        socket.on('data', onData);
      });

    const baseline = rssMb(server.child.pid!);
    const nonReaders: Socket[] = [];
    const allReaders: Socket[] = [];
    for (let i = 0; i < SUBSCRIBERS; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, SUBSCRIBERS - i) }, async (_, j) => {
          const n = i + j;
          if (n < NON_READING) nonReaders.push(await subscribe('', false));
          else if (n < NON_READING + READING_ALL) allReaders.push(await subscribe('', true));
          // Screen pops for extensions that get no calls: open, reading, quiet.
          else await subscribe(`?extension=9${n}`, true);
        }),
      );
    }
    const metrics = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return Number(/^callbridge_stream_clients (\d+)/m.exec(text)?.[1]);
    };
    assert.equal(await metrics(), SUBSCRIBERS, 'every stream is open');

    const key = (await (await fetch(`${server.url}/api/v1/keys`, { method: 'POST', headers: { ...auth(adminKey), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'pbx', role: 'ingest' }) })).json()) as { key: string };
    // Calls with 50 labels of 256 characters: each frame is ~14 kB, 600 of them far more than a socket buffers.
    const labels = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`l${i}`, String(i).padEnd(256, 'x')]));
    let peak = baseline;
    for (let i = 0; i < CALLS; i += 10) {
      const batch = Array.from({ length: 10 }, (_, j) => event(`flood-${i + j}`, { labels }));
      const res = await fetch(`${server.url}/api/v1/events`, { method: 'POST', headers: { ...auth(key.key), 'content-type': 'application/json' }, body: JSON.stringify(batch) });
      assert.equal(res.status, 200, 'ingest is served during the flood');
      const lookup = await fetch(`${server.url}/api/v1/lookup?number=0301234567`, { headers: auth(adminKey) });
      assert.equal(lookup.status, 200, 'lookups are served during the flood');
      peak = Math.max(peak, rssMb(server.child.pid!));
    }
    await until('every reading subscriber to get every call', () => allReaders.every((s) => received.get(s) === CALLS), 120_000);
    await until('the non-reading subscribers to be dropped', async () => (await metrics()) === SUBSCRIBERS - NON_READING, 60_000);
    peak = Math.max(peak, rssMb(server.child.pid!));
    t.diagnostic(`server memory: ${Math.round(baseline)} MB with the streams open, peak ${Math.round(peak)} MB`);
    // The bound leaves room both ways: with these numbers the server grows by ~140 MB without any sleeper (ingest,
    // 5 full readers) and ~215 MB with them; keeping a copy per stream up to 1 MB each, as before the
    // frames were shared, grew it by ~390 MB. A per-stream buffer without a limit would be gigabytes.
    assert.ok(peak - baseline < 300, `server memory grew by ${Math.round(peak - baseline)} MB (baseline ${Math.round(baseline)} MB)`);
    const quiet = [...received.entries()].filter(([s]) => !allReaders.includes(s));
    assert.ok(quiet.every(([, n]) => n === 0), 'filtered streams got no foreign calls');
    server.child.kill('SIGTERM');
    assert.equal(await new Promise((r) => server.child.once('exit', r)), 0, 'a clean shutdown with 1,800 streams open');
  });
});
