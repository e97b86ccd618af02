import type { Kysely } from 'kysely';
import type { StorageDialect } from '../dialect.ts';

/**
 * The delivery outbox: endpoints (webhook subscriptions and every other destination), deliveries (one
 * row per thing to send, claimed by the worker) and the per-attempt log (no bodies: they hold personal
 * data). Also the tenant's SSRF allow-list.
 */
export async function up(db: Kysely<any>, dialect: StorageDialect): Promise<void> {
  await db.schema
    .createTable('delivery_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('secret', 'text')
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('disabled_reason', 'text')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull())
    .addColumn('max_concurrency', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('delivery_endpoints_tenant').on('delivery_endpoints').columns(['tenant_id', 'kind']).execute();

  await db.schema
    .createTable('deliveries')
    .addColumn('seq', dialect.autoIncrementType, (c) => dialect.autoIncrement(c))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('handler', 'text', (c) => c.notNull())
    .addColumn('order_key', 'text')
    .addColumn('call_id', 'text')
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // The worker's scan: due rows by time; the order check: earlier rows of the same chain.
  await db.schema.createIndex('deliveries_due').on('deliveries').columns(['state', 'next_attempt_at']).execute();
  await db.schema.createIndex('deliveries_chain').on('deliveries').columns(['endpoint_id', 'order_key', 'seq']).execute();
  await db.schema.createIndex('deliveries_tenant').on('deliveries').columns(['tenant_id', 'seq']).execute();
  await db.schema.createIndex('deliveries_call').on('deliveries').columns(['tenant_id', 'call_id']).execute();

  await db.schema
    .createTable('delivery_attempts')
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('request', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('status', 'integer')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('delivery_attempts_pk', ['delivery_id', 'n'])
    .execute();

  await db.schema.alterTable('tenants').addColumn('delivery_allow_list', 'text').execute();
}
