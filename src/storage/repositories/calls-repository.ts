/**
 * The call journal's rows: calls (the core `Call` as JSON plus an indexed projection), the leg index,
 * the extensions a call touched, and the event history. Write methods take the transaction they run in.
 */
import type { Kysely, Transaction } from 'kysely';
import { CALL_STATES, type Call } from '../../core/calls/call.ts';
import type { CallEvent } from '../../core/calls/call-event.ts';
import type { DialectCapabilities, DirectExecutor } from '../dialect.ts';
import type { CallTable, Database } from '../schema.ts';
import { callStatements, type CallStatements } from './call-statements.ts';

export type StoredEvent = {
  seq: number;
  callId: string;
  type: string;
  at: string;
  receivedAt: string;
  source: string;
  status: string;
  event: CallEvent;
};

export type CallFilter = {
  tenantId: string;
  from?: string;
  to?: string;
  direction?: string;
  outcome?: string;
  state?: string;
  extension?: string;
  /** E.164 number matched against either party. */
  number?: string;
  queue?: string;
  /** Cursor: the (startedAt, id) of the last item of the previous page. */
  after?: { startedAt: string; id: string };
  limit: number;
};

type Db = Kysely<Database> | Transaction<Database>;

export class CallsRepository {
  #db: Kysely<Database>;

  #sql: CallStatements;

  constructor(db: Kysely<Database>, capabilities: DialectCapabilities, direct?: DirectExecutor) {
    this.#db = db;
    this.#sql = callStatements(db, capabilities, direct);
  }

  /** The PBX id of the conversation a leg belongs to, by the PBX's leg id. */
  async rootOfLeg(trx: Db, tenantId: string, legId: string): Promise<string | undefined> {
    const { rows } = await this.#sql.rootOfLeg(trx, { tenantId, legId });
    return rows[0]?.pbx_call_id;
  }

  /** Reads a call for update: on dialects with row locks, concurrent writers of the same call queue here. */
  async lockByPbxId(trx: Db, tenantId: string, pbxCallId: string): Promise<Call | undefined> {
    const { rows } = await this.#sql.lockByPbxId(trx, { tenantId, pbxCallId });
    return rows[0] && (JSON.parse(rows[0].data) as Call);
  }

  /** Inserts a new call; false when another writer created the same PBX call first. */
  async insert(trx: Db, call: Call): Promise<boolean> {
    const result = await this.#sql.insertCall(trx, toRow(call));
    return Number(result.numAffectedRows ?? 0) > 0;
  }

  async update(trx: Db, call: Call): Promise<void> {
    await this.#sql.updateCall(trx, toRow(call));
  }

  /** Records that a leg belongs to a call, for events that name only the leg (idempotent). */
  async indexLeg(trx: Db, tenantId: string, legId: string, callId: string): Promise<void> {
    await this.#sql.indexLeg(trx, { tenant_id: tenantId, leg_id: legId, call_id: callId });
  }

  /** Records extensions a call touched, for the extension filter (idempotent). */
  async indexExtensions(trx: Db, call: Call, extensions: string[]): Promise<void> {
    for (const extension of extensions) {
      await this.#sql.indexExtension(trx, { call_id: call.id, tenant_id: call.tenantId, extension, started_at: call.startedAt });
    }
  }

  async hasEvent(trx: Db, tenantId: string, key: string): Promise<boolean> {
    const { rows } = await this.#sql.hasEvent(trx, { tenantId, key });
    return rows.length > 0;
  }

  /** Appends an event; undefined when its key is already stored (a concurrent duplicate). */
  async insertEvent(
    trx: Db,
    e: { tenantId: string; callId: string; event: CallEvent; receivedAt: string; source: string; status: string },
  ): Promise<number | undefined> {
    const { rows } = await this.#sql.insertEvent(trx, {
      tenant_id: e.tenantId,
      call_id: e.callId,
      event_key: e.event.key,
      type: e.event.type,
      at: e.event.at,
      received_at: e.receivedAt,
      source: e.source,
      status: e.status,
      data: JSON.stringify(e.event),
    });
    return rows[0] === undefined ? undefined : Number(rows[0].seq);
  }

  async eventsOf(db: Db, tenantId: string, callId: string): Promise<StoredEvent[]> {
    const rows = (await callHistoryQuery(db, callId).execute()).filter((r) => r.tenant_id === tenantId);
    return rows.map((r) => ({
      seq: Number(r.seq),
      callId: r.call_id,
      type: r.type,
      at: r.at,
      receivedAt: r.received_at,
      source: r.source,
      status: r.status,
      event: JSON.parse(r.data) as CallEvent,
    }));
  }

  async get(tenantId: string, id: string): Promise<Call | undefined> {
    const row = await this.#db.selectFrom('calls').select('data').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && (JSON.parse(row.data) as Call);
  }

  async getMany(tenantId: string, ids: string[]): Promise<Call[]> {
    if (ids.length === 0) return [];
    const rows = await this.#db.selectFrom('calls').select('data').where('tenant_id', '=', tenantId).where('id', 'in', ids).execute();
    return rows.map((r) => JSON.parse(r.data) as Call);
  }

  /** Newest first, paged by (startedAt, id). */
  async list(f: CallFilter): Promise<Call[]> {
    let q = this.#db.selectFrom('calls').select(['calls.data']).where('calls.tenant_id', '=', f.tenantId);
    if (f.from) q = q.where('calls.started_at', '>=', f.from);
    if (f.to) q = q.where('calls.started_at', '<', f.to);
    if (f.direction) q = q.where('calls.direction', '=', f.direction);
    if (f.outcome) q = q.where('calls.outcome', '=', f.outcome);
    if (f.state) q = q.where('calls.state', '=', f.state);
    if (f.queue) q = q.where('calls.queue', '=', f.queue);
    if (f.number) {
      const n = f.number;
      q = q.where((eb) => eb.or([eb('calls.from_e164', '=', n), eb('calls.to_e164', '=', n), eb('calls.from_raw', '=', n), eb('calls.to_raw', '=', n)]));
    }
    if (f.extension) {
      const ext = f.extension;
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('call_extensions as ce')
            .select('ce.call_id')
            .whereRef('ce.call_id', '=', 'calls.id')
            .where('ce.tenant_id', '=', f.tenantId)
            .where('ce.extension', '=', ext),
        ),
      );
    }
    if (f.after) {
      const a = f.after;
      q = q.where((eb) =>
        eb.or([eb('calls.started_at', '<', a.startedAt), eb.and([eb('calls.started_at', '=', a.startedAt), eb('calls.id', '<', a.id)])]),
      );
    }
    const rows = await q.orderBy('calls.started_at', 'desc').orderBy('calls.id', 'desc').limit(f.limit).execute();
    return rows.map((r) => JSON.parse(r.data) as Call);
  }

  /** Changes after `seq` for a stream resume: the latest applied event per call, in order. */
  async changesSince(tenantId: string, seq: number, limit: number): Promise<Array<{ seq: number; callId: string; type: string }>> {
    const rows = await changesSinceQuery(this.#db, tenantId, seq, limit).execute();
    return rows.map((r) => ({ seq: Number(r.seq), callId: r.call_id, type: r.type }));
  }

  /** Calls ringing or answered, over every tenant (the metrics gauge). */
  async countActive(): Promise<number> {
    const row = await countActiveQuery(this.#db).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

/**
 * A call's stored events in order, read for a refold (an event older than the call's last). Only
 * the call id is in the WHERE clause, so SQLite (which keeps no statistics) can only take
 * `call_events_call`; with the tenant there as well it took `call_events_tenant_seq` and read every
 * event of the tenant. The tenant is checked on the rows instead (checked by a test).
 */
export function callHistoryQuery(db: Db, callId: string) {
  return db.selectFrom('call_events').selectAll().where('call_id', '=', callId).orderBy('seq');
}

/** The stream resume's read: after `seq`, in order, through `call_events_tenant_seq` (checked by a test). */
export function changesSinceQuery(db: Db, tenantId: string, seq: number, limit: number) {
  return db
    .selectFrom('call_events')
    .select(['seq', 'call_id', 'type'])
    .where('tenant_id', '=', tenantId)
    .where('seq', '>', seq)
    .where('status', '=', 'applied')
    .orderBy('seq')
    .limit(limit);
}

function toRow(call: Call): CallTable {
  return {
    id: call.id,
    tenant_id: call.tenantId,
    pbx_call_id: call.pbxCallId,
    direction: call.direction,
    kind: call.kind,
    state: call.state,
    outcome: call.outcome,
    from_e164: call.from.e164,
    to_e164: call.to.e164,
    from_raw: call.from.raw,
    to_raw: call.to.raw,
    answered_by: call.answeredBy,
    queue: call.queue,
    started_at: call.startedAt,
    ended_at: call.endedAt,
    version: call.version,
    updated_at: call.updatedAt,
    data: JSON.stringify(call),
  };
}

/**
 * Per tenant and active state, so that it is a few short range reads of `calls_tenant_state` (tenant,
 * state) however long the journal grows; `state != 'ended'` over all tenants read the whole index on
 * every scrape.
 */
export function countActiveQuery(db: Kysely<Database>) {
  return db
    .selectFrom('calls')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', 'in', db.selectFrom('tenants').select('id'))
    .where('state', 'in', ACTIVE_STATES);
}

const ACTIVE_STATES = CALL_STATES.filter((s) => s !== 'ended');
