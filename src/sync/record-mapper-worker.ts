/**
 * A record mapper thread (record-mapper.ts): prepares batches of source records (phone number
 * parsing, search text) off the thread that parses the source and writes the database, and where
 * asked, stages them into a scratch database of its own (a SQLite file the run's apply attaches).
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { parentPort } from 'node:worker_threads';
import type { NumberingSettings } from '../core/phone-numbers/phone-number.ts';
import { prepareRecord, type PreparedRecord, type SourceFields } from '../core/sync/synced-contact.ts';
import { stagingRows, TYPED_COLUMNS, type StageResult, type StagingRecord, type StagingTable } from '../storage/repositories/staging-rows.ts';

/** A batch to prepare and stage: `sources[i]` is the record `records[i]` (or why it could not be read). */
export type StageJob = { runId: string; sourceId: string; numbering: NumberingSettings; records: StagingRecord[]; sources: Array<SourceFields | { skipped: string }> };

export type MapRequest =
  | { id: number; numbering: NumberingSettings; sources: Array<SourceFields | { skipped: string }>; stage?: { file: string; runId: string; sourceId: string; records: StagingRecord[] } }
  | { id: number; finish: string };
export type MapResponse = { id: number; results: PreparedRecord[] } | { id: number; staged: StageResult } | { id: number; finished: true } | { id: number; error: string };

type Scratch = { db: DatabaseSync; insert: Record<StagingTable, StatementSync> };

/** Open scratch databases by file: a run's, until it finishes. */
const scratches = new Map<string, Scratch>();

/**
 * A scratch database: nothing in it must survive a crash (the run fails and the file is deleted),
 * so no journal and no syncs. The tables have the staging tables' columns, no constraints.
 */
function openScratch(file: string): Scratch {
  const db = new DatabaseSync(file);
  db.exec('pragma journal_mode = off');
  db.exec('pragma synchronous = off');
  const insert = {} as Record<StagingTable, StatementSync>;
  for (const [table, columns] of Object.entries(TYPED_COLUMNS) as Array<[StagingTable, (typeof TYPED_COLUMNS)[StagingTable]]>) {
    db.exec(`create table if not exists "${table}" (${columns.map((c) => `"${c.name}" ${c.type}`).join(', ')})`);
    insert[table] = db.prepare(`insert into "${table}" (${columns.map((c) => `"${c.name}"`).join(', ')}) values (${columns.map(() => '?').join(', ')})`);
  }
  return { db, insert };
}

function prepare(sources: Array<SourceFields | { skipped: string }>, numbering: NumberingSettings): PreparedRecord[] {
  return sources.map((s) => ('skipped' in s ? { ok: false as const, reason: s.skipped } : prepareRecord(s, numbering)));
}

function handle(request: MapRequest): MapResponse {
  const { id } = request;
  if ('finish' in request) {
    scratches.get(request.finish)?.db.close();
    scratches.delete(request.finish);
    return { id, finished: true };
  }
  const prepared = prepare(request.sources, request.numbering);
  if (!request.stage) return { id, results: prepared };
  const { file, runId, sourceId, records } = request.stage;
  let scratch = scratches.get(file);
  if (!scratch) scratches.set(file, (scratch = openScratch(file)));
  const { rows, numbers, result } = stagingRows(runId, sourceId, records, prepared, []);
  scratch.db.exec('begin');
  try {
    // In STAGING_COLUMNS order, spelled out: a row's values gathered by column name cost an array each.
    const { source_staging: insertRow, source_staging_numbers: insertNumber } = scratch.insert;
    for (const r of rows) insertRow.run(r.run_id, r.record_id, r.source_id, r.status, r.hash, r.contact_id, r.kind, r.name, r.company, r.emails, r.notes, r.search_text);
    for (const n of numbers) insertNumber.run(n.run_id, n.contact_id, n.position, n.raw, n.e164, n.type, n.switchboard);
    scratch.db.exec('commit');
  } catch (err) {
    scratch.db.exec('rollback');
    throw err;
  }
  return { id, staged: result };
}

const port = parentPort;
if (!port) throw new Error('record-mapper-worker.ts runs as a worker thread');
port.on('message', (request: MapRequest) => {
  let response: MapResponse;
  try {
    response = handle(request);
  } catch (err) {
    response = { id: request.id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(response);
});
