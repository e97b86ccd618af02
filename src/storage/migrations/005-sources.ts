import type { Kysely } from 'kysely';

/**
 * Directory sources (configured connections of a source type), what each delivered last time
 * (`source_records`: record id → contact and content hash), and the staging tables a run fills
 * before it applies its diff in one transaction.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sources')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('secrets', 'text')
    .addColumn('interval', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('state', 'text')
    .addColumn('next_run_at', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('run_id', 'text')
    .addColumn('run_started_at', 'text')
    .addColumn('progress', 'text')
    .addColumn('last_success_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', 'text')
    .addColumn('last_report', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('sources_tenant_name', ['tenant_id', 'name'])
    .execute();
  await db.schema.createIndex('sources_next_run').on('sources').columns(['next_run_at']).execute();

  await db.schema
    .createTable('source_records')
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('source_records_pk', ['source_id', 'record_id'])
    .execute();

  await db.schema
    .createTable('source_staging')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text')
    .addColumn('name', 'text')
    .addColumn('company', 'text')
    .addColumn('emails', 'text')
    .addColumn('notes', 'text')
    .addColumn('search_text', 'text')
    .execute();
  // No keys on the staging tables: a run's record ids are unique by construction (the engine skips
  // duplicates), rows are read by scanning the run's own rows, and every index would slow the
  // million-row inserts.

  await db.schema
    .createTable('source_staging_numbers')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('raw', 'text', (c) => c.notNull())
    .addColumn('e164', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('switchboard', 'integer', (c) => c.notNull())
    .execute();
}
