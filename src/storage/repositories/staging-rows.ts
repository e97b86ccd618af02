/**
 * The staging rows of one sorted batch, built the same way wherever they are written: by the
 * repository on the store's connection, or by a record mapper thread into its scratch database
 * (sync/record-mapper-worker.ts). No I/O.
 */
import { uuidv7 } from '../../core/ids.ts';
import type { PreparedRecord } from '../../core/sync/synced-contact.ts';
import type { Database, SourceStagingNumberTable, SourceStagingTable } from '../schema.ts';

export type StagingTable = 'source_staging' | 'source_staging_numbers';

export const STAGING_COLUMNS: { [T in StagingTable]: ReadonlyArray<keyof Database[T]> } = {
  source_staging: ['run_id', 'record_id', 'source_id', 'status', 'hash', 'contact_id', 'kind', 'name', 'company', 'emails', 'notes', 'search_text'],
  source_staging_numbers: ['run_id', 'contact_id', 'position', 'raw', 'e164', 'type', 'switchboard'],
};

/** The staging columns with their SQL types, for `insertColumns` (the integers are the numbers' position and switchboard flag). */
const typed = (columns: ReadonlyArray<string>) => columns.map((name) => ({ name, type: name === 'position' || name === 'switchboard' ? ('integer' as const) : ('text' as const) }));
export const TYPED_COLUMNS: Record<StagingTable, ReadonlyArray<{ name: string; type: 'text' | 'integer' }>> = {
  source_staging: typed(STAGING_COLUMNS.source_staging),
  source_staging_numbers: typed(STAGING_COLUMNS.source_staging_numbers),
};

/** A new or changed record to stage: `was` is what last run delivered under its id (a changed record keeps that contact). */
export type StagingRecord = { recordId: string; line: number | null; hash: string; was?: { contactId: string; hash: string } };

/** A known record leaving the phonebook (an incremental run removed it). */
export type StagingRemoval = { recordId: string; contactId: string; hash: string };

export type StageResult = {
  added: number;
  changed: number;
  removed: number;
  /** New or changed records that cannot become contacts (unreadable, or mapping refused them). */
  refused: Array<{ recordId: string; line: number | null; reason: string }>;
};

export type StagingRows = { rows: SourceStagingTable[]; numbers: SourceStagingNumberTable[]; result: StageResult };

/** `prepared` holds one entry per record, in order. A new record's contact gets its id here. */
export function stagingRows(runId: string, sourceId: string, records: readonly StagingRecord[], prepared: readonly PreparedRecord[], removals: readonly StagingRemoval[]): StagingRows {
  const result: StageResult = { added: 0, changed: 0, removed: 0, refused: [] };
  const rows: SourceStagingTable[] = [];
  const numbers: SourceStagingNumberTable[] = [];
  for (const r of removals) rows.push(removedRow(runId, sourceId, r.recordId, r.contactId, r.hash));
  records.forEach((item, i) => {
    const p = prepared[i];
    if (!p.ok) {
      result.refused.push({ recordId: item.recordId, line: item.line, reason: p.reason });
      // What the source delivered last time cannot be a contact any more: it goes, as a record
      // missing from the source would.
      if (item.was) rows.push(removedRow(runId, sourceId, item.recordId, item.was.contactId, item.was.hash));
      return;
    }
    const contactId = item.was?.contactId ?? uuidv7();
    rows.push({
      run_id: runId, record_id: item.recordId, source_id: sourceId, status: item.was ? 'changed' : 'added', hash: item.hash, contact_id: contactId,
      kind: p.kind, name: p.name, company: p.company, emails: p.emails, notes: p.notes, search_text: p.searchText,
    });
    p.numbers.forEach((n, position) => numbers.push({ run_id: runId, contact_id: contactId, position, raw: n.raw, e164: n.e164, type: n.type, switchboard: n.switchboard ? 1 : 0 }));
  });
  for (const r of rows) result[r.status as 'added' | 'changed' | 'removed']++;
  return { rows, numbers, result };
}

export function removedRow(runId: string, sourceId: string, recordId: string, contactId: string, hash: string): SourceStagingTable {
  return { run_id: runId, record_id: recordId, source_id: sourceId, status: 'removed', hash, contact_id: contactId, kind: null, name: null, company: null, emails: null, notes: null, search_text: null };
}
