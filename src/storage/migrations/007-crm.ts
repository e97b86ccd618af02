import type { Kysely } from 'kysely';
import type { StorageDialect } from '../dialect.ts';

/**
 * CRM connections (a configured connection of a CRM type, secrets sealed), which CRM user an
 * extension's calls belong to, and the activities already written (one per connection and call: what
 * makes a retried or replayed journaling delivery a no-op).
 */
export async function up(db: Kysely<any>, _dialect: StorageDialect): Promise<void> {
  await db.schema
    .createTable('crm_connections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('secrets', 'text')
    .addColumn('journal', 'text', (c) => c.notNull())
    .addColumn('lookup', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('crm_connections_tenant_name', ['tenant_id', 'name'])
    .execute();

  await db.schema
    .createTable('crm_user_mappings')
    .addColumn('connection_id', 'text', (c) => c.notNull().references('crm_connections.id').onDelete('cascade'))
    .addColumn('extension', 'text', (c) => c.notNull())
    .addColumn('crm_user_id', 'text', (c) => c.notNull())
    .addColumn('log_calls', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('crm_user_mappings_pk', ['connection_id', 'extension'])
    .execute();

  await db.schema
    .createTable('crm_activities')
    .addColumn('connection_id', 'text', (c) => c.notNull().references('crm_connections.id').onDelete('cascade'))
    .addColumn('call_id', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('logged_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('crm_activities_pk', ['connection_id', 'call_id'])
    .execute();
}
