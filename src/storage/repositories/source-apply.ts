/**
 * The last step of a sync run: the staged diff applied with set-based statements in one
 * transaction — removed contacts deleted, changed ones updated in place (same id), added ones
 * inserted, every one of them appended to the change feed — and the success recorded on the source.
 * Nothing here runs unless the run still holds the source's lease.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../schema.ts';
import { RELOAD_TENANT } from './contacts-repository.ts';

export type ApplyInput = {
  tenantId: string;
  sourceId: string;
  runId: string;
  state: string | null;
  now: string;
  nextRunAt: string | null;
  /**
   * How many rows of each status the run staged: statements with nothing to do are skipped (each
   * one still scans the staging table, and an UPDATE … FROM may scan every contact).
   */
  staged: { added: number; changed: number; removed: number };
  /** Builds the stored report once the number of removed records is known. */
  report(removed: number): object;
  /**
   * Attached scratch databases that hold more of the run's staged rows, beside the staging tables of
   * this connection (SourceSyncRepository.apply).
   */
  scratchSchemas: readonly string[];
};

/**
 * The staging tables of one place a run staged in: this connection's (no schema) or an attached
 * scratch database's. The names are typed as the unqualified tables: Kysely reads `schema.table`.
 */
type Place = { rows: 'source_staging as s'; numbers: 'source_staging_numbers as n' };
const place = (schema: string | null): Place =>
  (schema === null
    ? { rows: 'source_staging as s', numbers: 'source_staging_numbers as n' }
    : { rows: `${schema}.source_staging as s`, numbers: `${schema}.source_staging_numbers as n` }) as Place;
const places = (input: ApplyInput): Place[] => [place(null), ...input.scratchSchemas.map(place)];

/** Above this many changed contacts, the change feed gets one RELOAD_TENANT entry instead of one per contact. */
const FEED_PER_CONTACT_MAX = 20_000;

/** The lease was lost (the source was deleted, or another instance took over an expired lease). */
export class LeaseLostError extends Error {}

/**
 * Applies the staged run in one transaction and records the success on the source (state, report,
 * next run, lease freed). Returns the number of removed contacts. Throws LeaseLostError, changing
 * nothing, when the run no longer holds the source's lease.
 */
export function applyRun(db: Kysely<Database>, input: ApplyInput): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const { tenantId, sourceId, runId, now } = input;
    // Also locks the source row on PostgreSQL, so a concurrent delete waits for this transaction.
    const held = await trx.updateTable('sources').set({ progress: JSON.stringify({ applying: true }) }).where('id', '=', sourceId).where('run_id', '=', runId).executeTakeFirst();
    if (Number(held.numUpdatedRows) !== 1) throw new LeaseLostError('the run lost its lease');
    const tenant = sql<string>`cast(${tenantId} as text)`;
    const { added, changed } = input.staged;
    const perContact = added + changed + input.staged.removed <= FEED_PER_CONTACT_MAX;
    let removed = 0;
    for (const at of places(input)) {
      const staged = (status: string[]) => trx.selectFrom(at.rows).where('s.run_id', '=', runId).where('s.status', 'in', status);
      if (input.staged.removed > 0) removed += await removeGone(trx, input, at, tenant, perContact);
      if (changed > 0) await updateChanged(trx, input, at);
      if (added > 0) await insertAdded(trx, input, at, tenant);
      if (added + changed > 0) {
        await trx
          .insertInto('contact_numbers')
          .columns(['contact_id', 'position', 'tenant_id', 'raw', 'e164', 'type', 'switchboard'])
          .expression(trx.selectFrom(at.numbers).where('n.run_id', '=', runId).select(['n.contact_id', 'n.position', tenant.as('tenant_id'), 'n.raw', 'n.e164', 'n.type', 'n.switchboard']))
          .execute();
        if (perContact) await trx.insertInto('contact_changes').columns(['tenant_id', 'contact_id']).expression(staged(['added', 'changed']).select([tenant.as('tenant_id'), 's.contact_id'])).execute();
      }
    }
    if (!perContact) await trx.insertInto('contact_changes').values({ tenant_id: tenantId, contact_id: RELOAD_TENANT }).execute();

    await trx
      .updateTable('sources')
      .set({
        state: input.state,
        last_success_at: now,
        last_error: null,
        last_error_at: null,
        last_report: JSON.stringify(input.report(removed)),
        next_run_at: input.nextRunAt,
        lease_owner: null,
        lease_until: null,
        run_id: null,
        run_started_at: null,
        progress: null,
      })
      .where('id', '=', sourceId)
      .execute();
    return removed;
  });
}

/** Changed records: their contacts updated in place (same id), numbers dropped (re-inserted with the added ones), new hashes. */
async function updateChanged(trx: Transaction<Database>, input: ApplyInput, at: Place): Promise<void> {
  const { sourceId, runId, now } = input;
  const staged = (status: string[]) => trx.selectFrom(at.rows).where('s.run_id', '=', runId).where('s.status', 'in', status);
  await trx
    .updateTable('contacts')
    .from(at.rows)
    .set((eb) => ({
      kind: sql<string>`${eb.ref('s.kind')}`,
      name: sql<string>`${eb.ref('s.name')}`,
      company: eb.ref('s.company'),
      emails: sql<string>`${eb.ref('s.emails')}`,
      notes: eb.ref('s.notes'),
      search_text: sql<string>`${eb.ref('s.search_text')}`,
      updated_at: now,
    }))
    .whereRef('contacts.id', '=', 's.contact_id')
    .where('s.run_id', '=', runId)
    .where('s.status', '=', 'changed')
    .execute();
  await trx.deleteFrom('contact_numbers').where('contact_id', 'in', staged(['changed']).select('s.contact_id')).execute();
  await trx
    .updateTable('source_records')
    .from(at.rows)
    .set((eb) => ({ hash: eb.ref('s.hash') }))
    .where('source_records.source_id', '=', sourceId)
    .whereRef('source_records.record_id', '=', 's.record_id')
    .where('s.run_id', '=', runId)
    .where('s.status', '=', 'changed')
    .execute();
}

/** Added records: new contacts and their record rows (their numbers go in with the changed ones'). */
async function insertAdded(trx: Transaction<Database>, input: ApplyInput, at: Place, tenant: ReturnType<typeof sql<string>>): Promise<void> {
  const { runId, now } = input;
  const staged = (status: string[]) => trx.selectFrom(at.rows).where('s.run_id', '=', runId).where('s.status', 'in', status);
  await trx
    .insertInto('contacts')
    .columns(['id', 'tenant_id', 'owner_user_id', 'kind', 'name', 'company', 'emails', 'notes', 'origin', 'source_id', 'source_record_id', 'forwarding_target', 'search_text', 'created_at', 'updated_at'])
    .expression(
      staged(['added']).select([
        's.contact_id', tenant.as('tenant_id'), sql<null>`cast(null as text)`.as('owner_user_id'), 's.kind', 's.name', 's.company', 's.emails', 's.notes',
        sql<string>`cast(${'synced'} as text)`.as('origin'), 's.source_id', 's.record_id', sql<number>`0`.as('forwarding_target'), 's.search_text',
        sql<string>`cast(${now} as text)`.as('created_at'), sql<string>`cast(${now} as text)`.as('updated_at'),
      ]),
    )
    .execute();
  await trx.insertInto('source_records').columns(['source_id', 'record_id', 'contact_id', 'hash']).expression(staged(['added']).select(['s.source_id', 's.record_id', 's.contact_id', 's.hash'])).execute();
}

/** Deletes the contacts of the records staged as removed (gone from a full run, or removed by an incremental one). */
async function removeGone(trx: Transaction<Database>, input: ApplyInput, at: Place, tenant: ReturnType<typeof sql<string>>, perContact: boolean): Promise<number> {
  const { sourceId, runId, tenantId } = input;
  const gone = trx.selectFrom(at.rows).where('s.run_id', '=', runId).where('s.status', '=', 'removed');
  if (perContact) await trx.insertInto('contact_changes').columns(['tenant_id', 'contact_id']).expression(gone.select([tenant.as('tenant_id'), 's.contact_id'])).execute();
  const deleted = await trx.deleteFrom('contacts').where('tenant_id', '=', tenantId).where('origin', '=', 'synced').where('id', 'in', gone.select('s.contact_id')).executeTakeFirst();
  await trx.deleteFrom('source_records').where('source_id', '=', sourceId).where('record_id', 'in', gone.select('s.record_id')).execute();
  return Number(deleted.numDeletedRows);
}
