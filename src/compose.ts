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

export function composeDeps(store: Store, secrets: SecretBox, options: AppDeps['options'], log: PbxLog = silentLog): AppDeps {
  const hub = new LiveHub();
  const settings = new TenantSettingsCache(store);
  const phonebook = new PhonebookService(store, settings);
  const journal = new CallJournal(store, hub, (tenantId) => settings.numbering(tenantId), { identify: callerLookup(store, phonebook) });
  const metrics = createMetrics(() => store.calls.countActive(), () => hub.subscribers);
  const pbx = new PbxRuntime({ store, secrets, journal, log });
  return { store, hub, settings, journal, metrics, secrets, pbx, phonebook, keys: new KeyVerifier(store), options };
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
export function callerLookup(store: Store, phonebook: PhonebookService, ttlMs = 5_000): CallerLookup {
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
      return match ? { contactId: match.contactId, name: match.name, company: match.company, matchType: match.matchType } : null;
    },
  };
}
