/**
 * The report of one sync run: what changed, what was skipped and why, how long it took. Skipped
 * items are counted in full but listed only up to a cap, so a broken 1M-row file does not make a
 * 1M-entry report.
 */

export type SkippedItem = { line?: number; recordId?: string; reason: string };

export type SyncReport = {
  runId: string;
  /** scheduled | manual | upload */
  trigger: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  ok: boolean;
  /** The failure in words a person understands (null when ok). */
  error: string | null;
  /** Items read from the source (records and skipped rows). */
  read: number;
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
  skipped: number;
  /** The first `SKIPPED_LISTED` skipped items. */
  skippedItems: SkippedItem[];
};

export const SKIPPED_LISTED = 100;

export class ReportBuilder {
  #runId: string;
  #trigger: string;
  #started: number;
  read = 0;
  skipped = 0;
  #skippedItems: SkippedItem[] = [];

  constructor(runId: string, trigger: string, now = Date.now()) {
    this.#runId = runId;
    this.#trigger = trigger;
    this.#started = now;
  }

  skip(item: SkippedItem): void {
    this.skipped++;
    if (this.#skippedItems.length < SKIPPED_LISTED) this.#skippedItems.push(item);
  }

  /** A successful run's report. */
  done(counts: { added: number; changed: number; removed: number; unchanged: number }, now = Date.now()): SyncReport {
    return this.#report(true, null, counts, now);
  }

  /** A failed run's report: nothing was changed. */
  failed(error: string, now = Date.now()): SyncReport {
    return this.#report(false, error, { added: 0, changed: 0, removed: 0, unchanged: 0 }, now);
  }

  #report(ok: boolean, error: string | null, counts: { added: number; changed: number; removed: number; unchanged: number }, now: number): SyncReport {
    return {
      runId: this.#runId,
      trigger: this.#trigger,
      startedAt: new Date(this.#started).toISOString(),
      finishedAt: new Date(now).toISOString(),
      durationMs: now - this.#started,
      ok,
      error,
      read: this.read,
      ...counts,
      skipped: this.skipped,
      skippedItems: this.#skippedItems,
    };
  }
}

/** One line per skipped item, for the CLI and logs: `line 12: no phone number`. */
export function describeSkipped(item: SkippedItem): string {
  const where = item.line !== undefined ? `line ${item.line}` : item.recordId !== undefined ? `record ${item.recordId}` : 'a record';
  return `${where}: ${item.reason}`;
}
