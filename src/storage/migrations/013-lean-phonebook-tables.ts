import type { Kysely } from 'kysely';
import type { StorageDialect } from '../dialect.ts';

/**
 * Fewer B-trees per synced contact (a million-row import inserts into every one of them):
 * - `contact_numbers_e164` goes: no query reads numbers by e164 (who is calling is answered by the
 *   in-memory phonebook index, which reads numbers by contact id), yet every number landed at a
 *   random place in it.
 * - Where the dialect can cluster a table by its primary key (SQLite: WITHOUT ROWID),
 *   `contact_numbers` (key contact id, position) and `source_records` (key source id, record id)
 *   are rebuilt that way: small rows, always read by that key, one B-tree each instead of two.
 */
export async function up(db: Kysely<any>, dialect: StorageDialect): Promise<void> {
  const cluster = dialect.clusterByPrimaryKey;
  if (!cluster) {
    await db.schema.dropIndex('contact_numbers_e164').execute();
    return;
  }
  // SQLite runs migrations outside a transaction: the rebuild is one, all or nothing.
  await db.transaction().execute(async (trx) => {
    await cluster(
      trx.schema
        .createTable('contact_numbers_013')
        .addColumn('contact_id', 'text', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('raw', 'text', (c) => c.notNull())
        .addColumn('e164', 'text')
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('switchboard', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('contact_numbers_pk', ['contact_id', 'position']),
    ).execute();
    await trx.insertInto('contact_numbers_013').expression(trx.selectFrom('contact_numbers').select(['contact_id', 'position', 'tenant_id', 'raw', 'e164', 'type', 'switchboard'])).execute();
    await trx.schema.dropTable('contact_numbers').execute();
    await trx.schema.alterTable('contact_numbers_013').renameTo('contact_numbers').execute();

    await cluster(
      trx.schema
        .createTable('source_records_013')
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('source_records_pk', ['source_id', 'record_id']),
    ).execute();
    await trx.insertInto('source_records_013').expression(trx.selectFrom('source_records').select(['source_id', 'record_id', 'contact_id', 'hash'])).execute();
    await trx.schema.dropTable('source_records').execute();
    await trx.schema.alterTable('source_records_013').renameTo('source_records').execute();
  });
}
