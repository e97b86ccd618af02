/**
 * `callbridge agent`, the desktop companion, against a real server behind a TCP proxy: it starts a
 * configured application with the call's values as literal arguments (a real process, no shell), opens
 * URLs through the platform opener, never takes the program from the message, and reconnects after the
 * network drops (the proxy stopped and started again on the same port).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { createApiKey } from '../src/auth/api-keys.ts';
import { browserCommand, runCompanion, type Spawner } from '../src/cli/agent-companion.ts';
import { main } from '../src/cli/main.ts';
import { auth, openApp, type TestApp } from './support/app.ts';
import { forEachDialect } from './support/databases.ts';

/** A TCP proxy to `target` that can be stopped (dropping every connection) and started again on its port. */
function proxy(target: number) {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  let port = 0;
  return {
    get port() {
      return port;
    },
    async start() {
      server = createServer((client) => {
        const upstream = createConnection(target, '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server!.close(() => r()));
    },
  };
}

async function until<T>(probe: () => T | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

it('is a command: help, and a usage error without key or with a bad server URL', async () => {
  const lines: string[] = [];
  const io = { out: (t: string) => void lines.push(t), err: (t: string) => void lines.push(t) };
  assert.equal(await main(['agent', '--help'], io), 0);
  assert.match(lines.join('\n'), /callbridge agent \[--server <url>\] \[--key <key>\] \[--extension <ext>\]/);
  const saved = process.env.CALLBRIDGE_API_KEY;
  delete process.env.CALLBRIDGE_API_KEY;
  try {
    assert.equal(await main(['agent', '--server', 'http://127.0.0.1:1'], io), 2);
    assert.equal(await main(['agent', '--key', 'k', '--server', 'ftp://x'], io), 2);
  } finally {
    if (saved !== undefined) process.env.CALLBRIDGE_API_KEY = saved;
  }
});

it('opens URLs with the platform opener, never through cmd', () => {
  assert.deepEqual(browserCommand('https://x.example/?a=1&b=2', 'linux'), ['xdg-open', ['https://x.example/?a=1&b=2']]);
  assert.deepEqual(browserCommand('https://x.example/', 'darwin'), ['open', ['https://x.example/']]);
  assert.deepEqual(browserCommand('https://x.example/?a=1&b=2', 'win32'), ['rundll32', ['url.dll,FileProtocolHandler', 'https://x.example/?a=1&b=2']]);
});

it('starts the program configured on the server, not the one a message names', async () => {
  const server = createHttpServer((req, res) => {
    if (req.url?.startsWith('/api/v1/agent/stream')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const open = (actionId: string) => `event: action.open\ndata: ${JSON.stringify({ actionId, kind: 'application', command: '/bin/evil', args: ['x'], callId: null })}\n\n`;
      res.write(open('good') + open('unknown'));
      return;
    }
    if (req.url === '/api/v1/actions/good') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ enabled: true, target: { type: 'application', command: '/opt/crm/crm' } }));
    res.writeHead(404).end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const spawned: Array<[string, readonly string[], object]> = [];
  const logs: string[] = [];
  const stop = new AbortController();
  const fake: Spawner = (command, args, options) => {
    spawned.push([command, args, options]);
    return { unref() {}, on() {} } as never;
  };
  const running = runCompanion({ server: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`), key: 'k', signal: stop.signal, spawn: fake, log: (l) => logs.push(l) });
  await until(() => logs.some((l) => l.includes('unknown')));
  stop.abort();
  await running;
  server.closeAllConnections();
  server.close();
  assert.equal(spawned.length, 1);
  assert.equal(spawned[0][0], '/opt/crm/crm');
  assert.deepEqual(spawned[0][1], ['x']);
  assert.equal((spawned[0][2] as { shell: boolean }).shell, false);
  assert.ok(logs.some((l) => /action not started: the server does not know action unknown/.test(l)), logs.join('\n'));
});

forEachDialect('agent companion', (dialect) => {
  let t: TestApp;
  let relay: ReturnType<typeof proxy>;
  let anna: string;
  let annaId: string;
  const dir = mkdtempSync(join(tmpdir(), 'callbridge-agent-'));
  before(async () => {
    t = await openApp(dialect);
    const base = new URL(await t.app.listen({ host: '127.0.0.1', port: 0 }));
    relay = proxy(Number(base.port));
    await relay.start();
    await t.store.users.upsertMany('default', [{ extension: '201', name: 'Anna', email: null }], new Date().toISOString());
    annaId = (await t.store.users.byExtension('default', '201'))!.id;
    anna = (await createApiKey(t.store, { tenantId: 'default', role: 'agent', name: 'anna', extension: '201' })).key;
  });
  after(async () => {
    await relay.stop().catch(() => {});
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const api = (method: 'GET' | 'POST', url: string, payload?: unknown, key = t.keys.admin) =>
    t.app.inject({ method, url, headers: auth(key), ...(payload === undefined ? {} : { payload: payload as object }) });

  it('launches the application with hostile values as literal arguments, opens URLs, and survives a network loss', async () => {
    const out = join(dir, 'argv.json');
    const pwned = join(dir, 'pwned');
    // The program records the arguments it received; a shell would have run the injected commands instead.
    const script = 'require("node:fs").writeFileSync(process.argv[1], JSON.stringify(process.argv.slice(2)))';
    const app = (await api('POST', '/api/v1/actions', { name: 'Recorder', ownerUserId: annaId, target: { type: 'application', command: process.execPath, args: ['-e', script, out, '${number}', '${MDC_LABEL-note}'] } })).json();
    const page = (await api('POST', '/api/v1/actions', { name: 'CRM', ownerUserId: annaId, target: { type: 'url', url: 'https://crm.example/?n=${number}' } })).json();
    const hostile = `"; rm -rf / #`;
    const note = `$(touch ${pwned}) \`touch ${pwned}\` && touch ${pwned}`;
    const ingest = await api('POST', '/api/v1/events', [{ type: 'call.ringing', callId: 'evil-1', direction: 'inbound', from: hostile, to: '+49 30 999000', extension: '201', labels: { note } }], t.keys.ingest);
    assert.equal(ingest.statusCode, 200, ingest.body);
    const call = (await api('GET', '/api/v1/calls?limit=1')).json().items[0];

    const logs: string[] = [];
    const opened: string[][] = [];
    const spawner: Spawner = (command, args, options) => {
      if (command === 'xdg-open') {
        opened.push([...args]);
        return { unref() {}, on() {} } as never;
      }
      return spawn(command, args, options);
    };
    const stop = new AbortController();
    const running = runCompanion({ server: new URL(`http://127.0.0.1:${relay.port}/`), key: anna, signal: stop.signal, spawn: spawner, platform: 'linux', log: (l) => logs.push(l), retryMs: 100, maxRetryMs: 200 });
    try {
      await until(() => logs.some((l) => l.startsWith('following')));
      assert.equal((await api('POST', `/api/v1/calls/${call.id}/actions/${app.id}`, undefined, anna)).statusCode, 202);
      await until(() => existsSync(out));
      await until(() => readFileSync(out, 'utf8').length > 0);
      assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), [hostile, note]);
      assert.equal(existsSync(pwned), false, 'nothing was run through a shell');

      await relay.stop();
      await until(() => logs.some((l) => l.startsWith('connection lost')));
      await relay.start();
      await until(() => logs.includes('reconnected'));
      assert.equal((await api('POST', `/api/v1/calls/${call.id}/actions/${page.id}`, undefined, anna)).statusCode, 202);
      await until(() => opened.length > 0);
      assert.deepEqual(opened, [[`https://crm.example/?n=${encodeURIComponent(hostile)}`]]);
    } finally {
      stop.abort();
      await running;
    }
  });
});
