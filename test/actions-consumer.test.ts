/**
 * Automatic server-side actions in the ingest transaction, on both databases, with a recording test
 * double of the outbox seam: who an action starts for (owner, tenant-wide once), disabled actions, and
 * that a tenant's actions changed through the service apply at the next call.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Transaction } from 'kysely';
import { ActionsConsumer } from '../src/actions/actions-consumer.ts';
import { ActionsService } from '../src/actions/actions-service.ts';
import { AgentHub } from '../src/actions/agent-hub.ts';
import type { CallEvent } from '../src/core/calls/call-event.ts';
import type { DeliveryRequest, HttpDeliveryPayload, Outbox } from '../src/delivery/delivery.ts';
import { CallJournal } from '../src/journal/call-journal.ts';
import { LiveHub } from '../src/journal/live-hub.ts';
import type { Database } from '../src/storage/schema.ts';
import type { Store } from '../src/storage/store.ts';
import { forEachDialect } from './support/databases.ts';

class RecordingOutbox implements Outbox {
  enqueued: DeliveryRequest[] = [];
  async enqueue(_trx: Transaction<Database>, deliveries: readonly DeliveryRequest[]): Promise<void> {
    this.enqueued.push(...deliveries);
  }
}

let n = 0;
function ev(type: CallEvent['type'], callId: string, extra: Partial<CallEvent> = {}): CallEvent {
  n++;
  return { type, callId, linkedCallId: null, direction: 'inbound', from: '030 1234567', to: '+49 30 999000', extension: null, extensions: [], queue: null, labels: {}, cause: type === 'ended' ? 'normal' : null, transferTo: null, transferType: null, at: new Date(Date.UTC(2026, 0, 1, 10, 0, n)).toISOString(), key: `k${n}`, ...extra };
}

forEachDialect('automatic actions in the ingest transaction', (dialect) => {
  let store: Store;
  let outbox: RecordingOutbox;
  let journal: CallJournal;
  let service: ActionsService;
  let annaId: string;
  before(async () => {
    store = await dialect.open();
    await store.tenants.create({ id: 't1', name: 'T1', defaultCountry: 'DE', areaCode: '30' }, new Date().toISOString());
    await store.users.upsertMany('t1', [{ extension: '201', name: 'Anna', email: null }, { extension: '202', name: 'Max', email: null }], new Date().toISOString());
    annaId = (await store.users.byExtension('t1', '201'))!.id;
    outbox = new RecordingOutbox();
    const consumer = new ActionsConsumer(store, outbox, new AgentHub(new LiveHub()), 60_000);
    service = new ActionsService(store);
    service.onChange((tenantId) => consumer.forget(tenantId));
    journal = new CallJournal(store, new LiveHub(), async () => ({ defaultCountry: 'DE', areaCode: '30' }), { consumers: [consumer] });
  });
  after(() => store.close());

  const urls = () => outbox.enqueued.map((d) => `${d.eventType} ${(d.payload as HttpDeliveryPayload).url}`);

  it('starts a tenant-wide action once per change, and a user\'s action only for the user\'s extension', async () => {
    await service.create('t1', { name: 'all', execution: 'server', target: { type: 'url', url: 'https://x.example/all?e=${extension}' }, trigger: { mode: 'automatic', direction: 'both', results: ['ringing'], callTypes: ['direct', 'queue'] } });
    await service.create('t1', { name: 'anna', ownerUserId: annaId, execution: 'server', target: { type: 'url', url: 'https://x.example/anna?n=${number}' }, trigger: { mode: 'automatic', direction: 'inbound', results: ['answered'], callTypes: ['direct'] } });
    await journal.ingest('t1', [ev('ringing', 'g1', { extensions: ['201', '202'] })], 'test');
    await journal.ingest('t1', [ev('answered', 'g1', { extension: '202' })], 'test');
    assert.deepEqual(urls(), ['action.ringing https://x.example/all?e=201']);
    await journal.ingest('t1', [ev('ringing', 'g2', { extension: '201' }), ev('answered', 'g2', { extension: '201' })], 'test');
    assert.deepEqual(urls().slice(1), ['action.ringing https://x.example/all?e=201', 'action.answered https://x.example/anna?n=%2B49301234567']);
    const d = outbox.enqueued.at(-1)!;
    assert.equal(d.handler, 'http');
    assert.match(d.endpointId, /^action:/);
    assert.equal(d.orderKey, d.callId);
    assert.equal((d.payload as HttpDeliveryPayload).sign, false);
  });

  it('starts nothing for a disabled action, from the next call on', async () => {
    const all = (await service.list('t1')).find((a) => a.name === 'all')!;
    await service.update('t1', all.id, { enabled: false });
    outbox.enqueued.length = 0;
    await journal.ingest('t1', [ev('ringing', 'g3', { extension: '202' })], 'test');
    assert.deepEqual(urls(), []);
  });

  it('sends nothing for changes that are no occurrence (a transfer)', async () => {
    await journal.ingest('t1', [ev('transferred', 'g2', { extension: '201', transferTo: '202', transferType: 'blind' })], 'test');
    assert.deepEqual(urls(), []);
  });
});
