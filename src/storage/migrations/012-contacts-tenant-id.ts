import type { Kysely } from 'kysely';
import type { StorageDialect } from '../dialect.ts';

/**
 * `contacts_tenant_id` (tenant_id, id) serves the phonebook's paged read of a tenant's contacts
 * (`tenant_id = ? and id > ? order by id limit ?`, the index build at start and on reload). Without
 * it SQLite, which keeps no statistics, took `contacts_source` (tenant_id = ?) and sorted all of
 * the tenant's contacts for every page: quadratic, about 2 s for 200,000 contacts and far more for a
 * million. With it each page is one range read. Contact ids are UUIDv7, so new entries append.
 */
export async function up(db: Kysely<any>, _dialect: StorageDialect): Promise<void> {
  await db.schema.createIndex('contacts_tenant_id').on('contacts').columns(['tenant_id', 'id']).execute();
}
