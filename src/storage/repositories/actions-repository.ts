/**
 * Actions and each user's favourite. Every method takes the executor (the store's db or a transaction)
 * so the actions service can keep the favourite invariant in the transaction of the change.
 */
import type { Kysely } from 'kysely';
import type { Action } from '../../core/actions/action.ts';
import type { ActionTable, Database } from '../schema.ts';

type Db = Kysely<Database>;

export class ActionsRepository {
  #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  get db(): Db {
    return this.#db;
  }

  /** The tenant's actions; with `visibleTo`, only that user's own and the tenant-wide ones. */
  async list(db: Db, tenantId: string, filter: { visibleTo?: string; owner?: string | null } = {}): Promise<Action[]> {
    let q = db.selectFrom('actions').selectAll().where('tenant_id', '=', tenantId);
    if (filter.visibleTo !== undefined) {
      const user = filter.visibleTo;
      q = q.where((eb) => eb.or([eb('owner_user_id', 'is', null), eb('owner_user_id', '=', user)]));
    }
    if (filter.owner !== undefined) q = filter.owner === null ? q.where('owner_user_id', 'is', null) : q.where('owner_user_id', '=', filter.owner);
    const rows = await q.orderBy('created_at').orderBy('id').execute();
    return rows.map(toAction);
  }

  /** Enabled actions with an automatic trigger: what the ingest path matches changes against. */
  async listAutomatic(tenantId: string): Promise<Action[]> {
    const rows = await this.#db.selectFrom('actions').selectAll().where('tenant_id', '=', tenantId).where('enabled', '=', 1).where('automatic', '=', 1).orderBy('created_at').execute();
    return rows.map(toAction);
  }

  async get(db: Db, tenantId: string, id: string): Promise<Action | undefined> {
    const row = await db.selectFrom('actions').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toAction(row);
  }

  async insert(db: Db, action: Action): Promise<void> {
    await db.insertInto('actions').values(toRow(action)).execute();
  }

  async update(db: Db, action: Action): Promise<void> {
    const { id, tenant_id, created_at, ...rest } = toRow(action);
    await db.updateTable('actions').set(rest).where('tenant_id', '=', tenant_id).where('id', '=', id).execute();
  }

  async delete(db: Db, tenantId: string, id: string): Promise<boolean> {
    await db.deleteFrom('action_favourites').where('tenant_id', '=', tenantId).where('action_id', '=', id).execute();
    const r = await db.deleteFrom('actions').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Every user of the tenant (a tenant-wide action concerns them all). */
  async userIds(db: Db, tenantId: string): Promise<string[]> {
    const rows = await db.selectFrom('users').select('id').where('tenant_id', '=', tenantId).execute();
    return rows.map((r) => r.id);
  }

  /** Stored favourites by user id. */
  async favourites(db: Db, tenantId: string): Promise<Map<string, string>> {
    const rows = await db.selectFrom('action_favourites').select(['user_id', 'action_id']).where('tenant_id', '=', tenantId).execute();
    return new Map(rows.map((r) => [r.user_id, r.action_id]));
  }

  /** Sets (or, with null, clears) a user's favourite. */
  async setFavourite(db: Db, tenantId: string, userId: string, actionId: string | null): Promise<void> {
    await db.deleteFrom('action_favourites').where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
    if (actionId !== null) await db.insertInto('action_favourites').values({ tenant_id: tenantId, user_id: userId, action_id: actionId }).execute();
  }
}

function toRow(a: Action): ActionTable {
  return {
    id: a.id,
    tenant_id: a.tenantId,
    owner_user_id: a.ownerUserId,
    name: a.name,
    enabled: a.enabled ? 1 : 0,
    automatic: a.trigger.mode === 'automatic' ? 1 : 0,
    execution: a.execution,
    target: JSON.stringify(a.target),
    request: a.request === null ? null : JSON.stringify(a.request),
    trigger: JSON.stringify(a.trigger),
    created_at: a.createdAt,
    updated_at: a.updatedAt,
  };
}

function toAction(row: ActionTable): Action {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    ownerUserId: row.owner_user_id,
    enabled: row.enabled === 1,
    execution: row.execution as Action['execution'],
    target: JSON.parse(row.target),
    request: row.request === null ? null : JSON.parse(row.request),
    trigger: JSON.parse(row.trigger),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
