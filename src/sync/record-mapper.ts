/**
 * Prepares new and changed source records for staging (core prepareRecord: phone number parsing and
 * search text, about half of a large import's time on the thread that also parses the source and
 * writes the database). Large batches go to worker threads, so that work overlaps with parsing and
 * writing; small ones are prepared inline, where a message round trip would cost more than it saves.
 * Results come back in the order of the records, the same as inline.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { NumberingSettings } from '../core/phone-numbers/phone-number.ts';
import { prepareRecord, type PreparedRecord, type SourceFields } from '../core/sync/synced-contact.ts';
import type { MapRequest, MapResponse } from './record-mapper-worker.ts';

export interface RecordMapper {
  /** The prepared records, one per source record, in order. Rejects only when a worker thread died. */
  map(sources: SourceFields[], numbering: NumberingSettings): Promise<PreparedRecord[]>;
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

type Pending = { resolve(results: PreparedRecord[]): void; reject(err: Error): void };
type Slot = { worker: Worker; pending: Map<number, Pending> };

class WorkerRecordMapper implements RecordMapper {
  #slots: Array<Slot | undefined>;
  #minBatch: number;
  #next = 0;
  #seq = 0;

  constructor(threads: number, minBatch: number) {
    this.#slots = new Array(threads).fill(undefined);
    this.#minBatch = minBatch;
  }

  map(sources: SourceFields[], numbering: NumberingSettings): Promise<PreparedRecord[]> {
    if (sources.length < this.#minBatch) return inlineRecordMapper.map(sources, numbering);
    const index = this.#next++ % this.#slots.length;
    const slot = (this.#slots[index] ??= this.#spawn(index));
    const id = ++this.#seq;
    return new Promise<PreparedRecord[]>((resolve, reject) => {
      try {
        slot.worker.postMessage({ id, numbering, sources } satisfies MapRequest);
      } catch {
        // A reader's record that cannot be copied to a thread (structured clone) is prepared here.
        resolve(inlineRecordMapper.map(sources, numbering));
        return;
      }
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
      else pending.resolve(response.results);
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
