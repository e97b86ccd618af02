/**
 * Configured directory sources and their run bookkeeping. One run per source at a time, also across
 * instances: a run starts by claiming the row's lease with a conditional UPDATE (free, expired, or
 * already ours), renews it while it runs, and releases it when it records the outcome.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, SourceTable } from '../schema.ts';

export type SourceRecord = {
  id: string;
  tenantId: string;
  type: string;
  name: string;
  description: string | null;
  /** Options without secrets. */
  options: Record<string, unknown>;
  /** Sealed JSON of the secret options, or null. */
  secrets: string | null;
  interval: string;
  enabled: boolean;
  state: string | null;
  nextRunAt: string | null;
  leaseOwner: string | null;
  leaseUntil: string | null;
  runId: string | null;
  runStartedAt: string | null;
  progress: { read: number; total?: number } | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  lastReport: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
};

/** The columns an API or CLI change writes; run bookkeeping is written by the engine only. */
export type SourceSettings = Pick<SourceRecord, 'name' | 'description' | 'options' | 'secrets' | 'interval' | 'enabled' | 'nextRunAt'>;

export class SourcesRepository {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async list(tenantId?: string): Promise<SourceRecord[]> {
    let q = this.#db.selectFrom('sources').selectAll().orderBy('tenant_id').orderBy('name');
    if (tenantId) q = q.where('tenant_id', '=', tenantId);
    return (await q.execute()).map(toRecord);
  }

  async get(tenantId: string, id: string): Promise<SourceRecord | undefined> {
    const row = await this.#db.selectFrom('sources').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  /** By id or, within the tenant, by name (for the CLI). */
  async find(idOrName: string, tenantId?: string): Promise<SourceRecord | undefined> {
    let q = this.#db.selectFrom('sources').selectAll().where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]));
    if (tenantId) q = q.where('tenant_id', '=', tenantId);
    const rows = await q.execute();
    return rows.length === 1 ? toRecord(rows[0]) : rows.map(toRecord).find((r) => r.id === idOrName);
  }

  /** Inserts; false when the tenant already has a source of that name. */
  async insert(s: SourceRecord): Promise<boolean> {
    const result = await this.#db.insertInto('sources').values(toRow(s)).onConflict((oc) => oc.columns(['tenant_id', 'name']).doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Writes the settings; false when the name is taken by another source of the tenant. */
  async updateSettings(tenantId: string, id: string, s: SourceSettings, now: string): Promise<boolean> {
    const taken = await this.#db.selectFrom('sources').select('id').where('tenant_id', '=', tenantId).where('name', '=', s.name).where('id', '<>', id).executeTakeFirst();
    if (taken) return false;
    await this.#db
      .updateTable('sources')
      .set({ name: s.name, description: s.description, options: JSON.stringify(s.options), secrets: s.secrets, interval: s.interval, enabled: s.enabled ? 1 : 0, next_run_at: s.nextRunAt, updated_at: now })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
    return true;
  }

  /**
   * Deletes the source with its synced contacts (appending each to the change feed) in one
   * transaction; the ids of the removed contacts, or undefined when there is no such source.
   * A run still going fails when it applies (its lease is gone with the row).
   */
  async delete(tenantId: string, id: string): Promise<string[] | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      const gone = await trx.deleteFrom('sources').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      if (Number(gone.numDeletedRows) === 0) return undefined;
      const owned = trx.selectFrom('contacts').select('id').where('tenant_id', '=', tenantId).where('source_id', '=', id).where('origin', '=', 'synced');
      const ids = (await owned.execute()).map((r) => r.id);
      await trx
        .insertInto('contact_changes')
        .columns(['tenant_id', 'contact_id'])
        .expression(owned.clearSelect().select([sql<string>`cast(${tenantId} as text)`.as('tenant_id'), 'id']))
        .execute();
      await trx.deleteFrom('contacts').where('tenant_id', '=', tenantId).where('source_id', '=', id).where('origin', '=', 'synced').execute();
      await trx.deleteFrom('source_records').where('source_id', '=', id).execute();
      await trx.deleteFrom('source_staging_numbers').where('run_id', 'in', trx.selectFrom('source_staging').select('run_id').where('source_id', '=', id)).execute();
      await trx.deleteFrom('source_staging').where('source_id', '=', id).execute();
      return ids;
    });
  }

  /** Enabled sources whose next run is due, oldest first. */
  async due(now: string, limit = 20): Promise<SourceRecord[]> {
    const rows = await this.#db
      .selectFrom('sources')
      .selectAll()
      .where('enabled', '=', 1)
      .where('next_run_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('next_run_at')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  /**
   * Takes the lease for a new run when nobody holds it (or the holder's lease expired): the
   * conditional UPDATE is atomic on every database, so of two instances exactly one wins.
   */
  async claim(id: string, owner: string, runId: string, now: string, leaseUntil: string): Promise<boolean> {
    const r = await this.#db
      .updateTable('sources')
      .set({ lease_owner: owner, lease_until: leaseUntil, run_id: runId, run_started_at: now, progress: JSON.stringify({ read: 0 }) })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Extends the lease of a run still going; false when it was lost (expired and taken, or the source deleted). */
  async renew(id: string, runId: string, leaseUntil: string, progress: { read: number; total?: number }): Promise<boolean> {
    const r = await this.#db
      .updateTable('sources')
      .set({ lease_until: leaseUntil, progress: JSON.stringify(progress) })
      .where('id', '=', id)
      .where('run_id', '=', runId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Records a failed run and frees the lease; the stored data and state stay as they were. */
  async recordFailure(id: string, runId: string, error: string, report: object, now: string, nextRunAt: string | null): Promise<void> {
    await this.#db
      .updateTable('sources')
      .set({ last_error: error, last_error_at: now, last_report: JSON.stringify(report), next_run_at: nextRunAt, lease_owner: null, lease_until: null, run_id: null, run_started_at: null, progress: null })
      .where('id', '=', id)
      .where('run_id', '=', runId)
      .execute();
  }
}

function toRow(s: SourceRecord): SourceTable {
  return {
    id: s.id,
    tenant_id: s.tenantId,
    type: s.type,
    name: s.name,
    description: s.description,
    options: JSON.stringify(s.options),
    secrets: s.secrets,
    interval: s.interval,
    enabled: s.enabled ? 1 : 0,
    state: s.state,
    next_run_at: s.nextRunAt,
    lease_owner: s.leaseOwner,
    lease_until: s.leaseUntil,
    run_id: s.runId,
    run_started_at: s.runStartedAt,
    progress: s.progress ? JSON.stringify(s.progress) : null,
    last_success_at: s.lastSuccessAt,
    last_error: s.lastError,
    last_error_at: s.lastErrorAt,
    last_report: s.lastReport ? JSON.stringify(s.lastReport) : null,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

function toRecord(r: SourceTable): SourceRecord {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    type: r.type,
    name: r.name,
    description: r.description,
    options: JSON.parse(r.options) as Record<string, unknown>,
    secrets: r.secrets,
    interval: r.interval,
    enabled: Number(r.enabled) === 1,
    state: r.state,
    nextRunAt: r.next_run_at,
    leaseOwner: r.lease_owner,
    leaseUntil: r.lease_until,
    runId: r.run_id,
    runStartedAt: r.run_started_at,
    progress: r.progress ? (JSON.parse(r.progress) as SourceRecord['progress']) : null,
    lastSuccessAt: r.last_success_at,
    lastError: r.last_error,
    lastErrorAt: r.last_error_at,
    lastReport: r.last_report ? (JSON.parse(r.last_report) as Record<string, unknown>) : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
