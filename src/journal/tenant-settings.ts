/**
 * Numbering settings per tenant, read on every ingest, so cached briefly. A change made through this
 * process is seen at once; one made by another instance within `ttlMs`.
 */
import type { NumberingSettings } from '../core/phone-numbers/phone-number.ts';
import { CallbridgeError } from '../core/errors.ts';
import type { Store } from '../storage/store.ts';

export class TenantSettingsCache {
  #store: Store;
  #ttlMs: number;
  #cache = new Map<string, { value: NumberingSettings; until: number }>();

  constructor(store: Store, ttlMs = 5_000) {
    this.#store = store;
    this.#ttlMs = ttlMs;
  }

  async numbering(tenantId: string): Promise<NumberingSettings> {
    const hit = this.#cache.get(tenantId);
    if (hit && hit.until > Date.now()) return hit.value;
    const tenant = await this.#store.tenants.get(tenantId);
    if (!tenant) throw new CallbridgeError('CB_NOT_FOUND', 'Tenant not found');
    const value = { defaultCountry: tenant.defaultCountry, areaCode: tenant.areaCode };
    this.#cache.set(tenantId, { value, until: Date.now() + this.#ttlMs });
    return value;
  }

  forget(tenantId: string): void {
    this.#cache.delete(tenantId);
  }
}
