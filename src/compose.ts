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
import type { SecretBox } from './storage/secret-box.ts';
import type { Store } from './storage/store.ts';
import { DEFAULT_TENANT } from './core/tenant.ts';
import { KeyVerifier, createApiKey } from './auth/api-keys.ts';

export function composeDeps(store: Store, secrets: SecretBox, options: AppDeps['options'], log: PbxLog = silentLog): AppDeps {
  const hub = new LiveHub();
  const settings = new TenantSettingsCache(store);
  const journal = new CallJournal(store, hub, (tenantId) => settings.numbering(tenantId));
  const metrics = createMetrics(() => store.calls.countActive(), () => hub.subscribers);
  const pbx = new PbxRuntime({ store, secrets, journal, log });
  return { store, hub, settings, journal, metrics, secrets, pbx, keys: new KeyVerifier(store), options };
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
