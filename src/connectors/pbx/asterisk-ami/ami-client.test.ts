import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { AmiClient, type AmiClientOptions } from './ami-client.ts';
import { AmiParser, type AmiMessage } from './ami-parser.ts';
import { FakeAmiServer, GARBAGE_EVENT, type FakeAmiOptions } from '../../../../test/support/fake-ami-server.ts';

const FIXTURES = new URL('./fixtures', import.meta.url).pathname;
const rec = (name: string) => `${FIXTURES}/${name}.ami`;

/** What a client should deliver for a recording: every message after the banner and login response. */
function expectedEvents(path: string): AmiMessage[] {
  const messages = new AmiParser().push(readFileSync(path));
  assert.equal(messages[0].Response, 'Success');
  return messages.slice(1);
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

type Harness = {
  server: FakeAmiServer;
  client: AmiClient;
  /** Events per connection, one array per successful login. */
  sessions: { at: string; message: AmiMessage }[][];
  events: () => AmiMessage[];
  disconnects: string[];
  logs: string[];
};

async function harness(t: { after(fn: () => Promise<void>): void }, server: FakeAmiOptions, client: Partial<AmiClientOptions> = {}): Promise<Harness> {
  const fake = new FakeAmiServer(server);
  const { port } = await fake.start();
  const logs: string[] = [];
  const log = { info: (o: object, m: string) => logs.push(`${m} ${JSON.stringify(o)}`), warn: (o: object, m: string) => logs.push(`${m} ${JSON.stringify(o)}`) };
  const ami = new AmiClient({
    host: '127.0.0.1', port, username: fake.username, secret: fake.secret,
    keepaliveMs: 5_000, actionTimeoutMs: 1_000, connectTimeoutMs: 1_000, backoff: { initialMs: 10, maxMs: 80 }, log, ...client,
  });
  const h: Harness = { server: fake, client: ami, sessions: [], events: () => h.sessions.flat().map((e) => e.message), disconnects: [], logs };
  ami.onConnected(() => h.sessions.push([]));
  ami.onEvent((message, at) => h.sessions.at(-1)!.push({ at, message }));
  ami.onDisconnected((reason) => h.disconnects.push(reason));
  t.after(async () => {
    await ami.stop();
    await fake.stop();
  });
  ami.start();
  return h;
}

test('logs in and reports the connection', async (t) => {
  const h = await harness(t, {});
  await waitFor('login', () => h.sessions.length === 1);
  const status = h.client.status();
  assert.equal(status.state, 'connected');
  assert.ok(status.connectedSince);
  assert.equal(status.lastError, null);
  assert.deepEqual(h.server.logins.map((l) => l.ok), [true]);
  const login = h.server.actions[0];
  assert.equal(login.Events, 'on');
  assert.match(login.ActionID, /^cb-/);
});

test('a wrong secret gives a clear error without the secret, and retries at the maximum backoff', async (t) => {
  const secret = 'Sup3r-Secret-Value';
  const h = await harness(t, { secret: 'the-right-one' }, { secret, backoff: { initialMs: 10, maxMs: 60 } });
  await waitFor('three login attempts', () => h.server.logins.length >= 3);
  const status = h.client.status();
  assert.equal(status.state, 'failed');
  assert.equal(status.lastError, 'Asterisk refused the login for user callbridge: check username and secret in manager.conf');
  assert.ok(status.lastErrorAt);
  assert.ok(status.reconnects >= 2);
  const gaps = h.server.logins.slice(1).map((l, i) => l.at - h.server.logins[i].at);
  assert.ok(gaps.every((gap) => gap >= 45), `retries too fast: ${gaps.join(', ')} ms`);
  assert.equal(h.sessions.length, 0);
  assert.deepEqual(h.disconnects, []);
  assert.ok(h.logs.length > 0);
  assert.ok(!h.logs.join('\n').includes(secret) && !status.lastError!.includes(secret));
  await assert.rejects(h.client.action({ Action: 'Ping' }), /not connected to Asterisk at 127\.0\.0\.1:\d+ \(failed\)/);
});

test('an unreachable port is reported in words', async () => {
  const fake = new FakeAmiServer();
  const { port } = await fake.start();
  await fake.stop();
  const client = new AmiClient({ host: '127.0.0.1', port, username: 'u', secret: 's', backoff: { initialMs: 10, maxMs: 20 } });
  client.start();
  await waitFor('an error', () => client.status().reconnects >= 1);
  await client.stop();
  assert.match(client.status().lastError!, /refused: is AMI enabled/);
  assert.equal(client.status().state, 'stopped');
});

const replays = [
  { name: 'full speed, recorded chunks', file: '01-inbound-answered', replay: { kind: 'recorded' } },
  { name: '1-byte chunks', file: '03-inbound-busy-anonymous', replay: { kind: 'bytes', size: 1 } },
  { name: 'random chunks', file: '06-inbound-queue-answered', replay: { kind: 'random', seed: 42, maxSize: 700 } },
  { name: 'random chunks (other seed)', file: '09-inbound-concurrent-calls', replay: { kind: 'random', seed: 7, maxSize: 40 } },
] as const;

for (const { name, file, replay } of replays) {
  test(`a whole recording arrives complete and in order: ${name}`, async (t) => {
    const expected = expectedEvents(rec(file));
    const h = await harness(t, { plan: { recording: rec(file), replay } });
    // Actions answered while the stream flows must not split or swallow events.
    await waitFor('first event', () => h.events().length > 0);
    const answers = await Promise.all([h.client.action({ Action: 'Ping' }), h.client.action({ Action: 'CoreShowChannels' }), h.client.action({ Action: 'Ping' })]);
    assert.deepEqual(answers.map((a) => a.response.Response), ['Success', 'Success', 'Success']);
    await waitFor('all events', () => h.events().length >= expected.length, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(h.events(), expected);
    assert.equal(h.client.status().eventsReceived, expected.length);
    assert.equal(h.client.status().lastEventAt, h.sessions[0].at(-1)!.at);
  });
}

test('a recording paced by its timing file (20x) arrives complete, spread over time', async (t) => {
  const expected = expectedEvents(rec('01-inbound-answered'));
  const h = await harness(t, { plan: { recording: rec('01-inbound-answered'), replay: { kind: 'paced', speed: 20 } } });
  await waitFor('login', () => h.sessions.length === 1);
  const started = Date.now();
  await waitFor('all events', () => h.events().length >= expected.length, 5_000);
  assert.deepEqual(h.events(), expected);
  // The recording spans 8.0 s: at 20x the last events come ~400 ms after the first.
  assert.ok(Date.now() - started >= 300, `replay took only ${Date.now() - started} ms`);
  assert.ok(new Set(h.sessions[0].map((e) => e.at)).size >= 10);
});

test('garbage between messages is survived', async (t) => {
  const expected = expectedEvents(rec('01-inbound-answered'));
  const h = await harness(t, { plan: { recording: rec('01-inbound-answered'), garbageEvery: 2, replay: { kind: 'random', seed: 3 } } });
  await waitFor('all events', () => h.events().filter((e) => e.Event !== GARBAGE_EVENT).length >= expected.length);
  assert.deepEqual(h.events().filter((e) => e.Event !== GARBAGE_EVENT), expected);
  assert.ok(h.events().some((e) => e.Event === GARBAGE_EVENT), 'the unknown event is passed on');
  const { response } = await h.client.action({ Action: 'Ping' });
  assert.equal(response.Ping, 'Pong');
});

test('a connection dropped mid-stream reconnects and resynchronizes', async (t) => {
  const expected = expectedEvents(rec('01-inbound-answered'));
  const h = await harness(t, {
    plan: (n) => ({ recording: rec('01-inbound-answered'), dropAfterBytes: n === 0 ? 20_000 : undefined }),
  });
  await waitFor('second connection complete', () => h.sessions.length === 2 && h.sessions[1].length >= expected.length);
  const first = h.sessions[0].map((e) => e.message);
  assert.ok(first.length > 10 && first.length < expected.length);
  assert.deepEqual(first, expected.slice(0, first.length), 'the cut message is dropped, not merged');
  assert.deepEqual(h.sessions[1].map((e) => e.message), expected);
  assert.equal(h.disconnects.length, 1);
  assert.match(h.disconnects[0], /closed the connection|reset/);
  assert.equal(h.client.status().reconnects, 1);
  assert.equal(h.client.status().state, 'connected');
});

test('keepalive: a server that stops answering Ping is dropped and reconnected', async (t) => {
  const h = await harness(t, { plan: (n) => ({ ignorePings: n === 0 }) }, { keepaliveMs: 20, actionTimeoutMs: 50 });
  await waitFor('reconnect', () => h.sessions.length === 2);
  assert.equal(h.disconnects.length, 1);
  assert.match(h.disconnects[0], /^Asterisk at 127\.0\.0\.1:\d+ did not answer Ping within 50 ms; reconnecting$/);
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(h.disconnects.length, 1, 'the answering server is kept');
  assert.ok(h.server.actions.filter((a) => a.Action === 'Ping').length >= 4);
  assert.equal(h.client.status().reconnects, 1);
});

test('CoreShowChannels returns the event list, which is not passed to onEvent', async (t) => {
  const channels = [
    { Channel: 'Local/201@phones-00000001;1', ChannelState: '6', ChannelStateDesc: 'Up', Linkedid: '1795264512.0' },
    { Channel: 'Local/0301234560@from-trunk-00000000;2', ChannelState: '6', ChannelStateDesc: 'Up', Linkedid: '1795264512.0' },
  ];
  const h = await harness(t, { channels });
  await waitFor('login', () => h.sessions.length === 1);
  const { response, events } = await h.client.action({ Action: 'CoreShowChannels' });
  assert.equal(response.EventList, 'start');
  assert.deepEqual(events.map((e) => e.Event), ['CoreShowChannel', 'CoreShowChannel', 'CoreShowChannelsComplete']);
  assert.deepEqual(events.map((e) => e.Channel).slice(0, 2), channels.map((c) => c.Channel));
  assert.ok(events.every((e) => e.ActionID === response.ActionID));
  assert.equal(events[2].ListItems, '2');
  assert.deepEqual(h.events(), []);
});

test('Originate resolves with the OriginateResponse, and the server saw the right fields', async (t) => {
  const h = await harness(t, {});
  await waitFor('login', () => h.sessions.length === 1);
  const { response, events } = await h.client.action({
    Action: 'Originate', Channel: 'Local/202@phones', Context: 'internal', Exten: '040555123', Priority: '1',
    CallerID: '"Max Weber" <202>', Async: 'true', Variable: 'CB_CALL=1\nCB_USER=max',
  }, { listUntil: 'OriginateResponse' });
  assert.equal(response.Message, 'Originate successfully queued');
  assert.equal(events.length, 1);
  assert.equal(events[0].Response, 'Success');
  assert.equal(events[0].ActionID, response.ActionID);
  const seen = h.server.originates[0];
  assert.deepEqual({ ...seen, ActionID: undefined }, {
    Action: 'Originate', Channel: 'Local/202@phones', Context: 'internal', Exten: '040555123', Priority: '1',
    CallerID: '"Max Weber" <202>', Async: 'true', Variable: 'CB_CALL=1\nCB_USER=max', ActionID: undefined,
  });
  assert.deepEqual(h.events(), []);
});

test('errors: unknown action, timeout, lost connection, bad header', async (t) => {
  const h = await harness(t, { plan: (n) => ({ ignorePings: n === 0 }) });
  await waitFor('login', () => h.sessions.length === 1);
  const unknown = await h.client.action({ Action: 'NoSuchThing' });
  assert.deepEqual([unknown.response.Response, unknown.response.Message], ['Error', 'Invalid/unknown command']);
  await assert.rejects(h.client.action({ Action: 'Ping' }, { timeoutMs: 30 }), { message: 'Asterisk did not answer Ping within 30 ms' });
  await assert.rejects(h.client.action({ Action: 'Ping', Bad: 'a\r\nAction: Logoff' }), /line break/);
  const pending = h.client.action({ Action: 'Ping' });
  h.server.dropAll();
  await assert.rejects(pending, /^Error: AMI action Ping failed: connection lost \(Asterisk at 127\.0\.0\.1:\d+ (closed the connection|reset the connection)\)$/);
  await waitFor('reconnect', () => h.sessions.length === 2);
});

test('stop() logs off, is idempotent, and no callback fires after it', async (t) => {
  const h = await harness(t, { plan: { recording: rec('04-outbound-answered'), replay: { kind: 'paced', speed: 10 } } });
  await waitFor('some events', () => h.events().length > 5);
  const pending = h.client.action({ Action: 'Ping' }, { timeoutMs: 5000 });
  await Promise.all([h.client.stop(), h.client.stop()]);
  await pending.catch(() => {});
  const count = h.events().length;
  assert.equal(h.server.actions.at(-1)!.Action, 'Logoff');
  assert.equal(h.client.status().state, 'stopped');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(h.events().length, count);
  assert.deepEqual(h.disconnects, []);
  await assert.rejects(h.client.action({ Action: 'Ping' }), /not connected/);
});

test('after stop() nothing keeps the process alive', async () => {
  const script = `
    import { AmiClient } from ${JSON.stringify(new URL('./ami-client.ts', import.meta.url).href)};
    import { FakeAmiServer } from ${JSON.stringify(new URL('../../../../test/support/fake-ami-server.ts', import.meta.url).href)};
    const server = new FakeAmiServer({ plan: { recording: ${JSON.stringify(rec('01-inbound-answered'))}, replay: { kind: 'paced', speed: 1 } } });
    const { port } = await server.start();
    const a = new AmiClient({ host: '127.0.0.1', port, username: server.username, secret: server.secret, keepaliveMs: 50 });
    const b = new AmiClient({ host: '127.0.0.1', port: 1, username: 'x', secret: 'y', backoff: { initialMs: 60000 } });
    await new Promise((resolve) => { a.onConnected(resolve); a.start(); b.start(); });
    await new Promise((resolve) => setTimeout(resolve, 120));
    await Promise.all([a.stop(), b.stop()]);
    await server.stop();
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => { child.kill(); resolve(null); }, 5000);
    child.on('exit', (c) => { clearTimeout(timer); resolve(c); });
  });
  assert.equal(code, 0, `the process did not exit by itself: ${stderr}`);
});
