/**
 * The tables a backup holds, in an order that satisfies every foreign key (parents first; a restore
 * inserts in this order and empties in reverse), each with its primary key for keyset paging.
 * test/backup.test.ts checks this list against the migrated schema, so a new table cannot be
 * forgotten.
 */
import type { Database } from '../storage/schema.ts';

export type BackupTable = { readonly name: keyof Database; readonly key: readonly string[] };

export const BACKUP_TABLES: readonly BackupTable[] = [
  { name: 'tenants', key: ['id'] },
  { name: 'users', key: ['id'] },
  { name: 'api_keys', key: ['id'] },
  { name: 'web_logins', key: ['user_id'] },
  { name: 'web_sessions', key: ['id'] },
  { name: 'calls', key: ['id'] },
  { name: 'call_legs', key: ['tenant_id', 'leg_id'] },
  { name: 'call_extensions', key: ['call_id', 'extension'] },
  { name: 'call_events', key: ['seq'] },
  { name: 'connectors', key: ['id'] },
  { name: 'contacts', key: ['id'] },
  { name: 'contact_numbers', key: ['contact_id', 'position'] },
  { name: 'contact_changes', key: ['seq'] },
  { name: 'sources', key: ['id'] },
  { name: 'source_records', key: ['source_id', 'record_id'] },
  { name: 'delivery_endpoints', key: ['id'] },
  { name: 'deliveries', key: ['seq'] },
  { name: 'delivery_attempts', key: ['delivery_id', 'n'] },
  { name: 'actions', key: ['id'] },
  { name: 'action_favourites', key: ['tenant_id', 'user_id'] },
  { name: 'employee_integrations', key: ['tenant_id'] },
  { name: 'crm_connections', key: ['id'] },
  { name: 'crm_user_mappings', key: ['connection_id', 'extension'] },
  { name: 'crm_activities', key: ['connection_id', 'call_id'] },
];

/**
 * A sync run's staging rows: meaningless outside that run (a restored source simply runs again), so
 * not backed up; a restore empties them.
 */
export const TRANSIENT_TABLES: readonly (keyof Database)[] = ['source_staging', 'source_staging_numbers'];

/** Auto-increment columns whose generators a restore moves past the restored values. */
export const AUTO_INCREMENT: readonly { table: keyof Database; column: string }[] = [
  { table: 'call_events', column: 'seq' },
  { table: 'contact_changes', column: 'seq' },
  { table: 'deliveries', column: 'seq' },
];
