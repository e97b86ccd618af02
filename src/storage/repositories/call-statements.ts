/**
 * The statements the ingest hot path runs for every event, compiled once per store (see prepared.ts);
 * with `direct` (the dialect's runInTransaction), run at once inside the ingest transaction.
 */
import type { Compilable, Kysely } from 'kysely';
import type { DialectCapabilities, DirectExecutor } from '../dialect.ts';
import { prepare as prepareQuery } from '../prepared.ts';
import type { CallEventTable, CallExtensionTable, CallLegTable, CallTable, Database } from '../schema.ts';

const CALL_COLUMNS = [
  'id', 'tenant_id', 'pbx_call_id', 'direction', 'kind', 'state', 'outcome', 'from_e164', 'to_e164', 'from_raw', 'to_raw',
  'answered_by', 'queue', 'started_at', 'ended_at', 'version', 'updated_at', 'data',
] as const satisfies ReadonlyArray<keyof CallTable>;

const EVENT_COLUMNS = ['tenant_id', 'call_id', 'event_key', 'type', 'at', 'received_at', 'source', 'status', 'data'] as const;

type EventRow = Omit<CallEventTable, 'seq'>;

export function callStatements(db: Kysely<Database>, caps: DialectCapabilities, direct?: DirectExecutor) {
  const prepare = <P extends Record<string, unknown>, R>(
    d: Kysely<Database>,
    keys: ReadonlyArray<keyof P & string>,
    build: (db: Kysely<Database>, params: P) => Compilable<R>,
  ) => prepareQuery<P, R>(d, keys, build, direct);
  return {
    rootOfLeg: prepare<{ tenantId: string; legId: string }, { pbx_call_id: string }>(db, ['tenantId', 'legId'], (db, p) =>
      db
        .selectFrom('call_legs')
        .innerJoin('calls', 'calls.id', 'call_legs.call_id')
        .select('calls.pbx_call_id')
        .where('call_legs.tenant_id', '=', p.tenantId)
        .where('call_legs.leg_id', '=', p.legId),
    ),
    lockByPbxId: prepare<{ tenantId: string; pbxCallId: string }, { data: string }>(db, ['tenantId', 'pbxCallId'], (db, p) => {
      const q = db.selectFrom('calls').select('data').where('tenant_id', '=', p.tenantId).where('pbx_call_id', '=', p.pbxCallId);
      return caps.rowLocks ? q.forUpdate() : q;
    }),
    insertCall: prepare<CallTable, never>(db, CALL_COLUMNS, (db, row) =>
      db.insertInto('calls').values(row).onConflict((oc) => oc.columns(['tenant_id', 'pbx_call_id']).doNothing()),
    ),
    updateCall: prepare<CallTable, never>(db, CALL_COLUMNS, (db, { id, tenant_id, pbx_call_id, ...values }) =>
      db.updateTable('calls').set(values).where('id', '=', id).where('tenant_id', '=', tenant_id).where('pbx_call_id', '=', pbx_call_id),
    ),
    indexLeg: prepare<CallLegTable, never>(db, ['tenant_id', 'leg_id', 'call_id'], (db, row) =>
      db.insertInto('call_legs').values(row).onConflict((oc) => oc.columns(['tenant_id', 'leg_id']).doNothing()),
    ),
    indexExtension: prepare<CallExtensionTable, never>(db, ['call_id', 'tenant_id', 'extension', 'started_at'], (db, row) =>
      db.insertInto('call_extensions').values(row).onConflict((oc) => oc.columns(['call_id', 'extension']).doNothing()),
    ),
    hasEvent: prepare<{ tenantId: string; key: string }, { seq: number }>(db, ['tenantId', 'key'], (db, p) =>
      db.selectFrom('call_events').select('seq').where('tenant_id', '=', p.tenantId).where('event_key', '=', p.key),
    ),
    insertEvent: prepare<EventRow, { seq: number }>(db, EVENT_COLUMNS, (db, row) =>
      db.insertInto('call_events').values(row).onConflict((oc) => oc.columns(['tenant_id', 'event_key']).doNothing()).returning('seq'),
    ),
  };
}

export type CallStatements = ReturnType<typeof callStatements>;
