/**
 * Live CRM lookup: when the phonebook does not know a caller, the tenant's CRM connections that
 * serve lookups (`lookup` on, capability `findContactByPhone`) are asked, all at once; the first in
 * the tenant's order that knows the number wins.
 *
 * Ringing is never held up beyond the budget: `prepare` (before the ingest transaction) waits for
 * the answers at most `budgetMs`; `identify` (inside it, no I/O) takes what is cached. A lookup still
 * running then is not abandoned: `identify` registers the new call, and when the CRM answers the call
 * is enriched through the journal (stored caller, `call.enriched` on the live hub). Answers are cached
 * per tenant and number — found for `ttlMs`, not found (and failures) for `negativeTtlMs` — so a
 * caller who rings again costs nothing and a CRM outage costs one timeout per number and TTL.
 */
import type { CallerIdentity } from '../../core/calls/call.ts';
import type { CrmConnections } from './crm-connections.ts';
import { phoneForms } from './phone-forms.ts';

export type LiveLookupOptions = {
  /** How long ringing may wait for a CRM (ms). */
  budgetMs: number;
  /** How long a lookup may run at all before it counts as failed (ms). */
  timeoutMs: number;
  ttlMs: number;
  negativeTtlMs: number;
};

export const DEFAULT_LIVE_LOOKUP: LiveLookupOptions = { budgetMs: 300, timeoutMs: 10_000, ttlMs: 10 * 60_000, negativeTtlMs: 60_000 };

/** Stores a late answer on the call (CallJournal.enrich); false when the call is not (yet) stored. */
export type Enrich = (tenantId: string, callId: string, caller: CallerIdentity) => Promise<boolean>;

const MAX_CACHED = 100_000;

type Pending = { promise: Promise<CallerIdentity | null>; waiting: Set<string> };

export class CrmLiveLookup {
  readonly options: LiveLookupOptions;
  readonly counters = { asked: 0, found: 0, late: 0, failed: 0 };
  #connections: CrmConnections;
  #enrich: Enrich;
  #cache = new Map<string, { until: number; identity: CallerIdentity | null }>();
  #pending = new Map<string, Pending>();

  constructor(connections: CrmConnections, enrich: Enrich, options: Partial<LiveLookupOptions> = {}) {
    this.#connections = connections;
    this.#enrich = enrich;
    this.options = { ...DEFAULT_LIVE_LOOKUP, ...options };
  }

  /** Starts lookups for numbers not cached; resolves when they answered or the budget is spent. */
  async prepare(tenantId: string, numbers: readonly string[]): Promise<void> {
    // Most tenants have no CRM: then nothing is cached or waited for (the list is cached itself).
    const connections = await this.#connections.forTenant(tenantId).catch(() => []);
    if (!connections.some((c) => c.record.lookup && c.connector.capabilities.findContactByPhone)) return;
    const running: Promise<unknown>[] = [];
    for (const number of new Set(numbers)) {
      const key = `${tenantId}\n${number}`;
      const hit = this.#cache.get(key);
      if (hit && hit.until > Date.now()) continue;
      running.push((this.#pending.get(key) ?? this.#start(tenantId, number, key)).promise);
    }
    if (running.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise((resolve) => (timer = setTimeout(resolve, this.options.budgetMs)));
    await Promise.race([Promise.all(running), budget]);
    clearTimeout(timer);
  }

  /** No I/O. The cached identity; for a lookup still running, the call is enriched when it answers. */
  identify(tenantId: string, number: string, callId: string): CallerIdentity | null {
    const key = `${tenantId}\n${number}`;
    const hit = this.#cache.get(key);
    if (hit && hit.until > Date.now()) return hit.identity;
    this.#pending.get(key)?.waiting.add(callId);
    return null;
  }

  /** Drops cached answers of a tenant (after a connection changed). */
  forget(tenantId: string): void {
    for (const key of this.#cache.keys()) if (key.startsWith(`${tenantId}\n`)) this.#cache.delete(key);
  }

  #start(tenantId: string, number: string, key: string): Pending {
    const waiting = new Set<string>();
    this.counters.asked++;
    const promise = this.#ask(tenantId, number).then(
      (identity) => {
        this.#remember(key, identity ? this.options.ttlMs : this.options.negativeTtlMs, identity);
        if (identity) this.counters.found++;
        return identity;
      },
      () => {
        this.counters.failed++;
        this.#remember(key, this.options.negativeTtlMs, null);
        return null;
      },
    );
    const pending = { promise, waiting };
    this.#pending.set(key, pending);
    void promise.then(async (identity) => {
      this.#pending.delete(key);
      if (!identity) return;
      for (const callId of waiting) await this.#enrichSoon(tenantId, callId, identity);
    });
    return pending;
  }

  /** Bounded: past `MAX_CACHED` entries the expired go, and if that is not enough, everything. */
  #remember(key: string, ttlMs: number, identity: CallerIdentity | null): void {
    if (this.#cache.size >= MAX_CACHED) {
      const now = Date.now();
      for (const [k, v] of this.#cache) if (v.until <= now) this.#cache.delete(k);
      if (this.#cache.size >= MAX_CACHED) this.#cache.clear();
    }
    this.#cache.set(key, { until: Date.now() + ttlMs, identity });
  }

  async #ask(tenantId: string, number: string): Promise<CallerIdentity | null> {
    const connections = (await this.#connections.forTenant(tenantId)).filter((c) => c.record.lookup && c.connector.capabilities.findContactByPhone);
    if (connections.length === 0) return null;
    const forms = phoneForms(number);
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    const results = await Promise.allSettled(connections.map((c) => c.connector.findContactByPhone(forms, signal)));
    for (const r of results) {
      if (r.status === 'fulfilled' && r.value.outcome === 'found') {
        const c = r.value.contact;
        return { contactId: null, name: c.name ?? c.company, company: c.company, matchType: 'crm' };
      }
    }
    if (results.every((r) => r.status === 'rejected')) throw (results[0] as PromiseRejectedResult).reason;
    return null;
  }

  /** The ringing transaction may not have committed yet when the answer comes: try a few times. */
  async #enrichSoon(tenantId: string, callId: string, identity: CallerIdentity): Promise<void> {
    for (let i = 0; i < 20; i++) {
      try {
        if (await this.#enrich(tenantId, callId, identity)) {
          this.counters.late++;
          return;
        }
      } catch {
        // The store is unavailable: the caller stays unnamed on this call, the cache serves the next.
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
