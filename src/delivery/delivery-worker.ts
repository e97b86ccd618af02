/**
 * The delivery worker: claims due outbox rows in batches (a lease, so a crashed instance's claims
 * return to the pool), attempts them through their handler with at most `max_concurrency` in flight
 * per endpoint, and records the results in batched transactions (attempt-results.ts).
 *
 * Order per (endpoint, order key) is kept by the claim itself: only the head of a chain is claimable,
 * so the next delivery of a call is claimed after the previous one's result is committed.
 *
 * It wakes when an enqueue happens in this process and polls otherwise. On a store without
 * `multiInstance` (SQLite) this process is the only worker, so on start every lease left by a killed
 * predecessor is released at once; with several instances expired leases are reaped on every poll.
 */
import { randomUUID } from 'node:crypto';
import type { ClaimedDelivery } from '../storage/repositories/deliveries-repository.ts';
import type { Store } from '../storage/store.ts';
import type { AttemptOutcome, DeliveryHandler } from './delivery.ts';
import type { FinishedAttempt } from './attempt-results.ts';
import { ResultWriter } from './result-writer.ts';
import { DEFAULT_RETRY_SCHEDULE_MS } from './retry-policy.ts';

export type WorkerOptions = {
  /** Look for due rows this often when nothing wakes the worker. */
  pollMs: number;
  /** Most rows one claim takes (and holds in memory). */
  batchSize: number;
  /** How long a claim is held; renewed every third of it while the worker lives. */
  leaseMs: number;
  /** In-flight cap of an endpoint whose row does not set one. */
  defaultConcurrency: number;
  retrySchedule: readonly number[];
  disableAfterFailures: number;
  /** Total time one attempt may take (the handler's signal). */
  attemptTimeoutMs: number;
  /** On stop, how long attempts in flight may finish before they are aborted. */
  stopGraceMs: number;
  /** Results wait this long for others to share their transaction (one commit per result would be the bottleneck). */
  flushDelayMs: number;
};

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = {
  pollMs: 1_000,
  batchSize: 512,
  leaseMs: 60_000,
  defaultConcurrency: 16,
  retrySchedule: DEFAULT_RETRY_SCHEDULE_MS,
  disableAfterFailures: 10,
  attemptTimeoutMs: 15_000,
  stopGraceMs: 5_000,
  flushDelayMs: 5,
};

type Log = { warn(obj: object, msg: string): void };

export class DeliveryWorker {
  readonly instanceId = randomUUID();
  readonly options: WorkerOptions;
  readonly counters = { attempted: 0, delivered: 0 };
  #store: Store;
  #handlers: Map<string, DeliveryHandler>;
  #log: Log;
  #disabled = new Set<(tenantId: string, endpointId: string) => void>();
  #active = false;
  #started = false;
  #timers: NodeJS.Timeout[] = [];
  #controllers = new Set<AbortController>();
  #queues = new Map<string, ClaimedDelivery[]>();
  #inflight = new Map<string, number>();
  #caps = new Map<string, number>();
  #buffered = 0;
  #running = new Set<Promise<void>>();
  #writer: ResultWriter;
  #claiming: Promise<number> | null = null;
  #claimAgain = false;

  constructor(store: Store, handlers: readonly DeliveryHandler[], options: Partial<WorkerOptions> = {}, log: Log = { warn() {} }) {
    this.#store = store;
    this.#handlers = new Map(handlers.map((h) => [h.kind, h]));
    this.options = { ...DEFAULT_WORKER_OPTIONS, ...options };
    this.#log = log;
    this.#writer = new ResultWriter(store, this.instanceId, this.options, { delayMs: this.options.flushDelayMs, batchSize: this.options.batchSize }, {
      written: () => {
        // Claim again when a quarter of a batch is left, not sooner: every claim re-reads the successors
        // of the chains in hand (they wait behind them), so fewer, larger claims cost less per row.
        if (this.#active && this.#buffered < this.options.batchSize / 4) this.#claim();
      },
      disabled: (tenantId, endpointId) => {
        for (const listener of this.#disabled) listener(tenantId, endpointId);
      },
      failed: (err) => this.#log.warn({ err: err.message }, 'recording delivery results failed; retrying'),
    });
  }

  /** Called when the worker disables an endpoint (410, failure streak): producers stop enqueuing for it. */
  onEndpointDisabled(listener: (tenantId: string, endpointId: string) => void): void {
    this.#disabled.add(listener);
  }

  /** Registers another handler kind (a connector's own, e.g. `crm`). */
  addHandler(handler: DeliveryHandler): void {
    this.#handlers.set(handler.kind, handler);
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = this.#active = true;
    const now = new Date().toISOString();
    await this.#store.deliveries.reapExpired(now, !this.#store.dialect.capabilities.multiInstance);
    const poll = setInterval(() => {
      if (this.#store.dialect.capabilities.multiInstance) void this.#store.deliveries.reapExpired(new Date().toISOString()).catch(() => {});
      // Unconditionally: rows held for slow endpoints must not keep others' due rows waiting.
      this.#claim();
    }, this.options.pollMs);
    const heartbeat = setInterval(() => {
      if (this.#buffered + this.#running.size === 0) return;
      void this.#store.deliveries.extendLeases(this.instanceId, new Date(Date.now() + this.options.leaseMs).toISOString()).catch(() => {});
    }, this.options.leaseMs / 3);
    this.#timers.push(poll, heartbeat);
    for (const t of this.#timers) t.unref();
    this.wake();
  }

  /** Looks for due rows now, and once more shortly after (an enqueue's transaction may not have committed yet). */
  wake(): void {
    if (!this.#active) return;
    // With plenty in hand the next claim comes when it runs low (see the result writer's callback):
    // many small claims, one per enqueue, would each re-read the chains in hand.
    if (this.#buffered >= this.options.batchSize / 4) return;
    this.#claim();
    const again = setTimeout(() => this.#claim(), 30);
    again.unref();
  }

  /**
   * For tests and tools: attempts everything due now (and whatever becomes due while it runs, such as
   * the next delivery of a chain), records the results and resolves with the number of attempts.
   */
  async runOnce(): Promise<number> {
    const wasActive = this.#active;
    this.#active = true;
    const before = this.counters.attempted;
    try {
      for (;;) {
        const claimed = await this.#claimNow();
        await this.#settled();
        if (claimed === 0 && this.#buffered === 0) break;
      }
    } finally {
      this.#active = wasActive;
    }
    return this.counters.attempted - before;
  }

  /** Stops claiming, gives back unstarted rows, lets attempts in flight finish (or aborts them after the grace time). */
  async stop(): Promise<void> {
    this.#active = false;
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    await this.#claiming?.catch(() => {});
    const unstarted = [...this.#queues.values()].flat().map((d) => d.id);
    this.#queues.clear();
    this.#buffered = 0;
    if (unstarted.length) await this.#store.deliveries.release(this.instanceId, unstarted).catch(() => {});
    const grace = setTimeout(() => {
      for (const c of this.#controllers) c.abort(new DOMException('stopping', 'AbortError'));
    }, this.options.stopGraceMs);
    await Promise.all(this.#running);
    clearTimeout(grace);
    this.#writer.closing = true;
    await this.#writer.flush().catch((err) => this.#log.warn({ err: (err as Error).message }, 'results of the last attempts could not be recorded; they will be sent again'));
    this.#writer.closing = false;
    this.#started = false;
  }

  #claim(): void {
    if (this.#claiming) {
      this.#claimAgain = true;
      return;
    }
    void this.#claimNow().catch((err) => this.#log.warn({ err: (err as Error).message }, 'claiming deliveries failed'));
  }

  /** One or more claims until a batch comes back short; resolves with the rows claimed. */
  #claimNow(): Promise<number> {
    if (this.#claiming) return this.#claiming;
    const run = async () => {
      let total = 0;
      while (this.#active) {
        this.#claimAgain = false;
        const limit = this.options.batchSize - this.#buffered;
        if (limit <= 0) break;
        // Endpoints with enough work in hand already: leave their rows to later claims or other instances.
        const full = [...this.#caps.entries()].filter(([ep, cap]) => (this.#queues.get(ep)?.length ?? 0) >= cap * 4).map(([ep]) => ep);
        const now = Date.now();
        const rows = await this.#store.deliveries.claim(this.instanceId, new Date(now).toISOString(), new Date(now + this.options.leaseMs).toISOString(), limit, full);
        total += rows.length;
        for (const row of rows) {
          this.#caps.set(row.endpointId, row.maxConcurrency && row.maxConcurrency > 0 ? row.maxConcurrency : this.options.defaultConcurrency);
          const q = this.#queues.get(row.endpointId);
          if (q) q.push(row);
          else this.#queues.set(row.endpointId, [row]);
        }
        this.#buffered += rows.length;
        this.#pump();
        if (rows.length < limit && !this.#claimAgain) break;
      }
      return total;
    };
    const p = run().finally(() => {
      this.#claiming = null;
    });
    this.#claiming = p;
    return p;
  }

  /** Starts attempts while endpoints have free slots. */
  #pump(): void {
    for (const [endpointId, queue] of this.#queues) {
      const cap = this.#caps.get(endpointId) ?? this.options.defaultConcurrency;
      while (queue.length > 0 && (this.#inflight.get(endpointId) ?? 0) < cap) {
        const delivery = queue.shift()!;
        this.#buffered--;
        this.#inflight.set(endpointId, (this.#inflight.get(endpointId) ?? 0) + 1);
        const run = this.#attempt(delivery).then((finished) => {
          this.#running.delete(run);
          this.#inflight.set(endpointId, this.#inflight.get(endpointId)! - 1);
          this.#writer.add(finished);
          this.#pump();
        });
        this.#running.add(run);
      }
      if (queue.length === 0) this.#queues.delete(endpointId);
    }
  }

  async #attempt(delivery: ClaimedDelivery): Promise<FinishedAttempt> {
    const startedAt = new Date();
    const t0 = performance.now();
    const handler = this.#handlers.get(delivery.handler);
    let outcome: AttemptOutcome;
    if (!handler) outcome = { outcome: 'retry', error: `no handler "${delivery.handler}" in this instance` };
    else {
      // One controller per attempt, aborted by its timer or by stop(): cheaper than AbortSignal.any/timeout
      // at thousands of attempts a second.
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new DOMException('attempt timed out', 'TimeoutError')), this.options.attemptTimeoutMs);
      this.#controllers.add(controller);
      try {
        outcome = await handler.attempt({ ...delivery, attempt: delivery.attempts, signal: controller.signal });
      } catch (err) {
        outcome = { outcome: 'retry', error: (err as Error)?.message ?? String(err) };
      } finally {
        clearTimeout(timer);
        this.#controllers.delete(controller);
      }
    }
    this.counters.attempted++;
    if (outcome.outcome === 'delivered') this.counters.delivered++;
    return { delivery, outcome, startedAt, durationMs: performance.now() - t0 };
  }

  /** Resolves when nothing is buffered, in flight or unrecorded. */
  async #settled(): Promise<void> {
    while (this.#running.size > 0 || this.#writer.busy || this.#claiming) {
      await Promise.all([...this.#running]);
      await this.#writer.flush().catch(() => {});
      await this.#claiming?.catch(() => {});
    }
  }
}
