import type { Kysely } from 'kysely';
import type { ApiKeyTable, Database } from '../schema.ts';

export type ApiKeyRecord = {
  id: string;
  tenantId: string;
  name: string;
  role: string;
  prefix: string;
  hash: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** For agent keys: the extension the key acts for. */
  extension: string | null;
};

export class ApiKeysRepository {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(key: ApiKeyRecord): Promise<void> {
    await this.#db
      .insertInto('api_keys')
      .values({
        id: key.id,
        tenant_id: key.tenantId,
        name: key.name,
        role: key.role,
        prefix: key.prefix,
        hash: key.hash,
        created_at: key.createdAt,
        last_used_at: key.lastUsedAt,
        revoked_at: key.revokedAt,
        extension: key.extension,
      })
      .execute();
  }

  async findByPrefix(prefix: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.#db.selectFrom('api_keys').selectAll().where('prefix', '=', prefix).executeTakeFirst();
    return row && toRecord(row);
  }

  async list(tenantId?: string): Promise<ApiKeyRecord[]> {
    let q = this.#db.selectFrom('api_keys').selectAll().orderBy('created_at');
    if (tenantId) q = q.where('tenant_id', '=', tenantId);
    return (await q.execute()).map(toRecord);
  }

  async count(): Promise<number> {
    const row = await this.#db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Revokes by id or prefix; returns the revoked key, or undefined when none matched. */
  async revoke(idOrPrefix: string, now: string, tenantId?: string): Promise<ApiKeyRecord | undefined> {
    let q = this.#db
      .updateTable('api_keys')
      .set({ revoked_at: now })
      .where((eb) => eb.or([eb('id', '=', idOrPrefix), eb('prefix', '=', idOrPrefix)]))
      .where('revoked_at', 'is', null);
    if (tenantId) q = q.where('tenant_id', '=', tenantId);
    const result = await q.executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return undefined;
    const row = await this.#db
      .selectFrom('api_keys')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrPrefix), eb('prefix', '=', idOrPrefix)]))
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async touch(id: string, now: string): Promise<void> {
    await this.#db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
  }
}

function toRecord(row: ApiKeyTable): ApiKeyRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    role: row.role,
    prefix: row.prefix,
    hash: row.hash,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    extension: row.extension,
  };
}
