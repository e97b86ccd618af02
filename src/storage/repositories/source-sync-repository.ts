/**
 * Staging one sync run (and applying it: source-apply.ts). Records are staged in batches, each its own short write, so a
 * source of a million rows never sits in memory and never holds the database's write lock while it
 * downloads. Each batch is compared with what the source delivered last time (`source_records`), so
 * unchanged records stage only their id and hash. `apply` then changes contacts with set-based
 * statements in one transaction: all of the run's diff, or (on any failure) nothing.
 *
 * Correctness rests on the run's lease: while a run holds it, no other run writes this source's
 * `source_records`, so comparing batch by batch before the transaction sees what the apply will see.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import { uuidv7 } from '../../core/ids.ts';
import type { MappedRecord, SourceFields } from '../../core/sync/synced-contact.ts';
import type { Database, SourceStagingNumberTable, SourceStagingTable } from '../schema.ts';
import { contactSearchText } from './contacts-repository.ts';
import { applyRun, type ApplyInput } from './source-apply.ts';

export { LeaseLostError, type ApplyInput } from './source-apply.ts';

export type StageItem =
  /** `hash`: of the record as delivered (hashSource); `source` is mapped only when new or changed. */
  | { type: 'record'; recordId: string; line: number | null; source: SourceFields; hash: string }
  | { type: 'removed'; recordId: string; line: number | null };

export type StageResult = {
  added: number;
  changed: number;
  unchanged: number;
  removed: number;
  duplicates: Array<{ recordId: string; line: number | null }>;
  /** New or changed records that cannot become contacts (mapping refused them). */
  refused: Array<{ recordId: string; line: number | null; reason: string }>;
};

/** SQLite allows 32,766 bound values per statement; 12 columns × 1,000 rows stays well below. */
const ROWS_PER_INSERT = 1_000;

type StagingTable = 'source_staging' | 'source_staging_numbers';

const STAGING_COLUMNS: { [T in StagingTable]: ReadonlyArray<keyof Database[T]> } = {
  source_staging: ['run_id', 'record_id', 'source_id', 'status', 'hash', 'contact_id', 'kind', 'name', 'company', 'emails', 'notes', 'search_text'],
  source_staging_numbers: ['run_id', 'contact_id', 'position', 'raw', 'e164', 'type', 'switchboard'],
};

export class SourceSyncRepository {
  #db: Kysely<Database>;
  #compiled = new Map<string, string>();

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Removes what runs of this source left behind (a crash, a kill -9). */
  async clearStaging(sourceId: string): Promise<void> {
    const runs = this.#db.selectFrom('source_staging').select('run_id').where('source_id', '=', sourceId);
    await this.#db.deleteFrom('source_staging_numbers').where('run_id', 'in', runs).execute();
    await this.#db.deleteFrom('source_staging').where('source_id', '=', sourceId).execute();
  }

  /** Whether the source delivered anything before (stable during a run: the run holds the lease). */
  async hasRecords(sourceId: string): Promise<boolean> {
    return (await this.#db.selectFrom('source_records').select('record_id').where('source_id', '=', sourceId).limit(1).executeTakeFirst()) !== undefined;
  }

  async dropRun(runId: string): Promise<void> {
    await this.#db.deleteFrom('source_staging_numbers').where('run_id', '=', runId).execute();
    await this.#db.deleteFrom('source_staging').where('run_id', '=', runId).execute();
  }

  /**
   * Stages one batch. `seen` holds every record id of this run so far (ids only, never records): a
   * record id seen before is a duplicate, the earlier one stays. Records whose hash equals last
   * run's are unchanged and written nowhere; new and changed ones are mapped and staged in full.
   * `hasRecords` false (see `hasRecords`) skips comparing: everything is new.
   */
  async stage(sourceId: string, runId: string, items: StageItem[], seen: Set<string>, map: (source: SourceFields) => MappedRecord, hasRecords = true): Promise<StageResult> {
    const result: StageResult = { added: 0, changed: 0, unchanged: 0, removed: 0, duplicates: [], refused: [] };
    const fresh: StageItem[] = [];
    for (const item of items) {
      if (seen.has(item.recordId)) result.duplicates.push({ recordId: item.recordId, line: item.line });
      else {
        seen.add(item.recordId);
        fresh.push(item);
      }
    }
    if (fresh.length === 0) return result;
    const known = new Map<string, { contact_id: string; hash: string }>();
    // A source's first run has nothing to compare with: no lookups (a fifth of a first import's time).
    for (let i = 0; hasRecords && i < fresh.length; i += ROWS_PER_INSERT) {
      const ids = fresh.slice(i, i + ROWS_PER_INSERT).map((f) => f.recordId);
      const rows = await this.#db.selectFrom('source_records').select(['record_id', 'contact_id', 'hash']).where('source_id', '=', sourceId).where('record_id', 'in', ids).execute();
      for (const r of rows) known.set(r.record_id, r);
    }
    const rows: SourceStagingTable[] = [];
    const numbers: SourceStagingNumberTable[] = [];
    for (const item of fresh) {
      const was = known.get(item.recordId);
      if (item.type === 'removed') {
        if (was) rows.push(removedRow(runId, sourceId, item.recordId, was));
        continue;
      }
      if (was && was.hash === item.hash) {
        result.unchanged++;
        continue;
      }
      const mapped = map(item.source);
      if (!mapped.ok) {
        result.refused.push({ recordId: item.recordId, line: item.line, reason: mapped.reason });
        continue;
      }
      const f = mapped.fields;
      const contactId = was?.contact_id ?? uuidv7();
      rows.push({
        run_id: runId,
        record_id: item.recordId,
        source_id: sourceId,
        status: was ? 'changed' : 'added',
        hash: item.hash,
        contact_id: contactId,
        kind: f.kind,
        name: f.name,
        company: f.company,
        emails: JSON.stringify(f.emails),
        notes: f.notes,
        search_text: contactSearchText(f),
      });
      f.numbers.forEach((n, position) => numbers.push({ run_id: runId, contact_id: contactId, position, raw: n.raw, e164: n.e164, type: n.type, switchboard: n.switchboard ? 1 : 0 }));
    }
    for (const r of rows) result[r.status as 'added' | 'changed' | 'removed']++;
    await this.#insert('source_staging', rows);
    await this.#insert('source_staging_numbers', numbers);
    return result;
  }

  /**
   * For a full run, once the stream ended: stages as removed every record last run delivered and
   * this run did not (read page by page, compared with `seen`). Returns how many.
   */
  async stageMissing(sourceId: string, runId: string, seen: Set<string>): Promise<number> {
    let after = '';
    let missing = 0;
    for (;;) {
      const page = await this.#db.selectFrom('source_records').select(['record_id', 'contact_id', 'hash']).where('source_id', '=', sourceId).where('record_id', '>', after).orderBy('record_id').limit(5_000).execute();
      if (page.length === 0) return missing;
      const gone = page.filter((r) => !seen.has(r.record_id)).map((r) => removedRow(runId, sourceId, r.record_id, r));
      await this.#insert('source_staging', gone);
      missing += gone.length;
      after = page[page.length - 1].record_id;
    }
  }

  /**
   * Multi-row inserts with the SQL compiled once per table and row count: building Kysely's query
   * tree for 12,000 values costs more than SQLite takes to insert them.
   */
  async #insert<T extends StagingTable>(table: T, rows: Array<Database[T]>): Promise<void> {
    const columns = STAGING_COLUMNS[table] as ReadonlyArray<keyof Database[T]>;
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      const chunk = rows.slice(i, i + ROWS_PER_INSERT);
      const key = `${table}:${chunk.length}`;
      let text = this.#compiled.get(key);
      if (!text) {
        const template = Object.fromEntries(columns.map((c) => [c, null]));
        text = this.#db.insertInto(table).values(chunk.map(() => template) as never).compile().sql;
        if (this.#compiled.size > 50) this.#compiled.clear();
        this.#compiled.set(key, text);
      }
      const parameters: unknown[] = [];
      for (const row of chunk) for (const c of columns) parameters.push(row[c]);
      await this.#db.executeQuery(CompiledQuery.raw(text, parameters));
    }
  }

  /**
   * Applies the staged run in one transaction and records the success on the source (state, report,
   * next run, lease freed). Returns the number of removed contacts. Throws LeaseLostError, changing
   * nothing, when the run no longer holds the source's lease.
   */
  apply(input: ApplyInput): Promise<number> {
    return applyRun(this.#db, input);
  }
}

function removedRow(runId: string, sourceId: string, recordId: string, was: { contact_id: string; hash: string }): SourceStagingTable {
  return { run_id: runId, record_id: recordId, source_id: sourceId, status: 'removed', hash: was.hash, contact_id: was.contact_id, kind: null, name: null, company: null, emails: null, notes: null, search_text: null };
}
