/**
 * Prepares new and changed source records for staging (core prepareRecord: phone number parsing and
 * search text, about half of a large import's time on the thread that also parses the source and
 * writes the database). Large batches go to worker threads, so that work overlaps with parsing and
 * writing; small ones are prepared inline, where a message round trip would cost more than it saves.
 * Results come back in the order of the records, the same as inline.
 *
 * Where the store has scratch databases (SQLite), a thread also stages what it prepared (`stage`):
 * into a scratch database of its own, which the run's apply attaches. The prepared records then never
 * travel back, and the thread that serves requests neither receives nor writes them.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { NumberingSettings } from '../core/phone-numbers/phone-number.ts';
import { prepareRecord, type PreparedRecord, type SourceFields } from '../core/sync/synced-contact.ts';
import type { StageResult } from '../storage/repositories/staging-rows.ts';
import type { MapRequest, MapResponse, StageJob } from './record-mapper-worker.ts';

export type { StageJob } from './record-mapper-worker.ts';

export interface RecordMapper {
  /** The prepared records, one per source record, in order. Rejects only when a worker thread died. */
  map(sources: SourceFields[], numbering: NumberingSettings): Promise<PreparedRecord[]>;
  /**
   * Prepares a batch and stages it into a scratch database named after `base` (`<base>.<thread>.db`,
   * made on first use), as SourceSyncRepository.stage would on the store's connection. Null when this
   * mapper does not take the batch (inline, or too small to be worth a thread): the caller prepares
   * and stages it itself. Rejects only when a thread died.
   */
  stage?(base: string, job: StageJob): Promise<StageResult> | null;
  /**
   * Once a run staged its last batch, or failed: every thread closes its scratch database of `base`
   * after the batches it still has. Resolves with the files made for `base`, to attach or delete.
   */
  finish?(base: string): Promise<string[]>;
  /** Ends the worker threads (pending batches reject). */
  close(): Promise<void>;
}

export type RecordMapperOptions = {
  /** Worker threads; 0 prepares everything inline. Default: the cores but one, at most 4. */
  threads?: number;
  /** Batches smaller than this are prepared inline. Default 256. */
  minBatch?: number;
};

/** Prepares every batch on the calling thread. */
export const inlineRecordMapper: RecordMapper = {
  map: async (sources, numbering) => sources.map((s) => prepareRecord(s, numbering)),
  close: async () => {},
};

export function createRecordMapper(options: RecordMapperOptions = {}): RecordMapper {
  const threads = options.threads ?? Math.min(4, availableParallelism() - 1);
  return threads > 0 ? new WorkerRecordMapper(threads, options.minBatch ?? 256) : inlineRecordMapper;
}

type Pending = { resolve(response: MapResponse): void; reject(err: Error): void };
type Slot = { worker: Worker; pending: Map<number, Pending> };

class WorkerRecordMapper implements RecordMapper {
  #slots: Array<Slot | undefined>;
  #minBatch: number;
  #next = 0;
  #seq = 0;
  /** Scratch base → the threads that were given batches for it. */
  #files = new Map<string, Set<number>>();

  constructor(threads: number, minBatch: number) {
    this.#slots = new Array(threads).fill(undefined);
    this.#minBatch = minBatch;
  }

  map(sources: SourceFields[], numbering: NumberingSettings): Promise<PreparedRecord[]> {
    if (sources.length < this.#minBatch) return inlineRecordMapper.map(sources, numbering);
    const index = this.#next++ % this.#slots.length;
    const sent = this.#send(index, (id) => ({ id, numbering, sources }) satisfies MapRequest);
    // A reader's record that cannot be copied to a thread (structured clone) is prepared here.
    if (!sent) return inlineRecordMapper.map(sources, numbering);
    return sent.then((r) => ('results' in r ? r.results : []));
  }

  stage(base: string, job: StageJob): Promise<StageResult> | null {
    if (job.records.length < this.#minBatch) return null;
    const index = this.#next++ % this.#slots.length;
    const file = `${base}.${index}.db`;
    const sent = this.#send(index, (id) => ({ id, numbering: job.numbering, sources: job.sources, stage: { file, runId: job.runId, sourceId: job.sourceId, records: job.records } }) satisfies MapRequest);
    if (!sent) return null;
    let files = this.#files.get(base);
    if (!files) this.#files.set(base, (files = new Set()));
    files.add(index);
    return sent.then((r) => ('staged' in r ? r.staged : { added: 0, changed: 0, removed: 0, refused: [] }));
  }

  async finish(base: string): Promise<string[]> {
    const used = [...(this.#files.get(base) ?? [])];
    this.#files.delete(base);
    const files = used.map((index) => `${base}.${index}.db`);
    // A thread that died left its file as it was; the caller deletes it all the same.
    await Promise.all(used.map((index, i) => (this.#slots[index] ? this.#send(index, (id) => ({ id, finish: files[i] }) satisfies MapRequest)?.catch(() => {}) : undefined)));
    return files;
  }

  /** Posts a request to thread `index` (started if need be); null when it cannot be copied to a thread. */
  #send(index: number, request: (id: number) => MapRequest): Promise<MapResponse> | null {
    const slot = (this.#slots[index] ??= this.#spawn(index));
    const id = ++this.#seq;
    try {
      slot.worker.postMessage(request(id));
    } catch {
      return null;
    }
    return new Promise<MapResponse>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      // Referenced while it has work, so that a process waiting only on it does not exit.
      slot.worker.ref();
    });
  }

  async close(): Promise<void> {
    const slots = this.#slots.filter((s): s is Slot => s !== undefined);
    this.#slots.fill(undefined);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  #spawn(index: number): Slot {
    const worker = new Worker(new URL('./record-mapper-worker.ts', import.meta.url));
    worker.unref();
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (response: MapResponse) => {
      const pending = slot.pending.get(response.id);
      if (!pending) return;
      slot.pending.delete(response.id);
      if (slot.pending.size === 0) worker.unref();
      if ('error' in response) pending.reject(new Error(`Preparing records failed: ${response.error}`));
      else pending.resolve(response);
    });
    const fail = (err: Error) => {
      // The next batch for this slot starts a new thread.
      if (this.#slots[index] === slot) this.#slots[index] = undefined;
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
    };
    worker.on('error', (err) => fail(err));
    worker.on('exit', (code) => fail(new Error(`The record mapper thread stopped (exit code ${code})`)));
    return slot;
  }
}
