/**
 * The sync engine's service: starts runs (now, on upload, or when due), one per source at a time
 * across every instance on the store (a lease on the source's row, renewed while the run goes, taken
 * over once it expires), and records each outcome on the source. The scheduler polls for due sources;
 * `next_run_at` is stored, so a schedule survives restarts.
 */
import { directorySourceType } from '../connectors/directory/registry.ts';
import { SourceError } from '../connectors/directory/directory-source.ts';
import { uuidv7 } from '../core/ids.ts';
import { ReportBuilder, type SyncReport } from '../core/sync/sync-report.ts';
import { isSyncInterval, nextRunAt } from '../core/sync/sync-interval.ts';
import type { TenantSettingsCache } from '../journal/tenant-settings.ts';
import type { SecretBox } from '../storage/secret-box.ts';
import { SourceSyncRepository, type ApplySlices } from '../storage/repositories/source-sync-repository.ts';
import type { SourceRecord } from '../storage/repositories/sources-repository.ts';
import type { Store } from '../storage/store.ts';
import { SafeDispatchers } from '../delivery/safe-dispatcher.ts';
import { guardedFetch, guardedSockets } from './guarded-fetch.ts';
import { describeFailure, errorSummary, RunStopped } from './sync-failure.ts';
import { createRecordMapper, type RecordMapper } from './record-mapper.ts';
import { executeRun } from './sync-run.ts';

type Log = { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };

export type SyncServiceOptions = {
  store: Store;
  secrets: SecretBox;
  settings: TenantSettingsCache;
  /** Brings this instance's phonebook index up to date after a run changed contacts. */
  phonebook?: { refresh(): Promise<void> };
  log?: Log;
  /** Replaces the SSRF-guarded fetch of every run (by default each tenant's allow-list applies). */
  fetch?: typeof fetch;
  /** Names this process in leases. */
  instanceId?: string;
  /** A run's lease; renewed every third of it. */
  leaseMs?: number;
  /** A run fails when its source sends nothing for this long. */
  idleTimeoutMs?: number;
  /** The scheduler's poll interval. */
  pollMs?: number;
  /** Runs this instance starts by itself at once. */
  maxScheduled?: number;
  /** Prepares new and changed records; by default on worker threads (createRecordMapper). */
  mapper?: RecordMapper;
  /** How an in-process database's apply slices its statements (SourceSyncRepository; null: not at all). */
  applySlices?: ApplySlices | null;
};

/** A run going on in this process. */
export type ActiveRun = { runId: string; sourceId: string; trigger: string; startedAt: string; read: number; total?: number; done: Promise<SyncReport> };

export type StartResult = { ok: true; run: ActiveRun } | { ok: false; reason: 'not_found' | 'running' };

export class SyncService {
  #o: Required<Omit<SyncServiceOptions, 'phonebook' | 'fetch' | 'mapper' | 'applySlices'>> & Pick<SyncServiceOptions, 'phonebook' | 'fetch'>;
  // Readers set their own total timeouts; the dispatcher's bound how long a silent server may keep a
  // connection (the engine's idle watchdog is 120 s).
  #dispatchers = new SafeDispatchers({ connectMs: 10_000, totalMs: 120_000 });
  #repo: SourceSyncRepository;
  #mapper: RecordMapper;
  #active = new Map<string, ActiveRun & { controller: AbortController }>();
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: SyncServiceOptions) {
    this.#o = {
      log: { info() {}, warn() {} },
      instanceId: uuidv7(),
      leaseMs: 60_000,
      idleTimeoutMs: 120_000,
      pollMs: 15_000,
      maxScheduled: 2,
      ...options,
    };
    this.#repo = new SourceSyncRepository(options.store.dialect, { applySlices: options.applySlices });
    // Its threads start with the first large batch and end with stop() (a later run starts them again).
    this.#mapper = options.mapper ?? createRecordMapper();
  }

  /** Starts the scheduler: due sources now, then every `pollMs`. */
  start(): void {
    this.#stopped = false;
    this.#timer = setInterval(() => void this.tick(), this.#o.pollMs);
    this.#timer.unref();
    void this.tick();
  }

  /** Stops the scheduler and every run of this process (each fails, changing nothing). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#ticking.catch(() => {});
    const runs = [...this.#active.values()];
    for (const r of runs) r.controller.abort(new RunStopped('The server stopped during the run'));
    await Promise.all(runs.map((r) => r.done.catch(() => {})));
    await this.#dispatchers.close();
    await this.#mapper.close();
  }

  /** Runs the due sources (at most `maxScheduled` at once from this process). */
  tick(): Promise<void> {
    this.#ticking = this.#ticking.then(async () => {
      if (this.#stopped) return;
      const free = this.#o.maxScheduled - [...this.#active.values()].filter((r) => r.trigger === 'scheduled').length;
      if (free <= 0) return;
      try {
        for (const source of await this.#o.store.sources.due(new Date().toISOString(), free)) {
          await this.#begin(source, 'scheduled');
        }
      } catch (err) {
        this.#o.log.warn(errorSummary(err), 'source scheduler failed');
      }
    });
    return this.#ticking;
  }

  /** Stops this process's run of the source, if any (it fails, changing nothing). */
  cancel(sourceId: string): void {
    this.#active.get(sourceId)?.controller.abort(new RunStopped('The run was stopped: the source was deleted'));
  }

  /** The run of this process for a source, with its progress. */
  active(sourceId: string): ActiveRun | undefined {
    const r = this.#active.get(sourceId);
    return r && { runId: r.runId, sourceId: r.sourceId, trigger: r.trigger, startedAt: r.startedAt, read: r.read, total: r.total, done: r.done };
  }

  /** Starts a run now (`manual`, or `upload` with the uploaded bytes); `running` when one goes on anywhere. */
  async startRun(tenantId: string, sourceId: string, options: { trigger?: 'manual' | 'upload'; upload?: AsyncIterable<Uint8Array>; onProgress?: (read: number, total?: number) => void } = {}): Promise<StartResult> {
    const source = await this.#o.store.sources.get(tenantId, sourceId);
    if (!source) return { ok: false, reason: 'not_found' };
    const run = await this.#begin(source, options.trigger ?? 'manual', options.upload, options.onProgress);
    return run ? { ok: true, run } : { ok: false, reason: 'running' };
  }

  async #begin(source: SourceRecord, trigger: string, upload?: AsyncIterable<Uint8Array>, onProgress?: (read: number, total?: number) => void): Promise<ActiveRun | undefined> {
    const runId = uuidv7();
    const now = Date.now();
    const claimed = await this.#o.store.sources.claim(source.id, this.#o.instanceId, runId, new Date(now).toISOString(), new Date(now + this.#o.leaseMs).toISOString());
    if (!claimed) return undefined;
    const controller = new AbortController();
    const entry = { runId, sourceId: source.id, trigger, startedAt: new Date(now).toISOString(), read: 0, total: undefined as number | undefined, controller, done: undefined as unknown as Promise<SyncReport> };
    entry.done = this.#run(source, entry, upload, onProgress).finally(() => this.#active.delete(source.id));
    entry.done.catch(() => {});
    this.#active.set(source.id, entry);
    return this.active(source.id);
  }

  async #run(source: SourceRecord, entry: ActiveRun & { controller: AbortController }, upload: AsyncIterable<Uint8Array> | undefined, onProgress?: (read: number, total?: number) => void): Promise<SyncReport> {
    const { store, leaseMs, idleTimeoutMs } = this.#o;
    const report = new ReportBuilder(entry.runId, entry.trigger);
    const interval = isSyncInterval(source.interval) ? source.interval : 'off';
    const next = (at: number) => nextRunAt(interval, source.enabled, at);
    const abort = (err: Error) => entry.controller.abort(err);
    const renew = setInterval(() => {
      const until = new Date(Date.now() + leaseMs).toISOString();
      store.sources
        .renew(source.id, entry.runId, until, { read: entry.read, ...(entry.total !== undefined ? { total: entry.total } : {}) })
        .then((held) => held || abort(new RunStopped('The run was stopped: the source was deleted or another instance took it over')))
        .catch(() => {});
    }, Math.max(50, Math.floor(leaseMs / 3)));
    let idle: NodeJS.Timeout | undefined;
    const watch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => abort(new SourceError('timeout', `The source sent nothing for ${idleTimeoutMs >= 1000 ? `${Math.round(idleTimeoutMs / 1000)} s` : `${idleTimeoutMs} ms`}`)), idleTimeoutMs);
    };
    try {
      const type = directorySourceType(source.type);
      if (!type) throw new SourceError('remote', `Unknown source type "${source.type}"`);
      const secrets = source.secrets ? (JSON.parse(this.#o.secrets.open(source.secrets)) as Record<string, unknown>) : {};
      watch();
      const allowList = (await store.tenants.get(source.tenantId))?.deliveryAllowList ?? [];
      const result = await executeRun(
        this.#repo,
        {
          source,
          type,
          options: { ...source.options, ...secrets },
          runId: entry.runId,
          trigger: entry.trigger,
          numbering: await this.#o.settings.numbering(source.tenantId),
          signal: entry.controller.signal,
          fetch: this.#o.fetch ?? guardedFetch(this.#dispatchers, allowList),
          sockets: guardedSockets(allowList),
          upload,
          nextRunAt: next,
          onProgress: (read, total) => {
            entry.read = read;
            entry.total = total;
            onProgress?.(read, total);
          },
          onItem: watch,
          mapper: this.#mapper,
        },
        report,
      );
      this.#o.log.info({ source: source.id, run: entry.runId, added: result.added, changed: result.changed, removed: result.removed, skipped: result.skipped, ms: result.durationMs }, 'source synced');
      if (result.added + result.changed + result.removed > 0) await this.#o.phonebook?.refresh().catch(() => {});
      return result;
    } catch (err) {
      const failure = describeFailure(err);
      if (failure.internal) this.#o.log.warn({ source: source.id, run: entry.runId, ...errorSummary(err), stack: err instanceof Error ? err.stack?.split('\n').slice(1).join('\n') : undefined }, 'source sync failed');
      const failed = report.failed(failure.message);
      await store.sources.recordFailure(source.id, entry.runId, failure.message, failed, new Date().toISOString(), next(Date.now())).catch(() => {});
      return failed;
    } finally {
      clearInterval(renew);
      clearTimeout(idle);
    }
  }
}
