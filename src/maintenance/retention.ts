/**
 * Retention (GDPR storage limitation): a tenant's `retentionDays` (PATCH /api/v1/settings,
 * `callbridge retention set`) says how long call records and delivery logs are kept. Calls that
 * started earlier are deleted with their events, legs, extensions and CRM activity markers;
 * deliveries created earlier with their attempt log. Contacts are never touched.
 *
 * Deletion runs in small batches, each its own short transaction, so ingest and the delivery worker
 * wait for one batch at most (SQLite has one writer). On PostgreSQL the batch's rows are locked with
 * SKIP LOCKED: a call being written or a delivery being claimed right now is left for the next run.
 * A delivery being sent (`delivering`) is never deleted under the worker.
 *
 * Runs are idempotent, so several instances (or the server and a cron `callbridge retention run`)
 * may run at once.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../storage/schema.ts';
import type { Store } from '../storage/store.ts';

export const DEFAULT_BATCH_SIZE = 500;
const DAY_MS = 86_400_000;

export type RetentionResult = {
  tenantId: string;
  days: number;
  /** Records older than this (ISO 8601) were deleted. */
  cutoff: string;
  calls: number;
  deliveries: number;
};

export type RetentionOptions = {
  /** The clock; tests move it. */
  now?: () => Date;
  /** Rows per transaction. */
  batchSize?: number;
  /** Checked between batches: a stopping server ends the run early (the next run continues). */
  shouldStop?: () => boolean;
};

/** Applies every tenant's retention period (or only `tenantId`'s). Tenants without one are skipped. */
export async function runRetention(store: Store, options: RetentionOptions & { tenantId?: string } = {}): Promise<RetentionResult[]> {
  const tenants = options.tenantId ? [await store.tenants.get(options.tenantId)].filter((t) => t !== undefined) : await store.tenants.list();
  const results: RetentionResult[] = [];
  for (const tenant of tenants) {
    if (tenant.retentionDays === null) continue;
    results.push(await applyRetention(store, tenant.id, tenant.retentionDays, options));
    if (options.shouldStop?.()) break;
  }
  return results;
}

/** Deletes the tenant's calls and deliveries older than `days` days. */
export async function applyRetention(store: Store, tenantId: string, days: number, options: RetentionOptions = {}): Promise<RetentionResult> {
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`retention days must be a whole number of at least 1, not ${days}`);
  const cutoff = new Date((options.now?.() ?? new Date()).getTime() - days * DAY_MS).toISOString();
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const result: RetentionResult = { tenantId, days, cutoff, calls: 0, deliveries: 0 };
  const stop = options.shouldStop ?? (() => false);
  for (;;) {
    const n = await inBatch(store, (trx) => deleteCallBatch(store, trx, tenantId, cutoff, batchSize));
    result.calls += n;
    if (n < batchSize || stop()) break;
    await pause();
  }
  for (;;) {
    if (stop()) break;
    const n = await inBatch(store, (trx) => deleteDeliveryBatch(store, trx, tenantId, cutoff, batchSize));
    result.deliveries += n;
    if (n < batchSize) break;
    await pause();
  }
  return result;
}

async function deleteCallBatch(store: Store, trx: Transaction<Database>, tenantId: string, cutoff: string, limit: number): Promise<number> {
  let q = trx.selectFrom('calls').select('id').where('tenant_id', '=', tenantId).where('started_at', '<', cutoff).orderBy('started_at').limit(limit);
  if (store.dialect.capabilities.skipLocked) q = q.forUpdate().skipLocked();
  const ids = (await q.execute()).map((r) => r.id);
  if (ids.length === 0) return 0;
  // Children first (the foreign keys would cascade, but explicit deletes do not depend on it).
  await trx.deleteFrom('call_events').where('call_id', 'in', ids).execute();
  await trx.deleteFrom('call_legs').where('tenant_id', '=', tenantId).where('call_id', 'in', ids).execute();
  await trx.deleteFrom('call_extensions').where('call_id', 'in', ids).execute();
  await trx.deleteFrom('crm_activities').where('call_id', 'in', ids).execute();
  await trx.deleteFrom('calls').where('id', 'in', ids).execute();
  return ids.length;
}

async function deleteDeliveryBatch(store: Store, trx: Transaction<Database>, tenantId: string, cutoff: string, limit: number): Promise<number> {
  let q = trx
    .selectFrom('deliveries')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('created_at', '<', cutoff)
    .where('state', '<>', 'delivering')
    .orderBy('created_at')
    .limit(limit);
  if (store.dialect.capabilities.skipLocked) q = q.forUpdate().skipLocked();
  const ids = (await q.execute()).map((r) => r.id);
  if (ids.length === 0) return 0;
  await trx.deleteFrom('delivery_attempts').where('delivery_id', 'in', ids).execute();
  await trx.deleteFrom('deliveries').where('id', 'in', ids).execute();
  return ids.length;
}

/** One batch in one transaction, run again when it lost a deadlock to a concurrent writer. */
async function inBatch(store: Store, fn: (trx: Transaction<Database>) => Promise<number>): Promise<number> {
  const db: Kysely<Database> = store.dialect.db;
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      if (attempt >= 3 || !store.dialect.isTransientConflict(err)) throw err;
    }
  }
}

/** Lets queued requests run between batches (SQLite's one connection is handed on in FIFO order). */
const pause = () => new Promise<void>((resolve) => setImmediate(resolve));
