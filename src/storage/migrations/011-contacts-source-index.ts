import type { Kysely } from 'kysely';
import type { StorageDialect } from '../dialect.ts';

/**
 * `contacts_source` served only `where tenant_id = ? and source_id = ?` (deleting a source's
 * contacts); record ids are looked up in `source_records`. Its third column, the source's record id,
 * made every synced insert land at a random place in the index: a million-row import paid for a
 * random B-tree insert per contact. Without it, a source's new contacts append at the end of their
 * (tenant, source) range, in insertion order.
 */
export async function up(db: Kysely<any>, _dialect: StorageDialect): Promise<void> {
  await db.schema.dropIndex('contacts_source').execute();
  await db.schema.createIndex('contacts_source').on('contacts').columns(['tenant_id', 'source_id']).execute();
}
