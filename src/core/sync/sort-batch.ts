/**
 * The first step of staging a batch of a run's items, pure and in order: which records are
 * duplicates, which are unchanged since last run (equal hash), and which are new or changed (read
 * now, prepared and staged next). It must see the batches one after another, as the source
 * delivered them: `seen` and `known` carry what earlier batches of the run held.
 */
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
export function sortBatch(items: readonly StageItem[], seen: Set<string>, known: Map<string, string>): SortedBatch {
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
