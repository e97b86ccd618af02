/**
 * Delivery endpoints: where deliveries go (a webhook subscription, an employee-integration URL set, an
 * action, a CRM connection), with what auto-disable needs (consecutive failures, reason) and the
 * per-endpoint concurrency cap.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database, DeliveryEndpointTable } from '../schema.ts';

export type DeliveryEndpoint = {
  id: string;
  tenantId: string;
  kind: string;
  name: string;
  url: string | null;
  /** Sealed signing secret, or null. */
  secret: string | null;
  /** Kind-specific settings (webhooks: `{ eventTypes, filters }`). */
  config: Record<string, unknown>;
  enabled: boolean;
  disabledReason: string | null;
  consecutiveFailures: number;
  maxConcurrency: number;
  createdAt: string;
  updatedAt: string;
};

type Db = Kysely<Database> | Transaction<Database>;

export class DeliveryEndpointsRepository {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async list(tenantId: string, kind?: string): Promise<DeliveryEndpoint[]> {
    let q = this.#db.selectFrom('delivery_endpoints').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('id');
    if (kind) q = q.where('kind', '=', kind);
    return (await q.execute()).map(toEndpoint);
  }

  async get(tenantId: string, id: string): Promise<DeliveryEndpoint | undefined> {
    const row = await this.#db.selectFrom('delivery_endpoints').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toEndpoint(row);
  }

  /** By id alone: the worker and handlers see every tenant's endpoints. */
  async byId(id: string, db: Db = this.#db): Promise<DeliveryEndpoint | undefined> {
    const row = await db.selectFrom('delivery_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toEndpoint(row);
  }

  async insert(e: DeliveryEndpoint, db: Db = this.#db): Promise<void> {
    await db.insertInto('delivery_endpoints').values(toRow(e)).execute();
  }

  /** Creates the endpoint unless it exists (producers whose endpoints live elsewhere, e.g. actions). */
  async ensure(e: DeliveryEndpoint, db: Db = this.#db): Promise<void> {
    await db.insertInto('delivery_endpoints').values(toRow(e)).onConflict((oc) => oc.column('id').doNothing()).execute();
  }

  /**
   * Configuration changes. Enabled state and failure accounting are left alone (`enable`, `disable`,
   * `recordStreak`): the worker may have disabled the endpoint since it was read.
   */
  async update(e: DeliveryEndpoint): Promise<void> {
    const { id, tenant_id, created_at, consecutive_failures, enabled, disabled_reason, ...values } = toRow(e);
    await this.#db.updateTable('delivery_endpoints').set(values).where('id', '=', id).where('tenant_id', '=', tenant_id).execute();
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('delivery_endpoints').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Enables again and starts counting failures from zero. */
  async enable(tenantId: string, id: string, now: string): Promise<void> {
    await this.#db
      .updateTable('delivery_endpoints')
      .set({ enabled: 1, disabled_reason: null, consecutive_failures: 0, updated_at: now })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  }

  /**
   * Applies one batch of attempt results to the failure streak: `reset` when a success came in the
   * batch (then `failures` counts those after the last success). Disables the endpoint with `reason`
   * when the streak reaches `threshold`; returns whether it did.
   */
  async recordStreak(trx: Db, id: string, reset: boolean, failures: number, threshold: number, reason: string, now: string): Promise<boolean> {
    if (reset) {
      await trx.updateTable('delivery_endpoints').set({ consecutive_failures: failures }).where('id', '=', id).where('consecutive_failures', '!=', failures).execute();
    } else if (failures > 0) {
      await trx.updateTable('delivery_endpoints').set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', failures) })).where('id', '=', id).execute();
    }
    if (failures < 1) return false;
    const r = await trx
      .updateTable('delivery_endpoints')
      .set({ enabled: 0, disabled_reason: reason, updated_at: now })
      .where('id', '=', id)
      .where('enabled', '=', 1)
      .where('consecutive_failures', '>=', threshold)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Disables at once (HTTP 410 Gone, an administrator). */
  async disable(trx: Db, id: string, reason: string, now: string): Promise<void> {
    await trx.updateTable('delivery_endpoints').set({ enabled: 0, disabled_reason: reason, updated_at: now }).where('id', '=', id).execute();
  }
}

function toRow(e: DeliveryEndpoint): DeliveryEndpointTable {
  return {
    id: e.id,
    tenant_id: e.tenantId,
    kind: e.kind,
    name: e.name,
    url: e.url,
    secret: e.secret,
    config: JSON.stringify(e.config),
    enabled: e.enabled ? 1 : 0,
    disabled_reason: e.disabledReason,
    consecutive_failures: e.consecutiveFailures,
    max_concurrency: e.maxConcurrency,
    created_at: e.createdAt,
    updated_at: e.updatedAt,
  };
}

function toEndpoint(row: DeliveryEndpointTable): DeliveryEndpoint {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    kind: row.kind,
    name: row.name,
    url: row.url,
    secret: row.secret,
    config: JSON.parse(row.config) as Record<string, unknown>,
    enabled: Number(row.enabled) === 1,
    disabledReason: row.disabled_reason,
    consecutiveFailures: Number(row.consecutive_failures),
    maxConcurrency: Number(row.max_concurrency),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
