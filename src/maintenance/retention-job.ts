/**
 * The server's periodic retention run (src/server.ts starts it): shortly after start, then every
 * `intervalMs`. A failed run is logged and tried again at the next tick; stopping waits for the batch
 * in progress and ends the run there (the next run continues where it stopped).
 */
import type { Store } from '../storage/store.ts';
import { runRetention, type RetentionOptions } from './retention.ts';

export type RetentionLog = { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };

export type RetentionJobOptions = Pick<RetentionOptions, 'now' | 'batchSize'> & {
  /** Between runs; default one hour. */
  intervalMs?: number;
  /** Before the first run; default one minute (start-up work goes first). */
  firstRunMs?: number;
};

export class RetentionJob {
  #store: Store;
  #log: RetentionLog;
  #options: RetentionJobOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(store: Store, log: RetentionLog, options: RetentionJobOptions = {}) {
    this.#store = store;
    this.#log = log;
    this.#options = options;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule(this.#options.firstRunMs ?? 60_000);
  }

  /** One run now (also what the timer calls); resolves when it is done. Never rejects. */
  runOnce(): Promise<void> {
    this.#running ??= this.#run().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.runOnce().then(() => this.#schedule(this.#options.intervalMs ?? 3_600_000));
    }, ms);
    this.#timer.unref();
  }

  async #run(): Promise<void> {
    try {
      const results = await runRetention(this.#store, { now: this.#options.now, batchSize: this.#options.batchSize, shouldStop: () => this.#stopped });
      for (const r of results) {
        if (r.calls || r.deliveries) this.#log.info({ tenant: r.tenantId, days: r.days, calls: r.calls, deliveries: r.deliveries }, 'retention: deleted old call records and delivery logs');
      }
    } catch (err) {
      // Name and code only: a database error's detail may quote row values.
      const code = (err as { code?: unknown } | null)?.code;
      this.#log.warn({ error: err instanceof Error ? err.name : typeof err, ...(typeof code === 'string' ? { code } : {}) }, 'retention run failed; trying again at the next interval');
    }
  }
}
