/**
 * The outbox rows and their attempt log. Claiming branches on the dialect's capabilities: with
 * `skipLocked` (PostgreSQL) several instances take disjoint batches with `FOR UPDATE SKIP LOCKED`;
 * without it the one process is the only claimer. A claim is a lease: a crashed instance's rows become
 * claimable again when it runs out (`reapExpired`).
 */
import type { Kysely, Transaction } from 'kysely';
import type { DialectCapabilities } from '../dialect.ts';
import type { Selectable, Updateable } from 'kysely';
import type { Database, DeliveryTable } from '../schema.ts';

export const DELIVERY_STATES = ['pending', 'delivering', 'delivered', 'dead'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export type DeliveryRecord = {
  id: string;
  tenantId: string;
  endpointId: string;
  handler: string;
  orderKey: string | null;
  callId: string | null;
  eventType: string;
  payload: unknown;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: string;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
};

/** A claimed row with its endpoint's concurrency cap (null: the endpoint has no row). */
export type ClaimedDelivery = DeliveryRecord & { maxConcurrency: number | null };

export type NewDelivery = Omit<DeliveryRecord, 'state' | 'attempts' | 'lastStatus' | 'lastError' | 'updatedAt'>;

export type AttemptRecord = {
  deliveryId: string;
  n: number;
  at: string;
  request: string | null;
  outcome: string;
  status: number | null;
  durationMs: number;
  error: string | null;
};

/** How one attempt ends for the row. */
export type DeliveryUpdate = {
  id: string;
  state: 'pending' | 'delivered' | 'dead';
  nextAttemptAt?: string;
  status: number | null;
  error: string | null;
};

export type DeliveryFilter = {
  tenantId: string;
  state?: DeliveryState;
  endpointId?: string;
  callId?: string;
  /** Cursor: the seq of the last item of the previous page (newest first). */
  beforeSeq?: number;
  limit: number;
};

type Db = Kysely<Database> | Transaction<Database>;

export class DeliveriesRepository {
  #db: Kysely<Database>;
  #caps: DialectCapabilities;

  constructor(db: Kysely<Database>, capabilities: DialectCapabilities) {
    this.#db = db;
    this.#caps = capabilities;
  }

  async insert(trx: Db, rows: readonly NewDelivery[], now: string): Promise<void> {
    if (rows.length === 0) return;
    const values = rows.map((r) => ({
      id: r.id,
      tenant_id: r.tenantId,
      endpoint_id: r.endpointId,
      handler: r.handler,
      order_key: r.orderKey,
      call_id: r.callId,
      event_type: r.eventType,
      payload: JSON.stringify(r.payload ?? null),
      state: 'pending',
      attempts: 0,
      next_attempt_at: r.nextAttemptAt,
      lease_owner: null,
      lease_until: null,
      last_status: null,
      last_error: null,
      created_at: r.createdAt,
      updated_at: now,
    }));
    // Several rows per statement, below every dialect's bound-parameter limit.
    for (let i = 0; i < values.length; i += 50) await trx.insertInto('deliveries').values(values.slice(i, i + 50)).execute();
  }

  /**
   * Takes up to `limit` due rows for `owner` until `leaseUntil`: pending, due, the earliest pending or
   * delivering row of their (endpoint, order key) chain, of an endpoint that is not disabled and not in
   * `skipEndpoints` (those the caller has enough of already).
   */
  async claim(owner: string, now: string, leaseUntil: string, limit: number, skipEndpoints: readonly string[]): Promise<ClaimedDelivery[]> {
    return this.#db.transaction().execute(async (trx) => {
      let q = trx
        .selectFrom('deliveries as d')
        .leftJoin('delivery_endpoints as p', 'p.id', 'd.endpoint_id')
        .selectAll('d')
        .select(['p.max_concurrency', 'p.enabled'])
        .where('d.state', '=', 'pending')
        .where('d.next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('p.enabled', 'is', null), eb('p.enabled', '=', 1)]))
        .where((eb) =>
          eb.or([
            eb('d.order_key', 'is', null),
            eb.not(
              eb.exists(
                eb
                  .selectFrom('deliveries as e')
                  .select('e.seq')
                  .whereRef('e.endpoint_id', '=', 'd.endpoint_id')
                  .whereRef('e.order_key', '=', 'd.order_key')
                  .whereRef('e.seq', '<', 'd.seq')
                  .where('e.state', 'in', ['pending', 'delivering']),
              ),
            ),
          ]),
        )
        .orderBy('d.next_attempt_at')
        .limit(limit);
      if (skipEndpoints.length) q = q.where('d.endpoint_id', 'not in', [...skipEndpoints]);
      if (this.#caps.skipLocked) q = q.forUpdate(['d']).skipLocked();
      const rows = await q.execute();
      if (rows.length === 0) return [];
      const ids = rows.map((r) => r.id);
      for (let i = 0; i < ids.length; i += 500) {
        await trx
          .updateTable('deliveries')
          .set((eb) => ({ state: 'delivering', lease_owner: owner, lease_until: leaseUntil, attempts: eb('attempts', '+', 1), updated_at: now }))
          .where('id', 'in', ids.slice(i, i + 500))
          .execute();
      }
      return rows.map((r) => ({ ...toRecord(r), state: 'delivering' as const, attempts: Number(r.attempts) + 1, maxConcurrency: r.max_concurrency === null ? null : Number(r.max_concurrency) }));
    });
  }

  /** Makes rows whose lease ran out claimable again (their instance died); `owner` undefined: every lease. */
  async reapExpired(now: string, all = false): Promise<number> {
    let q = this.#db.updateTable('deliveries').set({ state: 'pending', lease_owner: null, lease_until: null }).where('state', '=', 'delivering');
    if (!all) q = q.where('lease_until', '<', now);
    return Number((await q.executeTakeFirst()).numUpdatedRows);
  }

  /** Keeps the owner's leases alive while it works through its claimed batch. */
  async extendLeases(owner: string, leaseUntil: string): Promise<void> {
    await this.#db.updateTable('deliveries').set({ lease_until: leaseUntil }).where('state', '=', 'delivering').where('lease_owner', '=', owner).execute();
  }

  /** Gives claimed rows back unattempted (graceful stop); the claim's attempt count is taken back. */
  async release(owner: string, ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      await this.#db
        .updateTable('deliveries')
        .set((eb) => ({ state: 'pending', lease_owner: null, lease_until: null, attempts: eb('attempts', '-', 1) }))
        .where('lease_owner', '=', owner)
        .where('state', '=', 'delivering')
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
    }
  }

  /** Records attempt outcomes; a row whose lease was lost to another instance is left to that one. */
  async complete(trx: Db, owner: string, updates: readonly DeliveryUpdate[], attempts: readonly AttemptRecord[], now: string): Promise<void> {
    const delivered = new Map<number | null, string[]>();
    for (const u of updates) {
      if (u.state === 'delivered' && u.error === null) {
        const list = delivered.get(u.status) ?? [];
        list.push(u.id);
        delivered.set(u.status, list);
        continue;
      }
      const set: Updateable<DeliveryTable> = { state: u.state, lease_owner: null, lease_until: null, last_status: u.status, last_error: u.error, updated_at: now };
      if (u.nextAttemptAt) set.next_attempt_at = u.nextAttemptAt;
      await trx.updateTable('deliveries').set(set).where('id', '=', u.id).where('lease_owner', '=', owner).execute();
    }
    for (const [status, ids] of delivered) {
      for (let i = 0; i < ids.length; i += 500) {
        await trx
          .updateTable('deliveries')
          .set({ state: 'delivered', lease_owner: null, lease_until: null, last_status: status, last_error: null, updated_at: now })
          .where('id', 'in', ids.slice(i, i + 500))
          .where('lease_owner', '=', owner)
          .execute();
      }
    }
    const rows = attempts.map((a) => ({ delivery_id: a.deliveryId, n: a.n, at: a.at, request: a.request, outcome: a.outcome, status: a.status, duration_ms: a.durationMs, error: a.error }));
    for (let i = 0; i < rows.length; i += 100) {
      await trx.insertInto('delivery_attempts').values(rows.slice(i, i + 100)).onConflict((oc) => oc.columns(['delivery_id', 'n']).doNothing()).execute();
    }
  }

  async list(f: DeliveryFilter): Promise<Array<DeliveryRecord & { seq: number }>> {
    let q = this.#db.selectFrom('deliveries').selectAll().where('tenant_id', '=', f.tenantId);
    if (f.state) q = q.where('state', '=', f.state);
    if (f.endpointId) q = q.where('endpoint_id', '=', f.endpointId);
    if (f.callId) q = q.where('call_id', '=', f.callId);
    if (f.beforeSeq !== undefined) q = q.where('seq', '<', f.beforeSeq);
    const rows = await q.orderBy('seq', 'desc').limit(f.limit).execute();
    return rows.map((r) => ({ ...toRecord(r), seq: Number(r.seq) }));
  }

  async get(tenantId: string, id: string): Promise<DeliveryRecord | undefined> {
    const row = await this.#db.selectFrom('deliveries').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  async attempts(deliveryId: string): Promise<AttemptRecord[]> {
    const rows = await this.#db.selectFrom('delivery_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('n').execute();
    return rows.map((r) => ({ deliveryId: r.delivery_id, n: Number(r.n), at: r.at, request: r.request, outcome: r.outcome, status: r.status === null ? null : Number(r.status), durationMs: Number(r.duration_ms), error: r.error }));
  }

  /**
   * Sends delivered or dead rows again from now (a replay keeps the id: receivers de-duplicate on it).
   * Rows pending or in flight are left alone. Returns the ids replayed.
   */
  async replay(f: Omit<DeliveryFilter, 'limit' | 'beforeSeq'> & { ids?: readonly string[] }, now: string, limit: number): Promise<string[]> {
    let q = this.#db.selectFrom('deliveries').select('id').where('tenant_id', '=', f.tenantId).where('state', 'in', f.state ? [f.state] : ['dead', 'delivered']);
    if (f.endpointId) q = q.where('endpoint_id', '=', f.endpointId);
    if (f.callId) q = q.where('call_id', '=', f.callId);
    if (f.ids) q = q.where('id', 'in', [...f.ids]);
    const ids = (await q.orderBy('seq').limit(limit).execute()).map((r) => r.id);
    for (let i = 0; i < ids.length; i += 500) {
      await this.#db
        .updateTable('deliveries')
        .set({ state: 'pending', next_attempt_at: now, lease_owner: null, lease_until: null, updated_at: now })
        .where('tenant_id', '=', f.tenantId)
        .where('state', 'in', ['dead', 'delivered'])
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
    }
    return ids;
  }

  /** Gives up the endpoint's waiting deliveries (its endpoint was deleted); returns how many. */
  async abandon(tenantId: string, endpointId: string, reason: string, now: string): Promise<number> {
    const r = await this.#db
      .updateTable('deliveries')
      .set({ state: 'dead', last_error: reason, updated_at: now })
      .where('tenant_id', '=', tenantId)
      .where('endpoint_id', '=', endpointId)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Rows per state (tests, metrics). */
  async countByState(tenantId?: string): Promise<Record<DeliveryState, number>> {
    let q = this.#db.selectFrom('deliveries').select((eb) => ['state', eb.fn.countAll<number>().as('n')]).groupBy('state');
    if (tenantId) q = q.where('tenant_id', '=', tenantId);
    const counts = { pending: 0, delivering: 0, delivered: 0, dead: 0 };
    for (const r of await q.execute()) counts[r.state as DeliveryState] = Number(r.n);
    return counts;
  }
}

function toRecord(row: Selectable<DeliveryTable>): DeliveryRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    endpointId: row.endpoint_id,
    handler: row.handler,
    orderKey: row.order_key,
    callId: row.call_id,
    eventType: row.event_type,
    payload: JSON.parse(row.payload),
    state: row.state as DeliveryState,
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
