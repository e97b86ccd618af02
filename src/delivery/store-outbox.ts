/**
 * The outbox producers write to: rows in `deliveries`, inserted in the caller's transaction. After an
 * enqueue the worker is nudged (in-process) so a delivery goes out as soon as its transaction commits
 * rather than at the next poll.
 */
import type { Transaction } from 'kysely';
import { uuidv7 } from '../core/ids.ts';
import type { Database } from '../storage/schema.ts';
import type { Store } from '../storage/store.ts';
import type { DeliveryRequest, Outbox } from './delivery.ts';

export class StoreOutbox implements Outbox {
  #store: Store;
  #listeners = new Set<() => void>();
  #now: () => Date;

  constructor(store: Store, now: () => Date = () => new Date()) {
    this.#store = store;
    this.#now = now;
  }

  async enqueue(trx: Transaction<Database>, deliveries: readonly DeliveryRequest[]): Promise<void> {
    if (deliveries.length === 0) return;
    const nowMs = this.#now().getTime();
    const now = new Date(nowMs).toISOString();
    await this.#store.deliveries.insert(
      trx,
      deliveries.map((d) => ({
        id: uuidv7(nowMs),
        tenantId: d.tenantId,
        endpointId: d.endpointId,
        handler: d.handler,
        orderKey: d.orderKey,
        callId: d.callId,
        eventType: d.eventType,
        payload: d.payload,
        nextAttemptAt: d.notBefore && d.notBefore > now ? new Date(d.notBefore).toISOString() : now,
        createdAt: now,
      })),
      now,
    );
    for (const listener of this.#listeners) listener();
  }

  /** Called after every enqueue (before the commit: the listener must look again shortly after). */
  onEnqueue(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
