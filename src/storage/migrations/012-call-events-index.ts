import type { Kysely } from 'kysely';
import type { StorageDialect } from '../dialect.ts';

/**
 * `call_events_tenant_seq` (tenant_id, seq) goes. It served only the stream resume (`tenant_id = ?
 * and seq > ?`), which the primary key on seq serves as well: a resume reads the few events after a
 * recent seq. Worse, SQLite's planner took it for a call's history too (`tenant_id = ? and call_id =
 * ? order by seq`, read when an event arrives out of order): it walked every event of the tenant
 * instead of the call's few through `call_events_call`, so a refold got slower with every call ever
 * stored. And every ingested event paid for writing it.
 */
export async function up(db: Kysely<any>, _dialect: StorageDialect): Promise<void> {
  await db.schema.dropIndex('call_events_tenant_seq').execute();
}
