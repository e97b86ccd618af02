import type { Kysely } from 'kysely';
import type { StorageDialect } from '../dialect.ts';

/**
 * Retention (GDPR storage limitation): per tenant, how many days call records and delivery logs are
 * kept (null: for ever). The retention job deletes deliveries by age per tenant; this index keeps each
 * batch a range read instead of a scan of the tenant's whole outbox. Calls use `calls_tenant_started`.
 */
export async function up(db: Kysely<any>, _dialect: StorageDialect): Promise<void> {
  await db.schema.alterTable('tenants').addColumn('retention_days', 'integer').execute();
  await db.schema.createIndex('deliveries_tenant_created').on('deliveries').columns(['tenant_id', 'created_at']).execute();
}
