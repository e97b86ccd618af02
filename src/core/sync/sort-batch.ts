/**
 * The first step of staging a batch of a run's items, pure and in order: which records are
 * duplicates, which are unchanged since last run (equal hash), and which are new or changed (read
 * now, prepared and staged next). It must see the batches one after another, as the source
 * delivered them: `seen` and `known` carry what earlier batches of the run held.
 */
import type { KnownRecords } from './known-records.ts';
import type { SourceFields } from './synced-contact.ts';

export type StageItem =
  /**
   * `hash`: of the record as delivered (hashSource or hashFingerprint); `source` is read (when a
   * function) only when the record is new or changed.
   */
  | { type: 'record'; recordId: string; line: number | null; source: SourceFields | (() => SourceFields | { skipped: string }); hash: string }
  | { type: 'removed'; recordId: string; line: number | null };

/** Marks a known record as delivered by this run in the `known` map (hashes are never empty). */
export const SEEN = '';

export type FreshRecord = { recordId: string; line: number | null; hash: string; source: SourceFields | { skipped: string } };

export type SortedBatch = {
  unchanged: number;
  /** Record ids met before in this run (the earlier record stays). */
  duplicates: Array<{ recordId: string; line: number | null }>;
  /** New and changed records, read. */
  records: FreshRecord[];
  /** Known records that an incremental run reported removed. */
  removed: Array<{ recordId: string; line: number | null }>;
  /** Last run's hash of every changed or removed known record in `records` and `removed`. */
  was: Map<string, string>;
};

/**
 * `known` is what the source delivered last time, record id → hash (empty on a first run); a known
 * record this batch holds is marked there by setting its hash to SEEN, and `seen` collects the other
 * record ids of the run (ids only, never records).
 */
export function sortBatch(items: readonly StageItem[], seen: Set<string>, known: Pick<Map<string, string>, 'get' | 'set'>): SortedBatch {
  const sorted: SortedBatch = { unchanged: 0, duplicates: [], records: [], removed: [], was: new Map() };
  for (const item of items) {
    const id = item.recordId;
    const was = known.get(id);
    if (was === SEEN || (was === undefined && seen.has(id))) {
      sorted.duplicates.push({ recordId: id, line: item.line });
      continue;
    }
    if (was === undefined) seen.add(id);
    else known.set(id, SEEN);
    if (item.type === 'removed') {
      // A record the source never delivered cannot be removed.
      if (was === undefined) continue;
      sorted.removed.push({ recordId: id, line: item.line });
    } else {
      if (was === item.hash) {
        sorted.unchanged++;
        continue;
      }
      sorted.records.push({ recordId: id, line: item.line, hash: item.hash, source: typeof item.source === 'function' ? item.source() : item.source });
    }
    if (was !== undefined) sorted.was.set(id, was);
  }
  return sorted;
}

/**
 * A run sorted against a set of last run's hashes (KnownRecords, a re-sync) instead of a map of
 * record ids: each record is first checked by its hash as it is read (`unchanged`), and only the
 * rest goes into batches, sorted by sortBatch through `view` over their last hashes looked up by
 * record id. Gives what sortBatch over the map would. Without a set (null: an incremental run, which
 * delivers changes only, so last run's hashes are not read at all) every record goes into a batch.
 */
export class HashedRun {
  readonly known: KnownRecords | null;
  // The record ids of the batch being read: a later record of one of them must not be found
  // unchanged before the earlier one is sorted (the earlier record stays).
  #pending = new Set<string>();
  // Without a set: the known records this run delivered (an incremental run's few).
  #delivered = new Set<string>();

  constructor(known: KnownRecords | null) {
    this.known = known;
  }

  /** At read time: true if the record is unchanged since last run (and is done with); false if it goes into the batch. */
  unchanged(recordId: string, hash: string): boolean {
    if (this.known && !this.#pending.has(recordId) && this.known.take(hash)) return true;
    this.#pending.add(recordId);
    return false;
  }

  /** A removed record (incremental runs) goes into the batch. */
  removed(recordId: string): void {
    this.#pending.add(recordId);
  }

  /**
   * The `known` for sortBatch of the batch read since the last call, from `last`: last run's hash
   * of each of its record ids that last run delivered. SEEN where this run delivered one already;
   * sortBatch marks one SEEN when it takes it.
   */
  view(last: ReadonlyMap<string, string>): Pick<Map<string, string>, 'get' | 'set'> {
    this.#pending.clear();
    const { known } = this;
    const delivered = this.#delivered;
    const view = {
      get: (id: string) => {
        const hash = last.get(id);
        if (hash === undefined) return undefined;
        return (known ? known.delivered(hash) : delivered.has(id)) ? SEEN : hash;
      },
      set: (id: string) => {
        if (known) known.take(last.get(id)!);
        else delivered.add(id);
        return view as unknown as Map<string, string>;
      },
    };
    return view;
  }
}
