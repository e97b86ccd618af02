/**
 * Turns call changes into webhook deliveries, inside the ingest transaction (a `ChangeConsumer`).
 * The tenant's enabled subscriptions are cached: `warm` loads them before the transaction (no I/O is
 * allowed inside it), the API drops the cache when a subscription changes, and other instances'
 * changes are picked up within `ttlMs`.
 */
import type { Transaction } from 'kysely';
import type { AppliedChange, ChangeConsumer } from '../journal/call-journal.ts';
import type { DeliveryEndpoint } from '../storage/repositories/delivery-endpoints-repository.ts';
import type { Database } from '../storage/schema.ts';
import type { Store } from '../storage/store.ts';
import type { DeliveryRequest, Outbox } from './delivery.ts';
import { eventTypesOf, matchesFilters, webhookPayload, type WebhookConfig } from './webhook-events.ts';

type Subscription = { id: string; config: WebhookConfig };

export class WebhookProducer implements ChangeConsumer {
  #store: Store;
  #outbox: Outbox;
  #ttlMs: number;
  #byTenant = new Map<string, { until: number; subscriptions: Subscription[] }>();

  constructor(store: Store, outbox: Outbox, ttlMs = 5_000) {
    this.#store = store;
    this.#outbox = outbox;
    this.#ttlMs = ttlMs;
  }

  async warm(tenantId: string): Promise<void> {
    const hit = this.#byTenant.get(tenantId);
    if (hit && hit.until > Date.now()) return;
    const endpoints = await this.#store.deliveryEndpoints.list(tenantId, 'webhook');
    this.#byTenant.set(tenantId, { until: Date.now() + this.#ttlMs, subscriptions: endpoints.filter((e) => e.enabled).map(toSubscription) });
  }

  /** Drops the cached subscriptions of a tenant (the API calls it after every change). */
  forget(tenantId: string): void {
    this.#byTenant.delete(tenantId);
  }

  async consume(trx: Transaction<Database>, change: AppliedChange): Promise<void> {
    const subscriptions = this.#byTenant.get(change.call.tenantId)?.subscriptions;
    if (!subscriptions?.length) return;
    const types = eventTypesOf(change.type, change.call);
    if (types.length === 0) return;
    const requests: DeliveryRequest[] = [];
    for (const s of subscriptions) {
      if (!matchesFilters(s.config.filters, change.call)) continue;
      for (const type of types) {
        if (!s.config.eventTypes.includes(type)) continue;
        requests.push({
          tenantId: change.call.tenantId,
          endpointId: s.id,
          handler: 'webhook',
          orderKey: change.call.id,
          callId: change.call.id,
          eventType: type,
          payload: webhookPayload(type, change.call, change.event.at),
        });
      }
    }
    await this.#outbox.enqueue(trx, requests);
  }
}

function toSubscription(e: DeliveryEndpoint): Subscription {
  const config = e.config as Partial<WebhookConfig>;
  return { id: e.id, config: { eventTypes: config.eventTypes ?? [], filters: config.filters ?? {} } };
}
