/**
 * Web UI logins (a user's password hash and role) and their sessions. Sessions are found by the
 * SHA-256 of the cookie's token; the token itself is never stored.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { User } from './users-repository.ts';

/** What a signed-in user chose for their own web UI. */
export type WebPreferences = { autoRunFavourite: boolean };

export type WebLogin = { userId: string; tenantId: string; passwordHash: string; role: string; updatedAt: string };

export type WebSession = { id: string; tenantId: string; userId: string; createdAt: string; expiresAt: string };

export class WebSessionsRepository {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async login(userId: string): Promise<WebLogin | undefined> {
    const row = await this.#db.selectFrom('web_logins').selectAll().where('user_id', '=', userId).executeTakeFirst();
    return row && { userId: row.user_id, tenantId: row.tenant_id, passwordHash: row.password_hash, role: row.role, updatedAt: row.updated_at };
  }

  /**
   * The user with a login whose extension or e-mail (any case) is `identifier`. An e-mail shared by
   * two users finds neither: sign-in must not pick one at random.
   */
  async findByIdentifier(tenantId: string, identifier: string): Promise<{ user: User; login: WebLogin } | undefined> {
    const rows = await this.#db
      .selectFrom('users')
      .innerJoin('web_logins', 'web_logins.user_id', 'users.id')
      .selectAll('users')
      .select(['web_logins.password_hash', 'web_logins.role', 'web_logins.updated_at as login_updated_at'])
      .where('users.tenant_id', '=', tenantId)
      .where((eb) => (identifier.includes('@') ? eb(eb.fn('lower', ['users.email']), '=', identifier.toLowerCase()) : eb('users.extension', '=', identifier)))
      .limit(2)
      .execute();
    if (rows.length !== 1) return undefined;
    const r = rows[0];
    return {
      user: { id: r.id, tenantId: r.tenant_id, extension: r.extension, name: r.name, email: r.email, createdAt: r.created_at, updatedAt: r.updated_at },
      login: { userId: r.id, tenantId: r.tenant_id, passwordHash: r.password_hash, role: r.role, updatedAt: r.login_updated_at },
    };
  }

  /** Sets (or replaces) a user's password and role; a new password ends the user's other sessions. */
  async setLogin(login: WebLogin): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const values = { password_hash: login.passwordHash, role: login.role, updated_at: login.updatedAt };
      const updated = await trx.updateTable('web_logins').set(values).where('user_id', '=', login.userId).executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        await trx.insertInto('web_logins').values({ user_id: login.userId, tenant_id: login.tenantId, ...values }).execute();
      }
      await trx.deleteFrom('web_sessions').where('user_id', '=', login.userId).execute();
    });
  }

  /** The web UI preferences of a user who may sign in (defaults for one who may not). */
  async preferences(userId: string): Promise<WebPreferences> {
    const row = await this.#db.selectFrom('web_logins').select('auto_run_favourite').where('user_id', '=', userId).executeTakeFirst();
    return { autoRunFavourite: Number(row?.auto_run_favourite ?? 0) === 1 };
  }

  async setPreferences(userId: string, preferences: WebPreferences): Promise<void> {
    await this.#db.updateTable('web_logins').set({ auto_run_favourite: preferences.autoRunFavourite ? 1 : 0 }).where('user_id', '=', userId).execute();
  }

  /** user id → role, for the users page. */
  async roles(tenantId: string): Promise<Map<string, string>> {
    const rows = await this.#db.selectFrom('web_logins').select(['user_id', 'role']).where('tenant_id', '=', tenantId).execute();
    return new Map(rows.map((r) => [r.user_id, r.role]));
  }

  async insertSession(session: WebSession, tokenHash: string): Promise<void> {
    await this.#db
      .insertInto('web_sessions')
      .values({ id: session.id, token_hash: tokenHash, tenant_id: session.tenantId, user_id: session.userId, created_at: session.createdAt, expires_at: session.expiresAt })
      .execute();
  }

  async sessionByHash(tokenHash: string): Promise<WebSession | undefined> {
    const row = await this.#db.selectFrom('web_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row && { id: row.id, tenantId: row.tenant_id, userId: row.user_id, createdAt: row.created_at, expiresAt: row.expires_at };
  }

  async deleteSession(id: string): Promise<void> {
    await this.#db.deleteFrom('web_sessions').where('id', '=', id).execute();
  }

  /** Removes expired sessions; returns how many. */
  async deleteExpired(now: string): Promise<number> {
    const r = await this.#db.deleteFrom('web_sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
