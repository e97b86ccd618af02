import type { Kysely } from 'kysely';
import type { StorageDialect } from '../dialect.ts';

/** Actions, each user's favourite action, and the per-tenant employee integration. */
export async function up(db: Kysely<any>, _dialect: StorageDialect): Promise<void> {
  await db.schema
    .createTable('actions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('owner_user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('automatic', 'integer', (c) => c.notNull())
    .addColumn('execution', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('request', 'text')
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('actions_tenant_owner').on('actions').columns(['tenant_id', 'owner_user_id']).execute();

  await db.schema
    .createTable('action_favourites')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('action_id', 'text', (c) => c.notNull().references('actions.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('action_favourites_pk', ['tenant_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('employee_integrations')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey().references('tenants.id').onDelete('cascade'))
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('url_answered', 'text', (c) => c.notNull())
    .addColumn('url_ended', 'text', (c) => c.notNull())
    .addColumn('url_outgoing', 'text', (c) => c.notNull())
    .addColumn('url_incoming', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}
