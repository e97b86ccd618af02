/**
 * The `crm` delivery handler: writes a call's activity through its connection. Idempotent per call:
 * an activity recorded in `crm_activities` is not written again (replays), and connectors that can
 * search for their own marker (Salesforce) also cover an attempt whose answer was lost before it was
 * recorded. Vendor failures become attempt outcomes (crm-error.ts).
 */
import type { AttemptOutcome, DeliveryAttempt, DeliveryHandler } from '../../delivery/delivery.ts';
import type { Store } from '../../storage/store.ts';
import type { CrmConnections } from './crm-connections.ts';
import { outcomeOf } from './crm-error.ts';
import type { CrmDeliveryPayload } from './crm-journaling.ts';

export class CrmDeliveryHandler implements DeliveryHandler {
  readonly kind = 'crm';
  #store: Store;
  #connections: CrmConnections;

  constructor(store: Store, connections: CrmConnections) {
    this.#store = store;
    this.#connections = connections;
  }

  async attempt(d: DeliveryAttempt): Promise<AttemptOutcome> {
    const { activity } = d.payload as CrmDeliveryPayload;
    const request = `CRM ${d.endpointId} log call`;
    const ready = await this.#connections.one(d.tenantId, d.endpointId);
    if (!ready) return { outcome: 'gone', error: 'the CRM connection was deleted', request };
    if (!ready.record.enabled) return { outcome: 'blocked', error: 'the CRM connection is disabled' };
    const done = await this.#store.crm.activity(ready.record.id, activity.callId);
    if (done) return { outcome: 'delivered', request: `${request}: already logged` };
    try {
      const result = await ready.connector.logCall(activity, d.signal);
      if (result.outcome === 'skipped') return { outcome: 'delivered', request: `${request}: skipped (${result.reason})` };
      await this.#store.crm.recordActivity(ready.record.id, activity.callId, result.externalId, new Date().toISOString());
      return { outcome: 'delivered', request: `${request}: ${result.outcome}` };
    } catch (err) {
      return outcomeOf(err, request);
    }
  }
}
