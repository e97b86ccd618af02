/**
 * Wires the parts behind the HTTP app around one store. The server and the tests both use it, so
 * tests exercise the same wiring as production.
 */
import type { AppDeps } from './http/app-deps.ts';
import { createMetrics } from './http/metrics.ts';
import { CallJournal } from './journal/call-journal.ts';
import { LiveHub } from './journal/live-hub.ts';
import { TenantSettingsCache } from './journal/tenant-settings.ts';
import { PbxRuntime } from './connectors/pbx/pbx-runtime.ts';
import type { CallerLookup } from './journal/call-journal.ts';
import { PhonebookService } from './phonebook/phonebook-service.ts';
import type { SecretBox } from './storage/secret-box.ts';
import type { Store } from './storage/store.ts';
import { DEFAULT_TENANT } from './core/tenant.ts';
import { KeyVerifier, createApiKey } from './auth/api-keys.ts';
import { WebSessions } from './auth/web-sessions.ts';
import { createDeliveryServices } from './delivery/delivery-services.ts';
import { composeActions } from './actions/actions-deps.ts';
import { SyncService } from './sync/sync-service.ts';
import { createCrmServices } from './connectors/crm/crm-services.ts';
import type { CrmLiveLookup } from './connectors/crm/crm-lookup.ts';

export function composeDeps(store: Store, secrets: SecretBox, options: AppDeps['options'], log: PbxLog = silentLog): AppDeps {
  const hub = new LiveHub();
  const settings = new TenantSettingsCache(store);
  const phonebook = new PhonebookService(store, settings);
  // CRM connections: a live lookup behind the phonebook (late answers enrich the call), journaling below.
  const crm = createCrmServices(store, secrets, (tenantId, callId, caller) => journal.enrich(tenantId, callId, caller), options.crm);
  const journal = new CallJournal(store, hub, (tenantId) => settings.numbering(tenantId), { identify: callerLookup(store, phonebook, crm.live) });
  const metrics = createMetrics(() => store.calls.countActive(), () => hub.subscribers, () => journal.counters.commits);
  const pbx = new PbxRuntime({ store, secrets, journal, log });
  // The outbox is written inside the ingest transaction (webhook producer); the worker sends after commit.
  const delivery = createDeliveryServices(store, secrets, options.delivery, log);
  journal.addConsumer(delivery.webhooks);
  journal.addConsumer(crm.journalTo(delivery.outbox));
  delivery.worker.addHandler(crm.handler);
  // Actions and the employee integration: their consumers enqueue into the same outbox.
  const actions = composeActions(store, hub, journal, delivery.outbox);
  // Phonebook sources: runs started by the API, the CLI or the scheduler (started by the server).
  const sync = new SyncService({ store, secrets, settings, phonebook, log, ...options.sync });
  return { store, hub, settings, journal, metrics, secrets, pbx, phonebook, delivery, actions, sync, crm, keys: new KeyVerifier(store), sessions: new WebSessions(store), options };
}


type PbxLog = { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
const silentLog: PbxLog = { info() {}, warn() {} };

/**
 * First start: makes sure the default tenant exists and, when no key exists at all, creates an admin
 * key and returns it (to be shown once).
 */
export async function bootstrap(store: Store, defaultCountry: string): Promise<{ adminKey: string | null }> {
  const now = new Date().toISOString();
  await store.tenants.create({ id: DEFAULT_TENANT, name: 'Default', defaultCountry, areaCode: null }, now);
  if ((await store.apiKeys.count()) > 0) return { adminKey: null };
  const { key } = await createApiKey(store, { tenantId: DEFAULT_TENANT, role: 'admin', name: 'first admin key' });
  return { adminKey: key };
}

/**
 * The caller of a new call from the phonebook: the external party (inbound: from, outbound: to), with
 * the personal contacts of the user whose extension the call concerns consulted first. Users by
 * extension are cached per tenant for a few seconds, so identifying needs no I/O.
 */
export function callerLookup(store: Store, phonebook: PhonebookService, live?: CrmLiveLookup, ttlMs = 5_000): CallerLookup {
  const users = new Map<string, { until: number; byExtension: Map<string, string> }>();
  return {
    async warm(tenantId) {
      await phonebook.ready(tenantId);
      const cached = users.get(tenantId);
      if (cached && cached.until > Date.now()) return;
      const list = await store.users.list(tenantId);
      users.set(tenantId, { until: Date.now() + ttlMs, byExtension: new Map(list.map((u) => [u.extension, u.id])) });
    },
    identify(tenantId, call) {
      const number = call.direction === 'inbound' ? call.from.e164 : call.direction === 'outbound' ? call.to.e164 : null;
      if (!number) return null;
      const extension = call.answeredBy ?? call.extensionsRang[0] ?? (call.direction === 'outbound' ? call.from.raw : null);
      const owner = (extension && users.get(tenantId)?.byExtension.get(extension)) || null;
      const match = phonebook.identify(tenantId, number, owner)?.match;
      if (match) return { contactId: match.contactId, name: match.name, company: match.company, matchType: match.matchType };
      return live?.identify(tenantId, number, call.id) ?? null;
    },
    // Ringing events of callers the phonebook does not know: ask the CRMs, within their budget.
    async prepare(tenantId, events, read) {
      if (!live) return;
      const unknown: string[] = [];
      for (const e of events) {
        if (e.type !== 'ringing' || e.direction === 'internal') continue;
        const number = read(e.direction === 'inbound' ? e.from : e.to).e164;
        if (number && !phonebook.identify(tenantId, number, null)?.match) unknown.push(number);
      }
      if (unknown.length) await live.prepare(tenantId, unknown);
    },
  };
}
