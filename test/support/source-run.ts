/**
 * Reading a directory source the way the sync engine does, for reader-level tests: a context with
 * a signal, the stored state and a progress log, and the whole stream collected.
 */
import assert from 'node:assert/strict';
import { SourceError, type DirectorySourceType, type ReadContext, type SourceContact, type SourceItem, type SourceRun } from '../../src/connectors/directory/directory-source.ts';

/** A record read: 'row' items settled the way the engine settles a new record (read() called). */
export type ReadItem = Exclude<SourceItem, { type: 'row' }>;

/**
 * `full` and `state` as the engine sees them once the stream ended; `progress`: every value reported,
 * in order; `items` with rows read (every record is new to a reader-level test); `raw`: as yielded.
 */
export type ReadResult = { run: SourceRun; full: boolean; items: ReadItem[]; raw: SourceItem[]; state: string | null; progress: number[] };

export function readContext(overrides: Partial<ReadContext> = {}): ReadContext & { progressLog: number[] } {
  const progressLog: number[] = [];
  return {
    signal: AbortSignal.timeout(60_000),
    state: null,
    progress: (read) => void progressLog.push(read),
    fetch: globalThis.fetch,
    ...overrides,
    progressLog,
  };
}

/** Checks the options like the API does, opens a run and reads it to the end (then `state()`, as the engine does). */
export async function readSource(type: DirectorySourceType, input: unknown, overrides: Partial<ReadContext> = {}): Promise<ReadResult> {
  const checked = type.check(input);
  if (!checked.ok) throw new Error(`options rejected: ${checked.field} ${checked.message}`);
  const context = readContext(overrides);
  const run = await type.open(checked.options, context);
  const raw: SourceItem[] = [];
  for await (const item of run.items) raw.push(item);
  return { run, full: run.full, items: raw.map(settle), raw, state: run.state(), progress: context.progressLog };
}

/** A 'row' item read as the engine reads a new record: a record, or skipped with read()'s reason. */
export function settle(item: SourceItem): ReadItem {
  if (item.type !== 'row') return item;
  const read = item.read();
  const line = item.line === undefined ? {} : { line: item.line };
  return 'skipped' in read ? { type: 'skipped', reason: read.skipped, ...line } : { type: 'record', recordId: item.recordId, contact: read, ...line, fingerprint: item.fingerprint };
}

export const records = (items: SourceItem[]) => items.filter((i) => i.type === 'record');

/** The contacts of a run by record id, for tests that compare runs or look records up by id. */
export function recordsById(result: Pick<ReadResult, 'items'>): Map<string, SourceContact> {
  return new Map(records(result.items).map((r) => [r.recordId, r.contact]));
}

/** For `assert.rejects`: a SourceError of this kind whose message matches; names what came instead. */
export const fails = (kind: SourceError['kind'], pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof SourceError, String(err));
  assert.equal(err.kind, kind);
  assert.match(err.message, pattern);
  return true;
};
