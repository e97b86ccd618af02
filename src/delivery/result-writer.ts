/**
 * Records finished attempts in batches: a result waits `delayMs` for others to share its transaction
 * (one commit per delivery would be the worker's bottleneck), then all waiting ones are written
 * together. When the store is unavailable the results are kept and written again later; the worker
 * renews its leases meanwhile.
 */
import type { Store } from '../storage/store.ts';
import { recordResults, type FinishedAttempt, type ResultPolicy } from './attempt-results.ts';

export type ResultWriterEvents = {
  /** After each batch is written: the next delivery of a chain is claimable now. */
  written(): void;
  /** The batch disabled an endpoint (410, failure streak). */
  disabled(tenantId: string, endpointId: string): void;
  failed(err: Error): void;
};

export class ResultWriter {
  #store: Store;
  #owner: string;
  #policy: ResultPolicy;
  #delayMs: number;
  #batchSize: number;
  #events: ResultWriterEvents;
  #results: FinishedAttempt[] = [];
  #writing: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** Set on stop: a write that keeps failing gives up instead of retrying for ever. */
  closing = false;

  constructor(store: Store, owner: string, policy: ResultPolicy, options: { delayMs: number; batchSize: number }, events: ResultWriterEvents) {
    this.#store = store;
    this.#owner = owner;
    this.#policy = policy;
    this.#delayMs = options.delayMs;
    this.#batchSize = options.batchSize;
    this.#events = events;
  }

  get pending(): number {
    return this.#results.length;
  }

  get busy(): boolean {
    return this.#writing !== null || this.#timer !== null || this.#results.length > 0;
  }

  add(result: FinishedAttempt): void {
    this.#results.push(result);
    if (this.#timer || this.#writing) return;
    if (this.#results.length >= this.#batchSize) void this.flush();
    else this.#timer = setTimeout(() => void this.flush(), this.#delayMs);
  }

  /** Writes everything waiting now; resolves when written. */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#writing) return this.#writing;
    if (this.#results.length === 0) return Promise.resolve();
    const p = this.#write().finally(() => {
      this.#writing = null;
      // Results that came in during this write get their own (short) wait.
      if (this.#results.length > 0 && !this.#timer) this.#timer = setTimeout(() => void this.flush(), this.#delayMs);
      this.#events.written();
    });
    this.#writing = p;
    return p;
  }

  async #write(): Promise<void> {
    while (this.#results.length > 0) {
      const batch = this.#results.splice(0, 1_000);
      try {
        const disabled = await recordResults(this.#store, this.#owner, batch, this.#policy);
        for (const endpointId of disabled) this.#events.disabled(batch.find((f) => f.delivery.endpointId === endpointId)!.delivery.tenantId, endpointId);
      } catch (err) {
        this.#results.unshift(...batch);
        this.#events.failed(err as Error);
        if (this.closing) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}
