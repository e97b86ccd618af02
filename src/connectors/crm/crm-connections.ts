/**
 * The tenant's CRM connections, ready to use: records read and connectors built (secrets opened)
 * once, then kept for `ttlMs` — a journaling attempt or a live lookup costs no query and no token
 * request. A change through this process's API is seen at once (`forget`); another instance's within
 * `ttlMs`. Connectors keep their OAuth tokens, so a cached connector saves sign-ins too.
 */
import type { SafeDispatchers } from '../../delivery/safe-dispatcher.ts';
import type { CrmConnectionRecord, CrmUserMapping } from '../../storage/repositories/crm-repository.ts';
import type { SecretBox } from '../../storage/secret-box.ts';
import type { Store } from '../../storage/store.ts';
import type { CrmConnector } from './crm-connector.ts';
import { crmType } from './registry.ts';

export type ReadyConnection = {
  record: CrmConnectionRecord;
  connector: CrmConnector;
  mappings: ReadonlyMap<string, CrmUserMapping>;
};

type Entry = { until: number; value: Promise<ReadyConnection[]> };

export class CrmConnections {
  #store: Store;
  #secrets: SecretBox;
  #dispatchers: SafeDispatchers;
  #ttlMs: number;
  #byTenant = new Map<string, Entry>();
  #loaded = new Map<string, ReadyConnection[]>();
  /** Built connectors by connection id and `updatedAt`, so a refresh keeps tokens of unchanged ones. */
  #built = new Map<string, { version: string; allow: string; connector: CrmConnector }>();

  constructor(store: Store, secrets: SecretBox, dispatchers: SafeDispatchers, ttlMs = 5_000) {
    this.#store = store;
    this.#secrets = secrets;
    this.#dispatchers = dispatchers;
    this.#ttlMs = ttlMs;
  }

  /** The tenant's enabled connections. */
  forTenant(tenantId: string): Promise<ReadyConnection[]> {
    const hit = this.#byTenant.get(tenantId);
    if (hit && hit.until > Date.now()) return hit.value;
    const value = this.#load(tenantId);
    this.#byTenant.set(tenantId, { until: Date.now() + this.#ttlMs, value });
    value.catch(() => this.#byTenant.delete(tenantId));
    return value;
  }

  /**
   * The list the last completed load returned, however old (no I/O: for use inside the ingest
   * transaction, right after `forTenant` was awaited in `warm`).
   */
  loaded(tenantId: string): readonly ReadyConnection[] {
    return this.#loaded.get(tenantId) ?? [];
  }

  /** One connection, enabled or not (the test action and the delivery handler). */
  async one(tenantId: string, id: string): Promise<ReadyConnection | undefined> {
    const record = await this.#store.crm.get(tenantId, id);
    if (!record) return undefined;
    return this.#ready(record, await this.#allowList(tenantId));
  }

  forget(tenantId: string): void {
    this.#byTenant.delete(tenantId);
  }

  /** Builds a connector from a record that may not be stored yet (the API's validation). */
  build(record: CrmConnectionRecord, allowList: readonly string[]): CrmConnector {
    const type = crmType(record.type);
    if (!type) throw new Error(`unknown CRM type ${record.type}`);
    const secret = record.secrets ? (JSON.parse(this.#secrets.open(record.secrets)) as Record<string, unknown>) : {};
    return type.create({ ...record.options, ...secret }, { dispatchers: this.#dispatchers, allowList });
  }

  async #load(tenantId: string): Promise<ReadyConnection[]> {
    const [records, allowList] = await Promise.all([this.#store.crm.list(tenantId), this.#allowList(tenantId)]);
    const ready = await Promise.all(records.filter((r) => r.enabled && crmType(r.type)).map((r) => this.#ready(r, allowList)));
    this.#loaded.set(tenantId, ready);
    return ready;
  }

  async #ready(record: CrmConnectionRecord, allowList: readonly string[]): Promise<ReadyConnection> {
    const allow = JSON.stringify(allowList);
    let built = this.#built.get(record.id);
    if (!built || built.version !== record.updatedAt || built.allow !== allow) {
      built = { version: record.updatedAt, allow, connector: this.build(record, allowList) };
      this.#built.set(record.id, built);
    }
    const mappings = await this.#store.crm.mappings(record.id);
    return { record, connector: built.connector, mappings: new Map(mappings.map((m) => [m.extension, m])) };
  }

  async #allowList(tenantId: string): Promise<string[]> {
    return (await this.#store.tenants.get(tenantId))?.deliveryAllowList ?? [];
  }
}
