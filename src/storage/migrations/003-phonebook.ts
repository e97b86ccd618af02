import type { Kysely } from 'kysely';
import type { StorageDialect } from '../dialect.ts';

/** The phonebook: contacts, their numbers, and a change feed that keeps every instance's index fresh. */
export async function up(db: Kysely<any>, dialect: StorageDialect): Promise<void> {
  await db.schema
    .createTable('contacts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('owner_user_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('company', 'text')
    .addColumn('emails', 'text', (c) => c.notNull())
    .addColumn('notes', 'text')
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text')
    .addColumn('source_record_id', 'text')
    .addColumn('forwarding_target', 'integer', (c) => c.notNull())
    .addColumn('search_text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('contacts_tenant_name').on('contacts').columns(['tenant_id', 'name']).execute();
  await db.schema.createIndex('contacts_source').on('contacts').columns(['tenant_id', 'source_id', 'source_record_id']).execute();

  await db.schema
    .createTable('contact_numbers')
    .addColumn('contact_id', 'text', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('raw', 'text', (c) => c.notNull())
    .addColumn('e164', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('switchboard', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('contact_numbers_pk', ['contact_id', 'position'])
    .execute();
  await db.schema.createIndex('contact_numbers_e164').on('contact_numbers').columns(['tenant_id', 'e164']).execute();

  await db.schema
    .createTable('contact_changes')
    .addColumn('seq', dialect.autoIncrementType, (c) => dialect.autoIncrement(c))
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .execute();

  await db.schema.alterTable('tenants').addColumn('lookup_suffix_digits', 'integer').execute();
}
