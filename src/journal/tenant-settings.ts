/**
 * Numbering settings per tenant, read on every ingest, so cached briefly. A change made through this
 * process is seen at once; one made by another instance within `ttlMs`.
 */
import { numberReader, type NumberingSettings, type PhoneNumber } from '../core/phone-numbers/phone-number.ts';
import { CallbridgeError } from '../core/errors.ts';
import type { Store } from '../storage/store.ts';

type SettingsEntry = { value: NumberingSettings; suffixDigits: number | null; read: (raw: string) => PhoneNumber; until: number };

export class TenantSettingsCache {
  #store: Store;
  #ttlMs: number;
  #cache = new Map<string, SettingsEntry>();

  constructor(store: Store, ttlMs = 5_000) {
    this.#store = store;
    this.#ttlMs = ttlMs;
  }

  async numbering(tenantId: string): Promise<NumberingSettings> {
    return (await this.#entry(tenantId)).value;
  }

  /** A memoizing number reader under the tenant's settings (the same one while they are fresh). */
  async reader(tenantId: string): Promise<(raw: string) => PhoneNumber> {
    return (await this.#entry(tenantId)).read;
  }

  /** The tenant's last-N-digits matching setting (null: off). */
  async suffixDigits(tenantId: string): Promise<number | null> {
    return (await this.#entry(tenantId)).suffixDigits;
  }

  /** The fresh cache entry, without I/O; undefined when it must be read (then use the async getters). */
  peek(tenantId: string): SettingsEntry | undefined {
    const hit = this.#cache.get(tenantId);
    return hit && hit.until > Date.now() ? hit : undefined;
  }

  async #entry(tenantId: string) {
    const hit = this.#cache.get(tenantId);
    if (hit && hit.until > Date.now()) return hit;
    const tenant = await this.#store.tenants.get(tenantId);
    if (!tenant) throw new CallbridgeError('CB_NOT_FOUND', 'Tenant not found');
    const value = { defaultCountry: tenant.defaultCountry, areaCode: tenant.areaCode };
    // Keep the same objects while nothing changed, so memos keyed by them stay warm.
    const same = hit && hit.value.defaultCountry === value.defaultCountry && hit.value.areaCode === value.areaCode;
    const entry = {
      value: same ? hit.value : value,
      read: same ? hit.read : numberReader(value),
      suffixDigits: tenant.lookupSuffixDigits,
      until: Date.now() + this.#ttlMs,
    };
    this.#cache.set(tenantId, entry);
    return entry;
  }

  forget(tenantId: string): void {
    this.#cache.delete(tenantId);
  }
}
