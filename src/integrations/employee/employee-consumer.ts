/**
 * The employee integration's producer: turns applied call changes into `http` deliveries (unsigned:
 * PBXAdmin-style receivers know no signatures) in the ingest transaction. The tenant's settings are
 * cached for a few seconds by `warm`; a change through this instance's API applies at once
 * (`forget`), other instances' within the cache time.
 */
import type { Transaction } from 'kysely';
import type { DeliveryRequest, Outbox } from '../../delivery/delivery.ts';
import type { AppliedChange, ChangeConsumer } from '../../journal/call-journal.ts';
import type { Database } from '../../storage/schema.ts';
import type { Store } from '../../storage/store.ts';
import { employeeIntegrationOff, type EmployeeIntegration } from './employee-config.ts';
import { employeeHttpRequest, employeeRequests } from './employee-requests.ts';

/** The delivery endpoint of a tenant's employee integration (its four URLs share retries and order). */
export function employeeEndpointId(tenantId: string): string {
  return `employee:${tenantId}`;
}

export class EmployeeIntegrationConsumer implements ChangeConsumer {
  #store: Store;
  #outbox: Outbox;
  #ttlMs: number;
  #cache = new Map<string, { until: number; config: EmployeeIntegration }>();

  constructor(store: Store, outbox: Outbox, ttlMs = 5_000) {
    this.#store = store;
    this.#outbox = outbox;
    this.#ttlMs = ttlMs;
  }

  async warm(tenantId: string): Promise<void> {
    const cached = this.#cache.get(tenantId);
    if (cached && cached.until > Date.now()) return;
    const config = (await this.#store.employeeIntegrations.get(tenantId)) ?? employeeIntegrationOff();
    this.#cache.set(tenantId, { until: Date.now() + this.#ttlMs, config });
  }

  /** Drops the cached settings of a tenant (they were just changed). */
  forget(tenantId: string): void {
    this.#cache.delete(tenantId);
  }

  async consume(trx: Transaction<Database>, change: AppliedChange): Promise<void> {
    const { tenantId } = change.call;
    const config = this.#cache.get(tenantId)?.config;
    if (!config || Object.values(config.urls).every((u) => u === '')) return;
    const deliveries: DeliveryRequest[] = [];
    for (const request of employeeRequests(change.before, change.call, change.event, config.accountId ?? tenantId)) {
      const url = config.urls[request.moment];
      if (url === '') continue;
      deliveries.push({
        tenantId,
        endpointId: employeeEndpointId(tenantId),
        handler: 'http',
        orderKey: change.call.id,
        callId: change.call.id,
        eventType: `employee.${request.moment}`,
        payload: employeeHttpRequest({ method: config.method, url }, request.params),
      });
    }
    if (deliveries.length) await this.#outbox.enqueue(trx, deliveries);
  }
}
