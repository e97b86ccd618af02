import type { Kysely } from 'kysely';
import type { StorageDialect } from '../dialect.ts';

/** Tenants, API keys, users and the call journal. */
export async function up(db: Kysely<any>, dialect: StorageDialect): Promise<void> {
  await db.schema
    .createTable('tenants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('default_country', 'text', (c) => c.notNull())
    .addColumn('area_code', 'text')
    .addColumn('placetel_secret', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull().unique())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('api_keys_tenant').on('api_keys').column('tenant_id').execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('extension', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('users_tenant_extension', ['tenant_id', 'extension'])
    .execute();

  await db.schema
    .createTable('calls')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('pbx_call_id', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text')
    .addColumn('from_e164', 'text')
    .addColumn('to_e164', 'text')
    .addColumn('from_raw', 'text', (c) => c.notNull())
    .addColumn('to_raw', 'text', (c) => c.notNull())
    .addColumn('answered_by', 'text')
    .addColumn('queue', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addUniqueConstraint('calls_tenant_pbx_call', ['tenant_id', 'pbx_call_id'])
    .execute();
  await db.schema.createIndex('calls_tenant_started').on('calls').columns(['tenant_id', 'started_at', 'id']).execute();
  await db.schema.createIndex('calls_tenant_from').on('calls').columns(['tenant_id', 'from_e164']).execute();
  await db.schema.createIndex('calls_tenant_to').on('calls').columns(['tenant_id', 'to_e164']).execute();
  await db.schema.createIndex('calls_tenant_state').on('calls').columns(['tenant_id', 'state']).execute();

  await db.schema
    .createTable('call_legs')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('leg_id', 'text', (c) => c.notNull())
    .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('call_legs_pk', ['tenant_id', 'leg_id'])
    .execute();

  await db.schema
    .createTable('call_extensions')
    .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id').onDelete('cascade'))
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('extension', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('call_extensions_pk', ['call_id', 'extension'])
    .execute();
  await db.schema
    .createIndex('call_extensions_lookup')
    .on('call_extensions')
    .columns(['tenant_id', 'extension', 'started_at'])
    .execute();

  await db.schema
    .createTable('call_events')
    .addColumn('seq', dialect.autoIncrementType, (c) => dialect.autoIncrement(c))
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id').onDelete('cascade'))
    .addColumn('event_key', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addUniqueConstraint('call_events_tenant_key', ['tenant_id', 'event_key'])
    .execute();
  await db.schema.createIndex('call_events_call').on('call_events').columns(['call_id', 'seq']).execute();
  await db.schema.createIndex('call_events_tenant_seq').on('call_events').columns(['tenant_id', 'seq']).execute();
}
