import type { Kysely } from 'kysely';
import { uuidv7 } from '../../core/ids.ts';
import type { Database, UserTable } from '../schema.ts';

export type User = {
  id: string;
  tenantId: string;
  extension: string;
  name: string;
  email: string | null;
  createdAt: string;
  updatedAt: string;
};

export type UserInput = { extension: string; name: string; email: string | null };

export class UsersRepository {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async list(tenantId: string): Promise<User[]> {
    const rows = await this.#db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).orderBy('extension').execute();
    return rows.map(toUser);
  }

  async get(tenantId: string, id: string): Promise<User | undefined> {
    const row = await this.#db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toUser(row);
  }

  async byExtension(tenantId: string, extension: string): Promise<User | undefined> {
    const row = await this.#db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('extension', '=', extension)
      .executeTakeFirst();
    return row && toUser(row);
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('users').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /**
   * Inserts or updates users by extension, all in one transaction: an import either lands whole or
   * not at all. Returns how many were created and updated.
   */
  async upsertMany(tenantId: string, users: UserInput[], now: string): Promise<{ created: number; updated: number }> {
    return this.#db.transaction().execute(async (trx) => {
      let created = 0;
      let updated = 0;
      for (const u of users) {
        const existing = await trx
          .selectFrom('users')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .where('extension', '=', u.extension)
          .executeTakeFirst();
        if (existing) {
          await trx.updateTable('users').set({ name: u.name, email: u.email, updated_at: now }).where('id', '=', existing.id).execute();
          updated++;
        } else {
          await trx
            .insertInto('users')
            .values({ id: uuidv7(), tenant_id: tenantId, extension: u.extension, name: u.name, email: u.email, created_at: now, updated_at: now })
            .execute();
          created++;
        }
      }
      return { created, updated };
    });
  }
}

function toUser(row: UserTable): User {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    extension: row.extension,
    name: row.name,
    email: row.email,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
