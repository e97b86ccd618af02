/**
 * The employee integration, byte-exact: for an answered, a missed, an outgoing and a transferred call
 * the exact requests (parameter names, order, values, encoding) the journal enqueues; then the same
 * requests arriving at a local receiver through the real outbox and worker, GET and POST.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Transaction } from 'kysely';
import type { CallEvent } from '../src/core/calls/call-event.ts';
import type { DeliveryRequest, HttpDeliveryPayload, Outbox } from '../src/delivery/delivery.ts';
import { EmployeeIntegrationConsumer } from '../src/integrations/employee/employee-consumer.ts';
import { CallJournal } from '../src/journal/call-journal.ts';
import { LiveHub } from '../src/journal/live-hub.ts';
import type { Database } from '../src/storage/schema.ts';
import type { Store } from '../src/storage/store.ts';
import { auth, openApp, type TestApp } from './support/app.ts';
import { forEachDialect } from './support/databases.ts';

/** A test double of the outbox seam: records what producers enqueue. */
class RecordingOutbox implements Outbox {
  enqueued: DeliveryRequest[] = [];
  async enqueue(_trx: Transaction<Database>, deliveries: readonly DeliveryRequest[]): Promise<void> {
    this.enqueued.push(...deliveries);
  }
}

const T = (s: number) => new Date(Date.UTC(2026, 10, 21, 10, 0, s, 250)).toISOString();

function ev(e: Partial<CallEvent> & Pick<CallEvent, 'type' | 'callId' | 'direction' | 'from' | 'to'>, at: number): CallEvent {
  return { linkedCallId: null, extension: null, extensions: [], queue: null, labels: {}, cause: null, transferTo: null, transferType: null, at: T(at), key: `${e.type}-${e.callId}-${at}`, ...e };
}

const inbound = { direction: 'inbound', from: '030 1234567', to: '+49 30 999000' } as const;
const outbound = { direction: 'outbound', from: '201', to: '0171 9876543' } as const;

const SCENARIOS: Record<string, CallEvent[]> = {
  answered: [
    ev({ ...inbound, type: 'ringing', callId: 'in-1', extension: '201' }, 0),
    ev({ ...inbound, type: 'answered', callId: 'in-1', extension: '201' }, 7),
    ev({ ...inbound, type: 'ended', callId: 'in-1', extension: '201', cause: 'normal' }, 127),
  ],
  missed: [
    ev({ ...inbound, from: 'anonymous', type: 'ringing', callId: 'in-2', extension: '202' }, 0),
    ev({ ...inbound, from: 'anonymous', type: 'ended', callId: 'in-2', extension: '202', cause: 'noAnswer' }, 30),
  ],
  outgoing: [
    ev({ ...outbound, type: 'ringing', callId: 'out-1', extension: '201' }, 0),
    ev({ ...outbound, type: 'answered', callId: 'out-1', extension: '201' }, 4),
    ev({ ...outbound, type: 'ended', callId: 'out-1', extension: '201', cause: 'normal' }, 64),
  ],
  transferred: [
    ev({ ...inbound, type: 'ringing', callId: 'in-3', extension: '201' }, 0),
    ev({ ...inbound, type: 'answered', callId: 'in-3', extension: '201' }, 5),
    ev({ ...inbound, type: 'transferred', callId: 'in-3', extension: '201', transferTo: '203', transferType: 'blind' }, 40),
    ev({ ...inbound, type: 'ringing', callId: 'in-3-b', linkedCallId: 'in-3', extension: '203' }, 41),
    ev({ ...inbound, type: 'answered', callId: 'in-3-b', linkedCallId: 'in-3', extension: '203' }, 45),
    ev({ ...inbound, type: 'ended', callId: 'in-3', extension: '201', cause: 'normal' }, 45),
    ev({ ...inbound, type: 'ended', callId: 'in-3-b', linkedCallId: 'in-3', extension: '203', cause: 'normal' }, 100),
  ],
};

/** Exactly what goes on the wire for GET to https://pbxadmin.example/<moment>?x=1 (names, order, values). */
const EXPECTED: Record<string, string[]> = {
  answered: [
    'GET https://pbxadmin.example/incoming?x=1&AccountId=ACME-42&UniqueCallId=in-1&Calledphone=%2B4930999000&ANumber=%2B49301234567&TimeStamp=2026-11-21T10%3A00%3A00Z&EmployeeLocalNumber=201&LinkedUniqueCallId=',
    'GET https://pbxadmin.example/answered?x=1&AccountId=ACME-42&UniqueCallId=in-1&EmployeeLocalNumber=201&ANumber=%2B49301234567&TimeStamp=2026-11-21T10%3A00%3A07Z&LinkedUniqueCallId=',
    'GET https://pbxadmin.example/ended?x=1&AccountId=ACME-42&UniqueCallId=in-1&Duration=120&Transfer=False&CallDirection=Incoming&TransferedUniqueId=&TransferedNumber=&TransferTo=',
  ],
  missed: [
    'GET https://pbxadmin.example/incoming?x=1&AccountId=ACME-42&UniqueCallId=in-2&Calledphone=%2B4930999000&ANumber=&TimeStamp=2026-11-21T10%3A00%3A00Z&EmployeeLocalNumber=202&LinkedUniqueCallId=',
    'GET https://pbxadmin.example/ended?x=1&AccountId=ACME-42&UniqueCallId=in-2&Duration=0&Transfer=False&CallDirection=Incoming&TransferedUniqueId=&TransferedNumber=&TransferTo=',
  ],
  outgoing: [
    'GET https://pbxadmin.example/outgoing?x=1&AccountId=ACME-42&UniqueCallId=out-1&EmployeeLocalNumber=201&ANumber=201&TimeStamp=2026-11-21T10%3A00%3A00Z&PhoneLocalNumber=201&BNumber=%2B491719876543',
    'GET https://pbxadmin.example/answered?x=1&AccountId=ACME-42&UniqueCallId=out-1&EmployeeLocalNumber=201&ANumber=201&TimeStamp=2026-11-21T10%3A00%3A04Z&LinkedUniqueCallId=',
    'GET https://pbxadmin.example/ended?x=1&AccountId=ACME-42&UniqueCallId=out-1&Duration=60&Transfer=False&CallDirection=Outgoing&TransferedUniqueId=&TransferedNumber=&TransferTo=',
  ],
  transferred: [
    'GET https://pbxadmin.example/incoming?x=1&AccountId=ACME-42&UniqueCallId=in-3&Calledphone=%2B4930999000&ANumber=%2B49301234567&TimeStamp=2026-11-21T10%3A00%3A00Z&EmployeeLocalNumber=201&LinkedUniqueCallId=',
    'GET https://pbxadmin.example/answered?x=1&AccountId=ACME-42&UniqueCallId=in-3&EmployeeLocalNumber=201&ANumber=%2B49301234567&TimeStamp=2026-11-21T10%3A00%3A05Z&LinkedUniqueCallId=',
    'GET https://pbxadmin.example/incoming?x=1&AccountId=ACME-42&UniqueCallId=in-3&Calledphone=%2B4930999000&ANumber=%2B49301234567&TimeStamp=2026-11-21T10%3A00%3A41Z&EmployeeLocalNumber=203&LinkedUniqueCallId=in-3-b',
    'GET https://pbxadmin.example/answered?x=1&AccountId=ACME-42&UniqueCallId=in-3&EmployeeLocalNumber=203&ANumber=%2B49301234567&TimeStamp=2026-11-21T10%3A00%3A45Z&LinkedUniqueCallId=in-3-b',
    'GET https://pbxadmin.example/ended?x=1&AccountId=ACME-42&UniqueCallId=in-3&Duration=95&Transfer=True&CallDirection=Incoming&TransferedUniqueId=in-3-b&TransferedNumber=%2B49301234567&TransferTo=203',
  ],
};

const URLS = { answered: 'https://pbxadmin.example/answered?x=1', ended: 'https://pbxadmin.example/ended?x=1', outgoing: 'https://pbxadmin.example/outgoing?x=1', incoming: 'https://pbxadmin.example/incoming?x=1' };

forEachDialect('employee integration: requests', (dialect) => {
  let store: Store;
  before(async () => {
    store = await dialect.open();
    await store.tenants.create({ id: 't1', name: 'T1', defaultCountry: 'DE', areaCode: '30' }, new Date().toISOString());
  });
  after(() => store.close());

  const run = async (events: CallEvent[], config: { method: 'GET' | 'POST'; urls?: typeof URLS; accountId?: string | null }) => {
    await store.employeeIntegrations.put('t1', { method: config.method, accountId: config.accountId === undefined ? 'ACME-42' : config.accountId, urls: config.urls ?? URLS, updatedAt: T(0) });
    const outbox = new RecordingOutbox();
    const journal = new CallJournal(store, new LiveHub(), async () => ({ defaultCountry: 'DE', areaCode: '30' }), { consumers: [new EmployeeIntegrationConsumer(store, outbox)] });
    // One event per ingest, as PBXs send them.
    for (const e of events) await journal.ingest('t1', [{ ...e, key: `${e.key}-${config.method}-${Math.random()}` }], 'test');
    return outbox.enqueued;
  };
  const line = (d: DeliveryRequest) => {
    const p = d.payload as HttpDeliveryPayload;
    return `${p.method} ${p.url}${p.body === null ? '' : ` ${p.body}`}`;
  };

  for (const [name, events] of Object.entries(SCENARIOS)) {
    it(`${name} call: exact parameters, GET as query string`, async () => {
      const enqueued = await run(events.map((e) => ({ ...e, callId: e.callId, linkedCallId: e.linkedCallId })), { method: 'GET' });
      assert.deepEqual(enqueued.map(line), EXPECTED[name]);
      for (const d of enqueued) {
        assert.equal(d.handler, 'http');
        assert.equal(d.endpointId, 'employee:t1');
        assert.equal((d.payload as HttpDeliveryPayload).sign, false);
        assert.deepEqual((d.payload as HttpDeliveryPayload).headers, {});
        assert.equal(d.orderKey, d.callId);
      }
    });
  }
});

/** A local receiver that records each request's method, URL and body as they arrive. */
async function receiver() {
  const got: Array<{ method: string; url: string; type: string | undefined; body: string }> = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ method: req.method!, url: req.url!, type: req.headers['content-type'], body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { got, base, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function until<T>(probe: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

forEachDialect('employee integration: end to end through the outbox', (dialect) => {
  let t: TestApp;
  let rx: Awaited<ReturnType<typeof receiver>>;
  before(async () => {
    t = await openApp(dialect, { delivery: { pollMs: 50 } });
    rx = await receiver();
    await t.store.tenants.update('default', { deliveryAllowList: ['127.0.0.1'] }, new Date().toISOString());
    await t.deps.delivery.worker.start();
  });
  after(async () => {
    await t.close();
    await rx.close();
  });
  const put = (body: unknown, key = t.keys.admin) => t.app.inject({ method: 'PUT', url: '/api/v1/integrations/employee', headers: auth(key), payload: body as object });
  const post = (events: unknown[]) => t.app.inject({ method: 'POST', url: '/api/v1/events', headers: auth(t.keys.ingest), payload: events as object });
  const at = (s: number) => new Date(Date.UTC(2026, 10, 21, 9, 0, s)).toISOString();

  it('validates the settings, naming the field; only admins change them', async () => {
    assert.deepEqual((await t.app.inject({ method: 'GET', url: '/api/v1/integrations/employee', headers: auth(t.keys.admin) })).json().urls, { answered: '', ended: '', outgoing: '', incoming: '' });
    const bad = await put({ method: 'GET', urls: { answered: 'ftp://x', ended: '', outgoing: '', incoming: '' } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().field, '/urls/answered');
    const badMethod = await put({ method: 'PUT', urls: { answered: '', ended: '', outgoing: '', incoming: '' } });
    assert.equal(badMethod.statusCode, 400);
    assert.equal(badMethod.json().field, '/method');
    assert.equal((await put({ method: 'GET', urls: { answered: '', ended: '', outgoing: '', incoming: '' } }, t.keys.agent)).statusCode, 403);
  });

  it('POSTs form-encoded bodies to the configured URLs; an empty URL is off; AccountId defaults to the tenant id', async () => {
    const r = await put({ method: 'POST', urls: { answered: `${rx.base}/answered`, ended: `${rx.base}/ended`, outgoing: '', incoming: '' } });
    assert.equal(r.statusCode, 200, r.body);
    const common = { callId: 'e2e-1', direction: 'inbound', from: '+49 30 1234567', to: '+49 30 999000', extension: '201' };
    assert.equal((await post([{ ...common, type: 'call.ringing', timestamp: at(0) }, { ...common, type: 'call.answered', timestamp: at(3) }, { ...common, type: 'call.ended', cause: 'normal', timestamp: at(63) }])).statusCode, 200);
    const got = await until(() => (rx.got.length >= 2 ? rx.got : undefined));
    await new Promise((res) => setTimeout(res, 200));
    assert.deepEqual(rx.got, [
      { method: 'POST', url: '/answered', type: 'application/x-www-form-urlencoded', body: 'AccountId=default&UniqueCallId=e2e-1&EmployeeLocalNumber=201&ANumber=%2B49301234567&TimeStamp=2026-11-21T09%3A00%3A03Z&LinkedUniqueCallId=' },
      { method: 'POST', url: '/ended', type: 'application/x-www-form-urlencoded', body: 'AccountId=default&UniqueCallId=e2e-1&Duration=60&Transfer=False&CallDirection=Incoming&TransferedUniqueId=&TransferedNumber=&TransferTo=' },
    ]);
    assert.equal(got.length, 2, 'the incoming URL is empty: nothing sent for the ringing');
  });

  it('sends GET requests with the parameters as query string, through the outbox', async () => {
    rx.got.length = 0;
    await put({ method: 'GET', accountId: 'ACME 42', urls: { answered: '', ended: '', outgoing: `${rx.base}/out`, incoming: '' } });
    const common = { callId: 'e2e-2', direction: 'outbound', from: '201', to: '0171 9876543', extension: '201' };
    await post([{ ...common, type: 'call.ringing', timestamp: at(100) }]);
    await until(() => (rx.got.length >= 1 ? rx.got : undefined));
    assert.deepEqual(rx.got, [
      { method: 'GET', url: '/out?AccountId=ACME+42&UniqueCallId=e2e-2&EmployeeLocalNumber=201&ANumber=201&TimeStamp=2026-11-21T09%3A01%3A40Z&PhoneLocalNumber=201&BNumber=%2B491719876543', type: undefined, body: '' },
    ]);
  });
});
