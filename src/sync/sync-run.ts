/**
 * One run of one source: open the reader, stream its items, sort each batch against last run's
 * hashes, prepare the new and changed records under the tenant's numbering settings, stage them, and
 * apply the diff in one transaction. The caller holds the source's lease; a failure anywhere leaves
 * the phonebook as it was.
 *
 * Batches flow through a short pipeline: while batch n is prepared (on a worker thread, when the
 * mapper has them) and staged, this thread already reads and sorts batch n+1. Staging on the store's
 * connection stays in order, one batch at a time; at most PIPELINE batches are in flight. Where the
 * store has scratch databases, a mapper thread stages the batches it takes into its own (the apply
 * attaches them), and this thread stages only the removals and the batches prepared inline.
 */
import type { DirectorySourceType, SocketGuard, SourceItem, SourceOptions } from '../connectors/directory/directory-source.ts';
import type { NumberingSettings } from '../core/phone-numbers/phone-number.ts';
import { HashedRun, SEEN, sortBatch, type SortedBatch, type StageItem } from '../core/sync/sort-batch.ts';
import { ReportBuilder, type SyncReport } from '../core/sync/sync-report.ts';
import { hashFingerprint, hashSource, type PreparedRecord, type SourceFields } from '../core/sync/synced-contact.ts';
import type { SourceSyncRepository, StageResult } from '../storage/repositories/source-sync-repository.ts';
import type { SourceRecord } from '../storage/repositories/sources-repository.ts';
import { inlineRecordMapper, type RecordMapper } from './record-mapper.ts';
import { RunStopped } from './sync-failure.ts';

export type RunInput = {
  source: SourceRecord;
  type: DirectorySourceType;
  /** Options with the secrets opened. */
  options: SourceOptions;
  runId: string;
  trigger: string;
  numbering: NumberingSettings;
  signal: AbortSignal;
  fetch: typeof fetch;
  sockets?: SocketGuard;
  upload?: AsyncIterable<Uint8Array>;
  nextRunAt(finishedAt: number): string | null;
  onProgress(read: number, total?: number): void;
  /** Called with every item read (the idle watchdog). */
  onItem(): void;
  /** Prepares new and changed records (default: inline, on this thread). */
  mapper?: RecordMapper;
};

/** Batches read and sorted but not staged yet, at most: bounds the memory a fast source can fill. */
const PIPELINE = 3;

export async function executeRun(repo: SourceSyncRepository, input: RunInput, report: ReportBuilder): Promise<SyncReport> {
  const { source, runId, signal } = input;
  await repo.clearStaging(source.id);
  // Where mapper threads stage too: their scratch databases' base path, and the files once finished.
  let scratch: string | null = null;
  let scratchFiles: string[] = [];
  const mapper = input.mapper ?? inlineRecordMapper;
  try {
    const run = await input.type.open(input.options, {
      signal,
      state: source.state,
      progress: (read, total) => input.onProgress(read, total),
      fetch: input.fetch,
      sockets: input.sockets,
      upload: input.upload,
    });
    const counts = { added: 0, changed: 0, unchanged: 0 };
    // Removed rows staged (incremental removals, then records missing from a full run).
    let removedStaged = 0;
    let batch: StageItem[] = [];
    // The record ids of this run that last run did not deliver (ids only), for duplicates; known
    // ones are marked in `known` instead.
    const seen = new RunIds();
    // What the source delivered last time. For a full run usually a set of hashes (core HashedRun):
    // an unchanged record costs its parse, its hash and one probe, and only the others are looked
    // up by record id. Where the stored hashes cannot form that set, a map of record id → hash
    // (empty on a first run). An incremental run delivers changes only: each is looked up by id.
    let byHash: HashedRun | undefined;
    let known = new Map<string, string>();
    if (!run.full) byHash = new HashedRun(null);
    else {
      const records = await repo.knownRecords(source.id);
      if (!records) known = await repo.knownHashes(source.id);
      else if (records.size > 0) byHash = new HashedRun(records);
    }
    const numbering = input.numbering;
    const numberingKey = `${numbering.defaultCountry}/${numbering.areaCode ?? ''}`;
    scratch = mapper.stage && mapper.finish ? repo.scratchBase(source.id, runId) : null;
    // Each batch's staging, chained after the one before it.
    let staging: Promise<void> = Promise.resolve();
    const inFlight: Array<Promise<void>> = [];
    let failed: { err: unknown } | undefined;
    const stageBatch = async (sorted: SortedBatch, result: Promise<StageResult>) => {
      const staged = await result;
      counts.added += staged.added;
      counts.changed += staged.changed;
      counts.unchanged += sorted.unchanged;
      removedStaged += staged.removed;
      const skipped = [...sorted.duplicates.map((d) => ({ ...d, reason: 'duplicate record id: an earlier record has the same id' })), ...staged.refused];
      // In file order (lines), whichever check refused them.
      skipped.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
      for (const r of skipped) report.skip({ line: r.line ?? undefined, recordId: r.line === null ? r.recordId : undefined, reason: r.reason });
    };
    const flush = async () => {
      // Sorted here, in the order the source delivered the batches; prepared and staged behind.
      // With a set of hashes, the batch's records are looked up by id once: hashes to sort, contact ids to stage.
      const last = byHash ? await repo.lastRecords(source.id, [...new Set(batch.map((i) => i.recordId))]) : undefined;
      const sorted = sortBatch(batch, seen, byHash && last ? byHash.view(last.hashes) : known);
      batch = [];
      const { records, removals } = await repo.stagingInput(source.id, sorted, last?.contactIds);
      // Prepared and staged by a mapper thread into its scratch database where it takes the batch;
      // else prepared (on a thread or here) and staged on the store's connection. Removals always are.
      const there = scratch ? (mapper.stage?.(scratch, { runId, sourceId: source.id, numbering, records, sources: sorted.records.map((r) => r.source) }) ?? null) : null;
      const prepared = there ? Promise.resolve([]) : prepare(mapper, sorted, numbering);
      // A batch whose staging never starts (an earlier one failed) must not leave a rejection unhandled.
      prepared.catch(() => {});
      there?.catch(() => {});
      const result = async (): Promise<StageResult> => {
        const here = await repo.stage(source.id, runId, there ? [] : records, await prepared, removals);
        return there ? merged(here, await there) : here;
      };
      staging = staging.then(() => stageBatch(sorted, result()));
      // Pacing only; a failed batch fails every later one through the chain and stops the reading here.
      inFlight.push(staging.catch((err: unknown) => void (failed ??= { err })));
      if (inFlight.length >= PIPELINE) await inFlight.shift();
      if (failed) throw failed.err;
    };
    try {
      for await (const items of abortable(run.batches ?? single(run.items), signal)) {
        input.onItem();
        for (const item of items) {
          report.read++;
          if (item.type === 'skipped') {
            report.skip({ line: item.line, recordId: item.recordId, reason: item.reason });
            continue;
          }
          if (item.type === 'removed') {
            if (run.full) continue;
            byHash?.removed(item.recordId);
            batch.push({ type: 'removed', recordId: item.recordId, line: null });
            continue;
          }
          const hash =
            item.type === 'row' || item.fingerprint !== undefined ? hashFingerprint(item.fingerprint!, numberingKey) : hashSource(item.recordId, item.contact, numberingKey);
          if (byHash?.unchanged(item.recordId, hash)) {
            counts.unchanged++;
            continue;
          }
          batch.push({ type: 'record', recordId: item.recordId, line: item.line ?? null, source: item.type === 'row' ? item.read : item.contact, hash });
        }
        // The reader's items are done with: emptied so that nothing of them stays reachable while
        // this run waits on its pipeline (see `batches` in directory-source.ts).
        items.length = 0;
        if (batch.length >= repo.batchSize) await flush();
      }
      if (batch.length) await flush();
      await staging;
    } finally {
      // Nothing may still write staging rows once the run is over (dropRun follows).
      await staging.catch(() => {});
      // Also when the run failed: the threads close their files, which dropRun then deletes.
      if (scratch) scratchFiles = await mapper.finish!(scratch);
    }
    if (signal.aborted) throw signal.reason;
    if (run.full) {
      const missing = byHash?.known ? (byHash.known.unseen > 0 ? await repo.missingRecords(source.id, byHash.known) : undefined) : unmarked(known);
      if (missing?.size) removedStaged += await repo.stageMissing(source.id, runId, missing);
    }
    seen.clear();
    known = new Map();
    const state = run.state();
    let final: SyncReport | undefined;
    await repo.apply({
      tenantId: source.tenantId,
      sourceId: source.id,
      runId,
      state,
      now: new Date().toISOString(),
      nextRunAt: input.nextRunAt(Date.now()),
      staged: { added: counts.added, changed: counts.changed, removed: removedStaged },
      report: (removed) => (final = report.done({ ...counts, removed })),
    }, scratchFiles);
    return final!;
  } finally {
    await repo.dropRun(runId, scratchFiles).catch(() => {});
  }
}

/**
 * Record ids kept for the whole run, each as a copy of its own: a reader's id may be a slice of a
 * large piece of text (the CSV reader's fields are slices of a 64 KB chunk), and V8 keeps all of that
 * text alive as long as the slice (a first import of 1M rows with UUID ids: 43 MB more heap).
 * Ids under 13 characters are copied by V8 already.
 */
class RunIds extends Set<string> {
  override add(id: string): this {
    return super.add(id.length < 13 ? id : Buffer.from(id, 'utf16le').toString('utf16le'));
  }
}

/** The records of a map of last run's hashes that this run did not mark SEEN. */
function unmarked(known: ReadonlyMap<string, string>): Map<string, string> {
  const missing = new Map<string, string>();
  for (const [id, hash] of known) if (hash !== SEEN) missing.set(id, hash);
  return missing;
}

/** What two parts of a batch staged, together. */
function merged(a: StageResult, b: StageResult): StageResult {
  return { added: a.added + b.added, changed: a.changed + b.changed, removed: a.removed + b.removed, refused: [...a.refused, ...b.refused] };
}

/** The batch's new and changed records prepared, one per `sorted.records` entry (unreadable ones refused as they are). */
async function prepare(mapper: RecordMapper, sorted: SortedBatch, numbering: NumberingSettings): Promise<PreparedRecord[]> {
  const readable: SourceFields[] = [];
  for (const r of sorted.records) if (!('skipped' in r.source)) readable.push(r.source);
  const mapped = readable.length ? await mapper.map(readable, numbering) : [];
  let next = 0;
  return sorted.records.map((r) => ('skipped' in r.source ? { ok: false as const, reason: r.source.skipped } : mapped[next++]));
}

/**
 * The items, but a run stops at once when its signal aborts, even while a reader waits on a server
 * that went silent (a reader should also honour the signal; this makes sure).
 */
async function* single(items: AsyncIterable<SourceItem>): AsyncGenerator<SourceItem[]> {
  for await (const item of items) yield [item];
}

async function* abortable<T>(items: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = items[Symbol.asyncIterator]();
  // One settle-able wrapper per wait, rejected by the abort listener: racing every item against a
  // long-lived abort promise would pile a reaction per item onto it (a leak of a million closures).
  let rejectWaiting: ((err: unknown) => void) | undefined;
  const reason = () => (signal.reason instanceof Error ? signal.reason : new RunStopped('The run was stopped'));
  const onAbort = () => rejectWaiting?.(reason());
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (signal.aborted) throw reason();
      const next = await new Promise<IteratorResult<T>>((resolve, reject) => {
        rejectWaiting = reject;
        iterator.next().then(resolve, reject);
      });
      rejectWaiting = undefined;
      if (next.done) return;
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    void iterator.return?.()?.catch?.(() => {});
  }
}
