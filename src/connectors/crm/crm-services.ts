/**
 * The CRM parts, built once by the composition root: the connections cache, the journaling producer
 * (a journal consumer), the `crm` delivery handler and the live lookup. CRM HTTP goes through its own
 * pool of the delivery engine's SSRF-guarded dispatchers (lookups need shorter timeouts than
 * deliveries; the guard and the tenant's allow-list are the same).
 */
import { DEFAULT_TIMEOUTS, SafeDispatchers, type DispatcherTimeouts } from '../../delivery/safe-dispatcher.ts';
import type { Outbox } from '../../delivery/delivery.ts';
import type { SecretBox } from '../../storage/secret-box.ts';
import type { Store } from '../../storage/store.ts';
import { CrmConnections } from './crm-connections.ts';
import { CrmDeliveryHandler } from './crm-handler.ts';
import { CrmJournaling } from './crm-journaling.ts';
import { CrmLiveLookup, type Enrich, type LiveLookupOptions } from './crm-lookup.ts';

export type CrmOptions = { lookup?: Partial<LiveLookupOptions>; timeouts?: DispatcherTimeouts; cacheTtlMs?: number };

export type CrmServices = {
  connections: CrmConnections;
  live: CrmLiveLookup;
  handler: CrmDeliveryHandler;
  /** The journaling producer; needs the outbox (wired with `journalTo`). */
  journalTo(outbox: Outbox): CrmJournaling;
  /** Drops every cache about a tenant's connections (after an API change). */
  changed(tenantId: string): void;
  stop(): Promise<void>;
};

export function createCrmServices(store: Store, secrets: SecretBox, enrich: Enrich, options: CrmOptions = {}): CrmServices {
  const dispatchers = new SafeDispatchers(options.timeouts ?? DEFAULT_TIMEOUTS);
  const connections = new CrmConnections(store, secrets, dispatchers, options.cacheTtlMs);
  const live = new CrmLiveLookup(connections, enrich, options.lookup);
  return {
    connections,
    live,
    handler: new CrmDeliveryHandler(store, connections),
    journalTo: (outbox) => new CrmJournaling(connections, outbox),
    changed(tenantId) {
      connections.forget(tenantId);
      live.forget(tenantId);
    },
    stop: () => dispatchers.close(),
  };
}
