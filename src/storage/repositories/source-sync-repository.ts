/**
 * Staging one sync run (and applying it: source-apply.ts). Records are staged in batches, each its own short write, so a
 * source of a million rows never sits in memory and never holds the database's write lock while it
 * downloads. Each batch was sorted in memory (core sortBatch) against what the source delivered last
 * time (its `source_records` hashes, read once per run), so unchanged records are staged nowhere. `apply`
 * then changes contacts with set-based statements in one transaction: all of the run's diff, or
 * (on any failure) nothing.
 *
 * Correctness rests on the run's lease: while a run holds it, no other run writes this source's
 * `source_records`, so what the run read at its start is what the apply will see.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { HASH_KEY_CHARS, KnownRecords } from '../../core/sync/known-records.ts';
import type { SortedBatch } from '../../core/sync/sort-batch.ts';
import { HASH_CHARS, type PreparedRecord } from '../../core/sync/synced-contact.ts';
import type { StorageDialect } from '../dialect.ts';
import type { Database } from '../schema.ts';
import { applyRun, type ApplyInput, type ApplySlices } from './source-apply.ts';
import { STAGING_COLUMNS, stagingRows, TYPED_COLUMNS, type StageResult, type StagingRecord, type StagingRemoval, type StagingTable } from './staging-rows.ts';

export { LeaseLostError, type ApplyInput, type ApplySlices } from './source-apply.ts';
export type { StageResult, StagingRecord, StagingRemoval } from './staging-rows.ts';

/** Rows per page when reading all of a source's records. */
const PAGE = 20_000;

/** Record ids per lookup query. */
const ROWS_PER_INSERT = 1_000;

/** Bound values SQLite allows per statement (PostgreSQL allows 65,535): the inserts fill them. */
const MAX_PARAMETERS = 32_766;

/**
 * Where the dialect has connection scratch (SQLite: one connection per store), the staging tables
 * become temporary tables of the same names, shadowing the persistent ones: a run's million staged
 * rows then never pass through the write-ahead log, their batches commit nothing durable, and a crash
 * leaves no staging behind. Called once when the store opens, after the migrations.
 */
export async function useScratchStaging(db: Kysely<Database>): Promise<void> {
  for (const table of Object.keys(STAGING_COLUMNS)) {
    // Same columns and declared types as the migration's table, no constraints, no rows.
    await db.executeQuery(CompiledQuery.raw(`create temp table if not exists "${table}" as select * from main."${table}" where 0`));
  }
}

/**
 * How an in-process database's apply slices its statements (ApplyInput.slices): 2,000 staged rows
 * first, then slices of about 50 ms each; a million-row import's single statements held the event
 * loop for seconds.
 */
const APPLY_SLICES: ApplySlices = { rows: 2_000, targetMs: 50 };

/** A run that staged at least this many added, changed or removed records refreshes the planner's statistics after applying. */
const ANALYZE_AFTER = 10_000;

export class SourceSyncRepository {
  #db: Kysely<Database>;
  #analyze: StorageDialect['analyze'];
  #insertColumns: StorageDialect['insertColumns'];
  #compiled = new Map<string, string>();
  #scratch: boolean;
  #scratchDatabases: StorageDialect['scratchDatabases'];
  #applySlices: ApplySlices | undefined;
  /**
   * Between two pages of a long read: an in-process database's statements run on this thread, and
   * chained statements never let the event loop run (each resolves at once, as a microtask).
   */
  #breathe: () => Promise<void>;

  /**
   * Records per staged batch. An in-process database (SQLite): the batches share the heap with
   * everything else, and 2,000 records at a time (with the pipeline's batches in flight) kept more
   * alive than the server's 8 MB young generation holds, so every minor GC copied them (1M-row
   * import: 43 s at 2,000, 34 s at 500). A networked database pays a round trip per statement
   * instead (PostgreSQL: 62 s at 2,000, 72 s at 500).
   */
  readonly batchSize: number;

  /** `applySlices`: how an in-process database's apply slices its statements (null: not at all). */
  constructor(dialect: Pick<StorageDialect, 'db' | 'analyze' | 'insertColumns' | 'capabilities' | 'scratchDatabases'>, options: { applySlices?: ApplySlices | null } = {}) {
    this.#scratchDatabases = dialect.scratchDatabases;
    // A networked database's statements hold no thread of this process.
    this.#breathe = dialect.capabilities.inProcess ? () => new Promise((resolve) => setImmediate(resolve)) : async () => {};
    this.#applySlices = dialect.capabilities.inProcess && options.applySlices !== null ? (options.applySlices ?? APPLY_SLICES) : undefined;
    this.batchSize = dialect.capabilities.inProcess ? 500 : 2_000;
    this.#scratch = dialect.capabilities.connectionScratch;
    this.#db = dialect.db;
    this.#analyze = dialect.analyze;
    this.#insertColumns = dialect.insertColumns;
  }

  /** Removes what runs of this source left behind (a crash, a kill -9), their scratch databases too. */
  async clearStaging(sourceId: string): Promise<void> {
    const dir = this.#scratchDatabases?.dir;
    if (dir) for (const name of readdirOrNone(dir)) if (name.startsWith(`${sourceId}.`)) rmSync(join(dir, name), { force: true });
    const runs = this.#db.selectFrom('source_staging').select('run_id').where('source_id', '=', sourceId);
    await this.#db.deleteFrom('source_staging_numbers').where('run_id', 'in', runs).execute();
    await this.#db.deleteFrom('source_staging').where('source_id', '=', sourceId).execute();
  }

  /**
   * What the source delivered last time, as a set of hashes (core KnownRecords), read in pages of
   * hashes alone: no record id string is made for a record that stays unchanged. Null when the
   * hashes cannot form such a set (two share a key: hashes stored before they included the record
   * id); the run then reads `knownHashes`. Stable during a run: the run holds the lease.
   */
  async knownRecords(sourceId: string): Promise<KnownRecords | null> {
    const known = new KnownRecords();
    const inSource = this.#db.selectFrom('source_records').where('source_id', '=', sourceId).orderBy('record_id');
    let after: string | undefined;
    for (;;) {
      const from = after === undefined ? inSource : inSource.where('record_id', '>', after);
      // A page's hashes as one string (string_agg: SQLite 3.44+, PostgreSQL), not a row object each.
      const page = await this.#db
        .selectFrom(from.select('hash').limit(PAGE).as('page'))
        .select([sql<string | null>`string_agg(page.hash, '')`.as('hashes'), (eb) => eb.fn.countAll<number | string>().as('rows')])
        .executeTakeFirstOrThrow();
      const rows = Number(page.rows);
      if (rows > 0 && !known.addPacked(page.hashes ?? '', HASH_CHARS)) return null;
      if (rows < PAGE) return known;
      await this.#breathe();
      // The page's last record id, found by the index rather than read with every row of the page.
      after = (await from.select('record_id').offset(PAGE - 1).limit(1).executeTakeFirstOrThrow()).record_id;
    }
  }

  /**
   * Last run's hash and contact id of each of these record ids that it delivered (the few a
   * re-sync does not find unchanged); `stage` takes the contact ids instead of looking them up again.
   */
  async lastRecords(sourceId: string, recordIds: readonly string[]): Promise<{ hashes: Map<string, string>; contactIds: Map<string, string> }> {
    const hashes = new Map<string, string>();
    const contactIds = new Map<string, string>();
    for (let i = 0; i < recordIds.length; i += ROWS_PER_INSERT) {
      const rows = await this.#db.selectFrom('source_records').select(['record_id', 'hash', 'contact_id']).where('source_id', '=', sourceId).where('record_id', 'in', recordIds.slice(i, i + ROWS_PER_INSERT)).execute();
      for (const r of rows) {
        hashes.set(r.record_id, r.hash);
        contactIds.set(r.record_id, r.contact_id);
      }
    }
    return { hashes, contactIds };
  }

  /**
   * The known records this run did not deliver, record id → last hash. A few are found by their
   * hashes' keys (one pass over the source's rows per thousand, no strings made for the others);
   * many by reading every record id and hash once.
   */
  async missingRecords(sourceId: string, known: KnownRecords): Promise<Map<string, string>> {
    const missing = new Map<string, string>();
    const keys = known.unseenKeys();
    const inSource = this.#db.selectFrom('source_records').select(['record_id', 'hash']).where('source_id', '=', sourceId);
    if (keys.length <= 4 * ROWS_PER_INSERT) {
      for (let i = 0; i < keys.length; i += ROWS_PER_INSERT) {
        const rows = await inSource.where(sql<string>`substr(hash, 1, ${HASH_KEY_CHARS})`, 'in', keys.slice(i, i + ROWS_PER_INSERT)).execute();
        for (const r of rows) if (known.isUnseen(r.hash)) missing.set(r.record_id, r.hash);
      }
      return missing;
    }
    for (const [id, hash] of await this.knownHashes(sourceId)) if (known.isUnseen(hash)) missing.set(id, hash);
    return missing;
  }

  /**
   * What the source delivered last time, record id → content hash, read once per run in pages (a
   * million short strings: about 100 MB): where `knownRecords` cannot be used, and for the missing
   * records of a run that lost many.
   */
  async knownHashes(sourceId: string): Promise<Map<string, string>> {
    const known = new Map<string, string>();
    let after = '';
    for (;;) {
      const page = await this.#db.selectFrom('source_records').select(['record_id', 'hash']).where('source_id', '=', sourceId).where('record_id', '>', after).orderBy('record_id').limit(PAGE).execute();
      for (const r of page) known.set(r.record_id, r.hash);
      if (page.length < PAGE) return known;
      await this.#breathe();
      after = page[page.length - 1].record_id;
    }
  }

  /** The contact ids of known records (changed or removed ones: a few per run). */
  async #contactIds(sourceId: string, recordIds: string[]): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (let i = 0; i < recordIds.length; i += ROWS_PER_INSERT) {
      const rows = await this.#db.selectFrom('source_records').select(['record_id', 'contact_id']).where('source_id', '=', sourceId).where('record_id', 'in', recordIds.slice(i, i + ROWS_PER_INSERT)).execute();
      for (const r of rows) ids.set(r.record_id, r.contact_id);
    }
    return ids;
  }

  /**
   * Where the dialect has scratch databases: the path a run's record mapper threads name their
   * scratch files after (`<base>.<thread>.db`, sync/record-mapper.ts); null otherwise. The files are
   * the run's until `dropRun` deletes them; `clearStaging` deletes what a crash left.
   */
  scratchBase(sourceId: string, runId: string): string | null {
    const dir = this.#scratchDatabases?.dir;
    if (!dir) return null;
    mkdirSync(dir, { recursive: true });
    return join(dir, `${sourceId}.${runId}`);
  }

  /**
   * Removes a run's staging rows. With connection scratch (SQLite's temporary staging tables, only
   * this process's runs write them), a table that holds this run's rows alone is emptied whole,
   * which SQLite does without visiting each row (a 1M-row import: 2 s → 0.1 s); the check and the
   * delete share a transaction, so another run's batch cannot slip in between.
   */
  async dropRun(runId: string, scratchFiles: readonly string[] = []): Promise<void> {
    // Deleting a file of hundreds of MB takes a while: on the thread pool, not this thread.
    await Promise.all(scratchFiles.map((file) => rm(file, { force: true })));
    await this.#db.transaction().execute(async (trx) => {
      for (const table of ['source_staging_numbers', 'source_staging'] as const) {
        const alone = this.#scratch && !(await trx.selectFrom(table).select('run_id').where('run_id', '!=', runId).limit(1).executeTakeFirst());
        await (alone ? trx.deleteFrom(table) : trx.deleteFrom(table).where('run_id', '=', runId)).execute();
      }
    });
  }

  /**
   * What staging one sorted batch (core sortBatch) needs besides its prepared records: each new or
   * changed record with what last run delivered under its id, and the removals. A changed record
   * keeps its contact's id: from `lastContacts` (record id → contact id, `lastRecords`) when the
   * caller has them, else looked up.
   */
  async stagingInput(sourceId: string, batch: SortedBatch, lastContacts?: ReadonlyMap<string, string>): Promise<{ records: StagingRecord[]; removals: StagingRemoval[] }> {
    const contactIds = lastContacts ?? (batch.was.size ? await this.#contactIds(sourceId, [...batch.was.keys()]) : new Map<string, string>());
    const was = (recordId: string) => {
      const contactId = contactIds.get(recordId);
      return contactId === undefined ? undefined : { contactId, hash: batch.was.get(recordId)! };
    };
    const removals: StagingRemoval[] = [];
    for (const item of batch.removed) {
      const w = was(item.recordId);
      if (w) removals.push({ recordId: item.recordId, ...w });
    }
    return { records: batch.records.map((r) => ({ recordId: r.recordId, line: r.line, hash: r.hash, was: was(r.recordId) })), removals };
  }

  /**
   * Stages new and changed records as `prepared` (one per record, in order) and removals on this
   * store's connection, in one transaction.
   */
  async stage(sourceId: string, runId: string, records: readonly StagingRecord[], prepared: readonly PreparedRecord[], removals: readonly StagingRemoval[]): Promise<StageResult> {
    const { rows, numbers, result } = stagingRows(runId, sourceId, records, prepared, removals);
    if (rows.length === 0) return result;
    // One transaction per batch: one commit instead of one per statement.
    await this.#db.transaction().execute(async (trx) => {
      await this.#insert('source_staging', rows, trx);
      await this.#insert('source_staging_numbers', numbers, trx);
    });
    return result;
  }

  /**
   * For a full run, once the stream ended: stages as removed the records last run delivered and
   * this run did not (record id → last hash). Returns how many.
   */
  async stageMissing(sourceId: string, runId: string, missing: ReadonlyMap<string, string>): Promise<number> {
    const contactIds = await this.#contactIds(sourceId, [...missing.keys()]);
    const removals = [...missing].filter(([id]) => contactIds.has(id)).map(([recordId, hash]) => ({ recordId, contactId: contactIds.get(recordId)!, hash }));
    await this.stage(sourceId, runId, [], [], removals);
    return missing.size;
  }

  /**
   * Where the dialect inserts column arrays (PostgreSQL), one statement per call. Otherwise
   * multi-row inserts with the SQL compiled once per table and row count: building Kysely's query
   * tree for 12,000 values costs more than SQLite takes to insert them. Chunks hold as many rows as
   * the parameter limit allows; the rest of a batch goes in power-of-two chunks, so a run compiles
   * (and the SQLite connection prepares) a dozen statements per table, not one per batch length.
   */
  async #insert<T extends StagingTable>(table: T, rows: Array<Database[T]>, db: Kysely<Database> = this.#db): Promise<void> {
    const columns = STAGING_COLUMNS[table] as ReadonlyArray<keyof Database[T]>;
    if (this.#insertColumns) {
      if (rows.length === 0) return;
      const values = columns.map((c) => rows.map((r) => r[c]));
      await this.#insertColumns(db, table, TYPED_COLUMNS[table], values);
      return;
    }
    const most = Math.floor(MAX_PARAMETERS / columns.length);
    for (let i = 0; i < rows.length; ) {
      const left = rows.length - i;
      const size = left >= most ? most : 2 ** Math.floor(Math.log2(left));
      const key = `${table}:${size}`;
      let text = this.#compiled.get(key);
      if (!text) {
        const template = Object.fromEntries(columns.map((c) => [c, null]));
        text = this.#db.insertInto(table).values(new Array(size).fill(template) as never).compile().sql;
        if (this.#compiled.size > 100) this.#compiled.clear();
        this.#compiled.set(key, text);
      }
      // Sized at once, and no slice of the rows: pushed one by one, the parameters left their
      // array's growth copies behind (a 300,000-row import, sampling heap profile: 525 → 359 MB
      // allocated in this method).
      const parameters = new Array<unknown>(size * columns.length);
      let k = 0;
      for (const end = i + size; i < end; i++) for (const c of columns) parameters[k++] = rows[i][c];
      await db.executeQuery(CompiledQuery.raw(text, parameters));
    }
  }

  /**
   * Applies the staged run in one transaction and records the success on the source (state, report,
   * next run, lease freed), the rows staged on this store's connection and those in `scratchFiles`
   * (scratch databases the run's mapper threads wrote, `scratchBase`). Returns the number of removed
   * contacts. Throws LeaseLostError, changing nothing, when the run no longer holds the source's lease.
   */
  async apply(input: Omit<ApplyInput, 'scratchSchemas'>, scratchFiles: readonly string[] = []): Promise<number> {
    const scratch = this.#scratchDatabases;
    if (scratchFiles.length && !scratch) throw new Error('this store has no scratch databases');
    const schemas: string[] = [];
    let removed: number;
    try {
      for (const [i, file] of scratchFiles.entries()) {
        // Unique per run: another run's apply may attach its own between these statements.
        const name = `scratch_${input.runId.replace(/\W/g, '')}_${i}`;
        await scratch!.attach(name, file);
        schemas.push(name);
      }
      removed = await applyRun(this.#db, { ...input, scratchSchemas: schemas, slices: this.#applySlices });
    } finally {
      for (const name of schemas) await scratch!.detach(name);
    }
    const { added, changed } = input.staged;
    // After the commit; a failure here changes nothing the run did.
    if (this.#analyze && added + changed + input.staged.removed >= ANALYZE_AFTER) await this.#analyze(['contacts', 'contact_numbers', 'source_records']).catch(() => {});
    return removed;
  }
}

/** The names in a directory, none when it does not exist. */
function readdirOrNone(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
