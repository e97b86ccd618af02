/**
 * Actions: create, change, delete, and each user's favourite. Every change that can break the
 * favourite rule (core/actions/favourite.ts) repairs it for the users it affects in the same
 * transaction, so no reader ever sees a user with enabled actions and no favourite, or two.
 */
import type { Kysely } from 'kysely';
import type { Action } from '../core/actions/action.ts';
import { favouriteRefusal, requiredFavourite } from '../core/actions/favourite.ts';
import { CallbridgeError, invalid } from '../core/errors.ts';
import { uuidv7 } from '../core/ids.ts';
import type { Database } from '../storage/schema.ts';
import type { Store } from '../storage/store.ts';
import { buildAction, inputOf, type ActionInput } from './action-input.ts';

/** Whose users a change concerns: one owner, or everybody (a tenant-wide action). */
type Affected = Set<string | null>;

export class ActionsService {
  #store: Store;
  #now: () => Date;
  #listeners = new Set<(tenantId: string) => void>();

  constructor(store: Store, now: () => Date = () => new Date()) {
    this.#store = store;
    this.#now = now;
  }

  /** Called after every committed change of a tenant's actions (the ingest consumer drops its cache). */
  onChange(listener: (tenantId: string) => void): void {
    this.#listeners.add(listener);
  }

  async list(tenantId: string, filter: { visibleTo?: string; owner?: string | null } = {}): Promise<Action[]> {
    return this.#store.actions.list(this.#store.actions.db, tenantId, filter);
  }

  async get(tenantId: string, id: string): Promise<Action> {
    const action = await this.#store.actions.get(this.#store.actions.db, tenantId, id);
    if (!action) throw new CallbridgeError('CB_NOT_FOUND', 'No action with this id', '/id');
    return action;
  }

  async create(tenantId: string, input: ActionInput): Promise<Action> {
    const now = this.#now().toISOString();
    const action = buildAction(input, { id: uuidv7(), tenantId, createdAt: now, updatedAt: now });
    await this.#checkOwner(tenantId, action.ownerUserId);
    await this.#write(tenantId, new Set([action.ownerUserId]), (trx) => this.#store.actions.insert(trx, action));
    return action;
  }

  async update(tenantId: string, id: string, patch: Partial<ActionInput>): Promise<Action> {
    const current = await this.get(tenantId, id);
    const merged: ActionInput = { ...inputOf(current), ...patch };
    // Turning a server-side action into a client-side one drops its request unless the patch sets one.
    if (patch.execution === 'client' && !('request' in patch)) merged.request = null;
    const action = buildAction(merged, { id, tenantId, createdAt: current.createdAt, updatedAt: this.#now().toISOString() });
    await this.#checkOwner(tenantId, action.ownerUserId);
    await this.#write(tenantId, new Set([current.ownerUserId, action.ownerUserId]), (trx) => this.#store.actions.update(trx, action));
    return action;
  }

  async delete(tenantId: string, id: string): Promise<void> {
    const current = await this.get(tenantId, id);
    await this.#write(tenantId, new Set([current.ownerUserId]), async (trx) => {
      await this.#store.actions.delete(trx, tenantId, id);
    });
  }

  /** Makes `actionId` the user's favourite; it must be an enabled action the user has. */
  async setFavourite(tenantId: string, userId: string, actionId: string): Promise<void> {
    await this.#store.dialect.db.transaction().execute(async (trx) => {
      const refusal = favouriteRefusal(actionId, await this.#store.actions.list(trx, tenantId, { visibleTo: userId }));
      if (refusal) throw invalid('/id', `The action ${refusal}`);
      await this.#store.actions.setFavourite(trx, tenantId, userId, actionId);
    });
    this.#changed(tenantId);
  }

  /** The user's favourite action id (null: the user has no enabled action). */
  async favouriteOf(tenantId: string, userId: string): Promise<string | null> {
    const db = this.#store.actions.db;
    const stored = (await this.#store.actions.favourites(db, tenantId)).get(userId) ?? null;
    const required = requiredFavourite(stored, await this.#store.actions.list(db, tenantId, { visibleTo: userId }));
    // A user added after the last change of the actions has no stored row yet: store the rule's choice.
    if (required !== stored) {
      await this.#store.dialect.db.transaction().execute((trx) => this.#repairFavourites(trx, tenantId, new Set([userId])));
      return (await this.#store.actions.favourites(db, tenantId)).get(userId) ?? null;
    }
    return required;
  }

  async #checkOwner(tenantId: string, ownerUserId: string | null): Promise<void> {
    if (ownerUserId !== null && !(await this.#store.users.get(tenantId, ownerUserId))) {
      throw invalid('/ownerUserId', 'No user with this id in your tenant');
    }
  }

  /** Runs the change and repairs the favourites of the users it affects, in one transaction. */
  async #write(tenantId: string, affected: Affected, change: (trx: Kysely<Database>) => Promise<void>): Promise<void> {
    await this.#store.dialect.db.transaction().execute(async (trx) => {
      await change(trx);
      await this.#repairFavourites(trx, tenantId, affected);
    });
    this.#changed(tenantId);
  }

  async #repairFavourites(trx: Kysely<Database>, tenantId: string, affected: Affected): Promise<void> {
    const all = await this.#store.actions.list(trx, tenantId);
    const userIds = affected.has(null) ? await this.#store.actions.userIds(trx, tenantId) : [...affected].filter((u): u is string => u !== null);
    const stored = await this.#store.actions.favourites(trx, tenantId);
    for (const userId of userIds) {
      const mine = all.filter((a) => a.ownerUserId === null || a.ownerUserId === userId);
      const current = stored.get(userId) ?? null;
      const required = requiredFavourite(current, mine);
      if (required !== current) await this.#store.actions.setFavourite(trx, tenantId, userId, required);
    }
  }

  #changed(tenantId: string): void {
    for (const listener of this.#listeners) listener(tenantId);
  }
}
