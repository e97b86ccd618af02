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
  /**
   * Where the database runs in this process (SQLite) its statements hold the event loop: they run
   * over slices of the staged rows, and the loop runs in between (a million-row import held it for
   * seconds per statement). Unset: each statement at once.
   */
  slices?: ApplySlices;
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

/** A slice of a staging table by rowid (`lo` < rowid ≤ `hi`); null: all of it. */
type Range = { lo: number; hi: number } | null;

/**
 * How an in-process database's apply slices its statements: `rows` staged rows per slice to begin
 * with; with `targetMs`, each next slice sized so that it takes about that long (an insert costs a
 * few microseconds per row, an update of a scattered contact a hundred), else always `rows`.
 */
export type ApplySlices = { rows: number; targetMs?: number };

/**
 * The slices of `table` (a staging table, by rowid: SQLite's are rowid tables) to run the
 * statements in, one after another: the caller does a slice's work before asking for the next, and
 * the event loop runs in between. Without `slicing`, the whole table at once.
 */
async function* slices(trx: Transaction<Database>, table: string, slicing: ApplySlices | undefined): AsyncGenerator<Range> {
  if (!slicing) {
    yield null;
    return;
  }
  const { rows } = await sql<{ lo: number | null; hi: number | null }>`select min(rowid) as lo, max(rowid) as hi from ${sql.table(table.replace(/ as \w+$/, ''))}`.execute(trx);
  const { lo, hi } = rows[0] ?? {};
  if (lo == null || hi == null) return;
  let size = slicing.rows;
  for (let from = lo - 1; from < hi; ) {
    const to = Math.min(from + size, hi);
    const started = performance.now();
    yield { lo: from, hi: to };
    const took = performance.now() - started;
    await breathe();
    if (slicing.targetMs) size = Math.max(100, Math.min(200_000, Math.round(size * Math.min(4, slicing.targetMs / Math.max(took, 0.1)))));
    from = to;
  }
}

/** Rows of `alias` (a staging table) in `range`. */
function within<QB extends { where: (...args: any[]) => QB }>(qb: QB, alias: 's' | 'n', range: Range): QB {
  return range ? qb.where(sql.ref(`${alias}.rowid`), '>', range.lo).where(sql.ref(`${alias}.rowid`), '<=', range.hi) : qb;
}

/** Lets the event loop run between two slices: what needs no database goes on meanwhile. */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

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
      // The records first (a changed contact's old numbers go before any new number goes in), then the numbers.
      for await (const range of slices(trx, at.rows, input.slices)) {
        const part = { trx, input, at, range, tenant };
        if (input.staged.removed > 0) removed += await removeGone(part, perContact);
        if (changed > 0) await updateChanged(part);
        if (added > 0) await insertAdded(part);
        if (added + changed > 0 && perContact) await trx.insertInto('contact_changes').columns(['tenant_id', 'contact_id']).expression(staged(part, ['added', 'changed']).select([tenant.as('tenant_id'), 's.contact_id'])).execute();
      }
      if (added + changed === 0) continue;
      for await (const range of slices(trx, at.numbers, input.slices)) {
        await trx
          .insertInto('contact_numbers')
          .columns(['contact_id', 'position', 'tenant_id', 'raw', 'e164', 'type', 'switchboard'])
          .expression(within(trx.selectFrom(at.numbers).where('n.run_id', '=', runId), 'n', range).select(['n.contact_id', 'n.position', tenant.as('tenant_id'), 'n.raw', 'n.e164', 'n.type', 'n.switchboard']))
          .execute();
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

/** One slice of one place's staged rows, in the apply's transaction. */
type Part = { trx: Transaction<Database>; input: ApplyInput; at: Place; range: Range; tenant: ReturnType<typeof sql<string>> };

/** The part's staged rows of these statuses. */
function staged({ trx, input, at, range }: Part, status: string[]) {
  return within(trx.selectFrom(at.rows).where('s.run_id', '=', input.runId).where('s.status', 'in', status), 's', range);
}

/** Changed records: their contacts updated in place (same id), numbers dropped (re-inserted with the added ones), new hashes. */
async function updateChanged(part: Part): Promise<void> {
  const { trx, input, at, range } = part;
  const { sourceId, runId, now } = input;
  // An UPDATE … FROM the part's staged rows, those of changed records.
  const fromChanged = <QB extends { where: (...args: any[]) => QB }>(qb: QB) => within(qb.where('s.run_id', '=', runId).where('s.status', '=', 'changed'), 's', range);
  await fromChanged(
    trx
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
      .whereRef('contacts.id', '=', 's.contact_id'),
  ).execute();
  await trx.deleteFrom('contact_numbers').where('contact_id', 'in', staged(part, ['changed']).select('s.contact_id')).execute();
  await fromChanged(
    trx
      .updateTable('source_records')
      .from(at.rows)
      .set((eb) => ({ hash: eb.ref('s.hash') }))
      .where('source_records.source_id', '=', sourceId)
      .whereRef('source_records.record_id', '=', 's.record_id'),
  ).execute();
}

/** Added records: new contacts and their record rows (their numbers go in with the changed ones'). */
async function insertAdded(part: Part): Promise<void> {
  const { trx, input, tenant } = part;
  const { now } = input;
  await trx
    .insertInto('contacts')
    .columns(['id', 'tenant_id', 'owner_user_id', 'kind', 'name', 'company', 'emails', 'notes', 'origin', 'source_id', 'source_record_id', 'forwarding_target', 'search_text', 'created_at', 'updated_at'])
    .expression(
      staged(part, ['added']).select([
        's.contact_id', tenant.as('tenant_id'), sql<null>`cast(null as text)`.as('owner_user_id'), 's.kind', 's.name', 's.company', 's.emails', 's.notes',
        sql<string>`cast(${'synced'} as text)`.as('origin'), 's.source_id', 's.record_id', sql<number>`0`.as('forwarding_target'), 's.search_text',
        sql<string>`cast(${now} as text)`.as('created_at'), sql<string>`cast(${now} as text)`.as('updated_at'),
      ]),
    )
    .execute();
  await trx.insertInto('source_records').columns(['source_id', 'record_id', 'contact_id', 'hash']).expression(staged(part, ['added']).select(['s.source_id', 's.record_id', 's.contact_id', 's.hash'])).execute();
}

/** Deletes the contacts of the records staged as removed (gone from a full run, or removed by an incremental one). */
async function removeGone(part: Part, perContact: boolean): Promise<number> {
  const { trx, input, tenant } = part;
  const { sourceId, tenantId } = input;
  const gone = staged(part, ['removed']);
  if (perContact) await trx.insertInto('contact_changes').columns(['tenant_id', 'contact_id']).expression(gone.select([tenant.as('tenant_id'), 's.contact_id'])).execute();
  const deleted = await trx.deleteFrom('contacts').where('tenant_id', '=', tenantId).where('origin', '=', 'synced').where('id', 'in', gone.select('s.contact_id')).executeTakeFirst();
  await trx.deleteFrom('source_records').where('source_id', '=', sourceId).where('record_id', 'in', gone.select('s.record_id')).execute();
  return Number(deleted.numDeletedRows);
}
