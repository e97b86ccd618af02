/**
 * The delivery engine end to end on SQLite and PostgreSQL: webhook subscriptions through the API, call
 * events ingested, the worker run deterministically (`runOnce`) against a local receiver. Signatures
 * are checked with the Standard Webhooks reference algorithm (test/support/webhook-receiver.ts).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, it } from 'node:test';
import { auth, inboundAnswered, openApp, type TestApp } from './support/app.ts';
import { forEachDialect } from './support/databases.ts';
import { startReceiver, verifyStandardWebhook, type Receiver } from './support/webhook-receiver.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

forEachDialect('delivery engine and webhooks', (dialect) => {
  let t: TestApp;
  let rx: Receiver;
  before(async () => {
    t = await openApp(dialect, { delivery: { retrySchedule: [300, 300, 300], disableAfterFailures: 4, pollMs: 60_000, timeouts: { connectMs: 1_000, totalMs: 500 } } });
    rx = await startReceiver();
    await setAllowList(['127.0.0.1']);
  });
  after(async () => {
    await rx.close();
    await t.close();
  });
  beforeEach(() => {
    rx.received.length = 0;
    rx.answer = () => ({ status: 200 });
  });

  const api = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, expect?: number) => {
    const res = await t.app.inject({ method, url, headers: { ...auth(t.keys.admin), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, payload: body === undefined ? undefined : JSON.stringify(body) });
    if (expect !== undefined) assert.equal(res.statusCode, expect, res.body);
    return res;
  };
  async function setAllowList(list: string[]) {
    await api('PATCH', '/api/v1/settings', { deliveryAllowList: list }, 200);
  }
  const subscribe = async (body: Record<string, unknown>) => (await api('POST', '/api/v1/webhooks', { url: `${rx.url}/hook`, ...body }, 201)).json() as { id: string; secret: string };
  const ingest = async (events: unknown) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/events', headers: { ...auth(t.keys.ingest), 'content-type': 'application/json' }, payload: JSON.stringify(events) });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { results: Array<{ callId: string }> };
  };
  const run = () => t.deps.delivery.worker.runOnce();
  const deliveries = async (query: string) => (await api('GET', `/api/v1/deliveries?${query}`, undefined, 200)).json().items as any[];

  it('delivers signed events of a call in order; the signature verifies with the reference algorithm', async () => {
    const hook = await subscribe({ eventTypes: ['call.ringing', 'call.answered', 'call.ended', 'call.missed'] });
    assert.match(hook.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    const listed = (await api('GET', `/api/v1/webhooks/${hook.id}`, undefined, 200)).json();
    assert.equal('secret' in listed, false, 'the secret is shown only at creation');

    const { results } = await ingest(inboundAnswered('wh-order-1'));
    assert.equal(await run(), 3);
    assert.deepEqual(rx.received.map((r) => JSON.parse(r.body).type), ['call.ringing', 'call.answered', 'call.ended']);
    for (const r of rx.received) {
      verifyStandardWebhook(hook.secret, r.headers, r.body);
      assert.equal(r.headers['content-type'], 'application/json');
    }
    assert.throws(() => verifyStandardWebhook(hook.secret, rx.received[0].headers, rx.received[0].body + ' '), /no matching signature/);
    const payload = JSON.parse(rx.received[2].body);
    assert.equal(payload.version, 1);
    assert.equal(payload.timestamp, '2026-11-21T10:02:07.000Z');
    assert.equal(payload.data.call.id, results[0].callId);
    assert.equal(payload.data.call.outcome, 'answered');
    assert.equal('tenantId' in payload.data.call, false);
    assert.ok('contact' in payload.data);

    const caused = (await api('GET', `/api/v1/calls/${results[0].callId}/deliveries`, undefined, 200)).json().items as any[];
    assert.deepEqual(caused.map((d) => [d.eventType, d.state]), [['call.ringing', 'delivered'], ['call.answered', 'delivered'], ['call.ended', 'delivered']]);
    assert.deepEqual(rx.received.map((r) => r.headers['webhook-id']), caused.map((d) => d.id));
    await api('DELETE', `/api/v1/webhooks/${hook.id}`, undefined, 204);
  });

  it('sends call.missed and applies the filters', async () => {
    const hook = await subscribe({ eventTypes: ['call.missed'], filters: { direction: ['inbound'], extension: ['202'] } });
    const missed = (callId: string, extension: string) => [
      { callId, type: 'call.ringing', direction: 'inbound', from: '030 555111', to: '+49 30 999000', extension, timestamp: '2026-11-21T11:00:00Z' },
      { callId, type: 'call.ended', direction: 'inbound', from: '030 555111', to: '+49 30 999000', extension, cause: 'noAnswer', timestamp: '2026-11-21T11:00:20Z' },
    ];
    await ingest([...missed('wh-missed-202', '202'), ...missed('wh-missed-201', '201')]);
    assert.equal(await run(), 1);
    assert.equal(rx.received.length, 1);
    const body = JSON.parse(rx.received[0].body);
    assert.equal(body.type, 'call.missed');
    assert.equal(body.data.call.outcome, 'missed');
    assert.deepEqual(body.data.call.extensionsRang, ['202']);
    await api('DELETE', `/api/v1/webhooks/${hook.id}`, undefined, 204);
  });

  it('retries after a 500 and a timeout, honours Retry-After, and logs every attempt without bodies', async () => {
    const hook = await subscribe({ eventTypes: ['call.ringing'] });
    const answers = [{ status: 500 }, { status: 200, delayMs: 1_500 }, { status: 503, headers: { 'retry-after': '1' } }, { status: 204 }];
    rx.answer = () => answers.shift() ?? { status: 200 };
    await ingest(inboundAnswered('wh-retry-1').slice(0, 1));
    assert.equal(await run(), 1);
    const [d] = await deliveries(`endpointId=${hook.id}`);
    assert.equal(d.state, 'pending');
    assert.equal(d.lastStatus, 500);
    await sleep(380);
    assert.equal(await run(), 1); // times out after 0.5 s
    await sleep(380);
    const before = Date.now();
    assert.equal(await run(), 1); // 503, Retry-After: 1
    const waiting = (await api('GET', `/api/v1/deliveries/${d.id}`, undefined, 200)).json();
    assert.equal(waiting.state, 'pending');
    assert.ok(Date.parse(waiting.nextAttemptAt) >= before + 900, `retry at ${waiting.nextAttemptAt}, asked for 1 s`);
    assert.equal(await run(), 0, 'not before the time the receiver asked for');
    await sleep(1_100);
    assert.equal(await run(), 1);
    const done = (await api('GET', `/api/v1/deliveries/${d.id}`, undefined, 200)).json();
    assert.equal(done.state, 'delivered');
    assert.deepEqual(done.attemptLog.map((a: any) => [a.n, a.outcome, a.status]), [[1, 'retry', 500], [2, 'retry', null], [3, 'retry', 503], [4, 'delivered', 204]]);
    assert.match(done.attemptLog[1].error, /no answer within 0.5 s/);
    assert.equal(done.attemptLog[0].request, `POST ${rx.url}/hook`);
    assert.equal(JSON.stringify(done.attemptLog).includes('030'), false, 'no personal data in the log');
    assert.equal(new Set(rx.received.map((r) => r.headers['webhook-id'])).size, 1, 'one id across retries');
    const hookNow = (await api('GET', `/api/v1/webhooks/${hook.id}`, undefined, 200)).json();
    assert.equal(hookNow.consecutiveFailures, 0, 'a success ends the streak');
    await api('DELETE', `/api/v1/webhooks/${hook.id}`, undefined, 204);
  });

  it('gives up after the schedule: a dead letter, replayable', async () => {
    const hook = await subscribe({ eventTypes: ['call.ringing'] });
    rx.answer = () => ({ status: 502 });
    await ingest(inboundAnswered('wh-dead-1').slice(0, 1));
    for (let i = 0; i < 4; i++) {
      assert.equal(await run(), 1);
      await sleep(380);
    }
    const [dead] = await deliveries(`state=dead&endpointId=${hook.id}`);
    assert.match(dead.lastError, /gave up after 4 attempts/);
    rx.answer = () => ({ status: 200 });
    await api('POST', '/api/v1/webhooks/' + hook.id + '/enable', undefined, 200);
    const replay = await api('POST', `/api/v1/deliveries/${dead.id}/replay`, undefined, 202);
    assert.equal(replay.json().state, 'pending');
    assert.equal(await run(), 1);
    assert.equal((await api('GET', `/api/v1/deliveries/${dead.id}`, undefined, 200)).json().state, 'delivered');
    assert.equal(rx.received.at(-1)!.headers['webhook-id'], dead.id, 'a replay keeps the id');
    await api('DELETE', `/api/v1/webhooks/${hook.id}`, undefined, 204);
  });

  it('410 Gone: dead letter and the webhook disabled until enabled again', async () => {
    const hook = await subscribe({ eventTypes: ['call.ringing', 'call.answered'] });
    rx.answer = () => ({ status: 410 });
    await ingest(inboundAnswered('wh-gone-1').slice(0, 2));
    assert.equal(await run(), 1, 'the answered event waits behind the ringing one, then the endpoint is disabled');
    const view = (await api('GET', `/api/v1/webhooks/${hook.id}`, undefined, 200)).json();
    assert.equal(view.enabled, false);
    assert.match(view.disabledReason, /410/);
    const rows = await deliveries(`endpointId=${hook.id}`);
    assert.deepEqual(rows.map((d) => d.state).sort(), ['dead', 'pending']);
    assert.equal(await run(), 0, 'nothing goes to a disabled endpoint');
    await ingest(inboundAnswered('wh-gone-2').slice(0, 1));
    assert.equal((await deliveries(`endpointId=${hook.id}`)).length, 2, 'a disabled subscription gets no new deliveries');

    const replayPending = await api('POST', `/api/v1/deliveries/${rows.find((d) => d.state === 'pending').id}/replay`, undefined, 409);
    assert.equal(replayPending.json().code, 'CB_DELIVERY_IN_FLIGHT');
    rx.answer = () => ({ status: 200 });
    const enabled = (await api('POST', `/api/v1/webhooks/${hook.id}/enable`, undefined, 200)).json();
    assert.deepEqual([enabled.enabled, enabled.disabledReason], [true, null]);
    assert.equal(await run(), 1, 'the waiting delivery goes out');
    const replayed = (await api('POST', '/api/v1/deliveries/replay', { endpointId: hook.id }, 202)).json();
    assert.equal(replayed.replayed, 1);
    assert.equal(await run(), 1);
    assert.deepEqual((await deliveries(`endpointId=${hook.id}`)).map((d) => d.state), ['delivered', 'delivered']);
    await api('DELETE', `/api/v1/webhooks/${hook.id}`, undefined, 204);
  });

  it('disables an endpoint after N consecutive failures, keeps its deliveries, resumes on enable', async () => {
    const hook = await subscribe({ eventTypes: ['call.ringing'], maxConcurrency: 1 });
    // Retry-After keeps the failed ones from coming due again within this run.
    rx.answer = () => ({ status: 500, headers: { 'retry-after': '1' } });
    for (let i = 0; i < 5; i++) await ingest(inboundAnswered(`wh-streak-${i}`).slice(0, 1));
    assert.equal(await run(), 5);
    const view = (await api('GET', `/api/v1/webhooks/${hook.id}`, undefined, 200)).json();
    assert.equal(view.enabled, false);
    assert.match(view.disabledReason, /4 consecutive failed attempts/);
    await sleep(380);
    assert.equal(await run(), 0);
    rx.answer = () => ({ status: 200 });
    await api('POST', `/api/v1/webhooks/${hook.id}/enable`, undefined, 200);
    await sleep(1_000);
    assert.equal(await run(), 5);
    assert.equal((await deliveries(`endpointId=${hook.id}&state=delivered`)).length, 5);
    await api('DELETE', `/api/v1/webhooks/${hook.id}`, undefined, 204);
  });

  it('blocks loopback, link-local, private and names resolving to them unless allow-listed; nothing is sent', async () => {
    await setAllowList([]);
    const urls = [`http://127.0.0.1:${rx.port}/a`, `http://[::1]:${rx.port}/b`, 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/c', `http://localhost:${rx.port}/d`, `http://[::ffff:127.0.0.1]:${rx.port}/e`, 'http://0.0.0.0:9/f'];
    const endpointId = 'ssrf-test';
    await t.store.dialect.db.transaction().execute((trx) =>
      t.deps.delivery.outbox.enqueue(
        trx,
        urls.map((url) => ({ tenantId: 'default', endpointId, handler: 'http', orderKey: null, callId: null, eventType: 'test', payload: { method: 'POST', url, headers: {}, body: '{}', sign: false } })),
      ),
    );
    const started = Date.now();
    assert.equal(await run(), urls.length);
    assert.ok(Date.now() - started < 2_000, 'refused before any connection attempt');
    assert.equal(rx.received.length, 0);
    const rows = await deliveries(`endpointId=${endpointId}`);
    assert.equal(rows.length, urls.length);
    for (const d of rows) {
      assert.equal(d.state, 'dead');
      const detail = (await api('GET', `/api/v1/deliveries/${d.id}`, undefined, 200)).json();
      assert.deepEqual([detail.attemptLog[0].outcome, detail.attemptLog[0].request], ['blocked', null], detail.payload.url);
      assert.match(detail.lastError, /deliveryAllowList/);
    }

    const view = (await t.deps.store.deliveryEndpoints.byId(endpointId))!;
    assert.match(view.disabledReason ?? '', /consecutive failed attempts/, 'blocked attempts count as failures');
    await t.deps.store.deliveryEndpoints.enable('default', endpointId, new Date().toISOString());
    await setAllowList(['127.0.0.1', 'localhost']);
    assert.equal((await api('POST', '/api/v1/deliveries/replay', { endpointId }, 202)).json().replayed, urls.length);
    await run();
    const paths = rx.received.map((r) => r.path).sort();
    assert.deepEqual(paths, ['/a', '/d', '/e']);
    await setAllowList(['127.0.0.1']);
  });

  it('does not follow redirects, gives up on a 400 at once, and sends to the corrected URL on replay', async () => {
    const hook = await subscribe({ url: `${rx.url}/old`, eventTypes: ['call.ringing'] });
    rx.answer = (req) => (req.path === '/old' ? { status: 301, headers: { location: '/new?x=1' } } : req.path === '/bad' ? { status: 400 } : { status: 200 });
    await ingest(inboundAnswered('wh-redirect-1').slice(0, 1));
    assert.equal(await run(), 1);
    const [d] = await deliveries(`endpointId=${hook.id}`);
    assert.equal(d.state, 'dead');
    assert.match(d.lastError, /HTTP 301: redirect to http:\/\/127\.0\.0\.1:\d+\/new not followed/);
    assert.deepEqual(rx.received.map((r) => r.path), ['/old']);
    await api('PATCH', `/api/v1/webhooks/${hook.id}`, { url: `${rx.url}/bad` }, 200);
    await api('POST', `/api/v1/deliveries/${d.id}/replay`, undefined, 202);
    assert.equal(await run(), 1, 'a 400 is not retried');
    assert.match((await api('GET', `/api/v1/deliveries/${d.id}`, undefined, 200)).json().lastError, /HTTP 400/);
    await api('PATCH', `/api/v1/webhooks/${hook.id}`, { url: `${rx.url}/new` }, 200);
    await api('POST', `/api/v1/deliveries/${d.id}/replay`, undefined, 202);
    assert.equal(await run(), 1);
    assert.deepEqual(rx.received.map((r) => r.path), ['/old', '/bad', '/new']);
    await api('DELETE', `/api/v1/webhooks/${hook.id}`, undefined, 204);
  });

  it('signs prepared http deliveries with their endpoint secret when asked', async () => {
    const hook = await subscribe({ eventTypes: ['call.ringing'], enabled: false });
    const body = JSON.stringify({ number: '+49301234567' });
    await t.store.dialect.db.transaction().execute((trx) =>
      t.deps.delivery.outbox.enqueue(trx, [
        { tenantId: 'default', endpointId: hook.id, handler: 'http', orderKey: null, callId: null, eventType: 'action', payload: { method: 'PUT', url: `${rx.url}/signed?n=1`, headers: { 'content-type': 'application/json' }, body, sign: true } },
      ]),
    );
    await api('POST', `/api/v1/webhooks/${hook.id}/enable`, undefined, 200);
    assert.equal(await run(), 1);
    assert.equal(rx.received[0].method, 'PUT');
    assert.equal(rx.received[0].path, '/signed?n=1');
    verifyStandardWebhook(hook.secret, rx.received[0].headers, rx.received[0].body);
    const [d] = await deliveries(`endpointId=${hook.id}`);
    const detail = (await api('GET', `/api/v1/deliveries/${d.id}`, undefined, 200)).json();
    assert.equal(detail.attemptLog[0].request, `PUT ${rx.url}/signed`, 'the query is not logged');
    await api('DELETE', `/api/v1/webhooks/${hook.id}`, undefined, 204);
  });

  it('stops gracefully: the attempt in flight finishes, unstarted deliveries go back to the outbox', async () => {
    const hook = await subscribe({ eventTypes: ['call.ringing'], maxConcurrency: 1 });
    rx.answer = () => ({ status: 200, delayMs: 300 });
    const worker = t.deps.delivery.worker;
    for (let i = 0; i < 4; i++) await ingest(inboundAnswered(`wh-stop-${i}`).slice(0, 1));
    await worker.start();
    const end = Date.now() + 5_000;
    while (rx.received.length === 0 && Date.now() < end) await sleep(10);
    await worker.stop();
    const states = (await deliveries(`endpointId=${hook.id}`)).map((d) => [d.state, d.attempts]);
    assert.deepEqual(states.filter(([s]) => s === 'delivered'), [['delivered', 1]]);
    assert.deepEqual(states.filter(([s]) => s !== 'delivered'), [['pending', 0], ['pending', 0], ['pending', 0]]);
    rx.answer = () => ({ status: 200 });
    assert.equal(await run(), 3);
    await api('DELETE', `/api/v1/webhooks/${hook.id}`, undefined, 204);
  });

  it('validates subscriptions and the allow-list, naming the field', async () => {
    const bad = await api('POST', '/api/v1/webhooks', { url: 'ftp://example.com/x', eventTypes: ['call.ringing'] }, 400);
    assert.deepEqual([bad.json().code, bad.json().field], ['CB_VALIDATION', '/url']);
    const badType = await api('POST', '/api/v1/webhooks', { url: 'https://example.com/x', eventTypes: ['call.exploded'] }, 400);
    assert.equal(badType.json().code, 'CB_VALIDATION');
    const badSecret = await api('POST', '/api/v1/webhooks', { url: 'https://example.com/x', eventTypes: ['call.ringing'], secret: 'hunter2' }, 400);
    assert.equal(badSecret.json().field, '/secret');
    const badList = await api('PATCH', '/api/v1/settings', { deliveryAllowList: ['10.0.0.0/8', 'not a host!'] }, 400);
    assert.equal(badList.json().field, '/deliveryAllowList/1');
    const other = await t.app.inject({ method: 'GET', url: '/api/v1/webhooks', headers: auth(t.keys.agent) });
    assert.equal(other.statusCode, 403);
    const hook = await subscribe({ eventTypes: ['call.ringing'] });
    const foreign = await t.app.inject({ method: 'GET', url: `/api/v1/webhooks/${hook.id}`, headers: auth(t.keys.otherTenantAdmin) });
    assert.equal(foreign.statusCode, 404);
    const paused = (await api('PATCH', `/api/v1/webhooks/${hook.id}`, { enabled: false, name: 'paused' }, 200)).json();
    assert.deepEqual([paused.enabled, paused.disabledReason, paused.name], [false, 'disabled by an administrator', 'paused']);
    const renamed = (await api('PATCH', `/api/v1/webhooks/${hook.id}`, { name: 'still paused' }, 200)).json();
    assert.deepEqual([renamed.enabled, renamed.name], [false, 'still paused']);
    const resumed = (await api('PATCH', `/api/v1/webhooks/${hook.id}`, { enabled: true }, 200)).json();
    assert.deepEqual([resumed.enabled, resumed.disabledReason], [true, null]);
    await api('DELETE', `/api/v1/webhooks/${hook.id}`, undefined, 204);
  });
});
