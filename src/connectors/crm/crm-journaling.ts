/**
 * The CRM journaling producer (a journal `ChangeConsumer`): when a call ends, one `crm` delivery per
 * enabled connection whose rules want the call, in the ingest transaction. The payload is the whole
 * activity, so a replay sends what the first attempt would have; order key = call id.
 */
import type { Transaction } from 'kysely';
import type { DeliveryRequest, Outbox } from '../../delivery/delivery.ts';
import type { AppliedChange, ChangeConsumer } from '../../journal/call-journal.ts';
import type { Database } from '../../storage/schema.ts';
import { activityFor } from './crm-activity.ts';
import type { CrmConnections } from './crm-connections.ts';

/** The `crm` delivery's payload. */
export type CrmDeliveryPayload = { activity: NonNullable<ReturnType<typeof activityFor>> };

export const CRM_EVENT_TYPE = 'crm.call_logged';

export class CrmJournaling implements ChangeConsumer {
  #connections: CrmConnections;
  #outbox: Outbox;

  constructor(connections: CrmConnections, outbox: Outbox) {
    this.#connections = connections;
    this.#outbox = outbox;
  }

  async warm(tenantId: string): Promise<void> {
    await this.#connections.forTenant(tenantId);
  }

  async consume(trx: Transaction<Database>, change: AppliedChange): Promise<void> {
    if (change.call.state !== 'ended' || change.before?.state === 'ended') return;
    // Loaded by warm() just before the transaction.
    const connections = this.#connections.loaded(change.call.tenantId);
    const requests: DeliveryRequest[] = [];
    for (const c of connections) {
      if (!c.connector.capabilities.logCall) continue;
      const activity = activityFor(change.call, c.record.journal, c.mappings);
      if (!activity) continue;
      requests.push({
        tenantId: change.call.tenantId,
        endpointId: c.record.id,
        handler: 'crm',
        orderKey: change.call.id,
        callId: change.call.id,
        eventType: CRM_EVENT_TYPE,
        payload: { activity } satisfies CrmDeliveryPayload,
      });
    }
    if (requests.length) await this.#outbox.enqueue(trx, requests);
  }
}
