/**
 * What handlers read on every attempt — the endpoint (URL, sealed secret) and the tenant's SSRF
 * allow-list — cached for a few seconds, so a busy endpoint costs no query per delivery. A change made
 * through this process's API is seen at once (`forget…`); one made by another instance within `ttlMs`.
 */
import type { DeliveryEndpoint } from '../storage/repositories/delivery-endpoints-repository.ts';
import type { Store } from '../storage/store.ts';

type Entry<T> = { value: T; until: number };

export class Destinations {
  #store: Store;
  #ttlMs: number;
  #endpoints = new Map<string, Entry<Promise<DeliveryEndpoint | undefined>>>();
  #allowLists = new Map<string, Entry<Promise<string[]>>>();

  constructor(store: Store, ttlMs = 3_000) {
    this.#store = store;
    this.#ttlMs = ttlMs;
  }

  endpoint(id: string): Promise<DeliveryEndpoint | undefined> {
    return this.#cached(this.#endpoints, id, () => this.#store.deliveryEndpoints.byId(id));
  }

  allowList(tenantId: string): Promise<string[]> {
    return this.#cached(this.#allowLists, tenantId, async () => (await this.#store.tenants.get(tenantId))?.deliveryAllowList ?? []);
  }

  forgetEndpoint(id: string): void {
    this.#endpoints.delete(id);
  }

  forgetTenant(tenantId: string): void {
    this.#allowLists.delete(tenantId);
  }

  #cached<T>(map: Map<string, Entry<Promise<T>>>, key: string, load: () => Promise<T>): Promise<T> {
    const hit = map.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
    const value = load();
    map.set(key, { value, until: Date.now() + this.#ttlMs });
    // A failed read is not cached.
    value.catch(() => map.delete(key));
    return value;
  }
}
