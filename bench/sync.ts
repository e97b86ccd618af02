/**
 * Phonebook sync: a generated CSV of 1,000,000 rows (id, first and last name, company, business and
 * mobile number, e-mail; German formats) served by a local HTTP server, imported into a fresh SQLite
 * store through the real engine (download, decode, parse, map, stage, apply), then re-synced with 1 %
 * of the rows changed. Reference, measured in the same run: csv-parse alone over the same bytes with
 * the same options (the floor any CSV import pays).
 *
 * `BENCH_SYNC_ROWS` changes the row count; `BENCH_DATABASE_URL=postgres://…` runs on PostgreSQL;
 * `BENCH_SYNC_PROFILE=import` or `resync` writes a CPU profile of that phase.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import { parse } from 'csv-parse';
import { bootstrap } from '../src/compose.ts';
import { uuidv7 } from '../src/core/ids.ts';
import { TenantSettingsCache } from '../src/journal/tenant-settings.ts';
import { SecretBox } from '../src/storage/secret-box.ts';
import { openStore } from '../src/storage/store.ts';
import { createRecordMapper } from '../src/sync/record-mapper.ts';
import { SyncService } from '../src/sync/sync-service.ts';
import type { BenchRow } from './table.ts';

const ROWS = Number(process.env.BENCH_SYNC_ROWS ?? 1_000_000);
const FIRST = ['Anna', 'Ben', 'Clara', 'David', 'Emma', 'Felix', 'Greta', 'Hannes', 'Ida', 'Jonas', 'Jürgen', 'Sören', 'Ömer', 'Marie'];
const LAST = ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Schäfer', 'Krüger', 'Weiß'];
const AREAS = ['30', '40', '89', '69', '221', '711'];

/** Row i of the file; `changed` rows get another business number (the 1 % of the re-sync). */
function row(i: number, changed: boolean): string {
  const area = AREAS[i % AREAS.length];
  const sub = String(2_000_000 + ((i * 7919) % 7_000_000)).padStart(7, '0');
  const business = `0${area} ${sub}${changed ? '9' : ''}`;
  const mobile = i % 3 === 0 ? `0171 ${String(1_000_000 + i).slice(-7)}` : '';
  const first = FIRST[i % FIRST.length];
  const last = LAST[(i >> 4) % LAST.length];
  return `C${i};${first};${last};${i % 5 === 0 ? `${last} GmbH` : ''};${business};${mobile};${first.toLowerCase()}.${i}@example.de\r\n`;
}

async function writeCsv(file: string, changedEvery: number): Promise<void> {
  const out = createWriteStream(file);
  out.write('Kundennummer;Vorname;Nachname;Firma;Telefon geschäftlich;Mobiltelefon;E-Mail\r\n');
  let chunk = '';
  for (let i = 0; i < ROWS; i++) {
    chunk += row(i, changedEvery > 0 && i % changedEvery === 0);
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  out.end(chunk);
  await new Promise<void>((r) => out.once('finish', () => r()));
}

/**
 * Wall time, CPU time of this process (user + system: on a shared, loaded machine the wall time
 * includes waiting for a core, the CPU time does not), RSS before and at its peak (sampled every 50 ms),
 * and the longest the event loop was held up meanwhile (the engine runs on the thread that would
 * serve requests: a request arriving then waits that long).
 */
async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; peakMb: number; beforeMb: number; ms: number; cpuMs: number; stallMs: number }> {
  const beforeMb = process.memoryUsage.rss() / 1048576;
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const cpu = process.cpuUsage();
  const started = performance.now();
  try {
    const value = await fn();
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    // A stall that ended the run is only recorded once the loop's timers run again.
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { value, peakMb: Math.max(peak, process.memoryUsage.rss()) / 1048576, beforeMb, ms, cpuMs: (used.user + used.system) / 1000, stallMs: delay.max / 1e6 };
  } finally {
    delay.disable();
    clearInterval(timer);
  }
}

/** BENCH_SYNC_PROFILE=import|resync: a CPU profile of that phase only, written to the temp dir. */
async function profiled<T>(phase: string, fn: () => Promise<T>): Promise<T> {
  if (process.env.BENCH_SYNC_PROFILE !== phase) return fn();
  const session = new Session();
  session.connect();
  const post = (method: string) => new Promise<unknown>((resolve, reject) => session.post(method, (err, result) => (err ? reject(err) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = (await post('Profiler.stop')) as { profile: object };
    const file = join(tmpdir(), `callbridge-sync-${phase}-${Date.now()}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    console.log(`CPU profile of the ${phase}: ${file}`);
    session.disconnect();
  }
}

/**
 * SQLite: waits until the import's write-ahead log (hundreds of MB) is copied into the database and
 * cut back, the state a scheduled re-sync finds the store in. Otherwise the re-sync would share the
 * cores with that copy (the store's checkpointer thread does it in the background, busy until it is
 * done) and its first write would pay for cutting the log. Returns how long that took (reported
 * beside the import), or null.
 */
async function settle(label: string): Promise<number | null> {
  if (!label.startsWith('sqlite:')) return null;
  const started = performance.now();
  const db = new DatabaseSync(label.slice('sqlite:'.length));
  try {
    const checkpoint = db.prepare('pragma wal_checkpoint(truncate)');
    // Busy while the checkpointer thread copies; bounded, should a reader hold the log.
    while ((checkpoint.get() as { busy: number }).busy !== 0 && performance.now() - started < 120_000) await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    db.close();
  }
  return performance.now() - started;
}

async function parseOnly(file: string): Promise<{ ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const parser = parse({ delimiter: ';', record_delimiter: ['\r\n', '\n', '\r'], relax_column_count: true, relax_quotes: true, trim: true });
  createReadStream(file).pipe(parser);
  let n = 0;
  for await (const _ of parser) n++;
  if (n !== ROWS + 1) throw new Error(`parsed ${n} rows`);
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

export async function runSyncBench(): Promise<{ rows: BenchRow[]; details: Record<string, unknown> }> {
  const dir = mkdtempSync(join(tmpdir(), 'callbridge-bench-sync-'));
  const file = join(dir, 'phonebook.csv');
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/phonebook.csv`;
  const store = await openStore({ databaseUrl: process.env.BENCH_DATABASE_URL ?? `sqlite:${join(dir, 'bench.db')}`, dataDir: dir });
  try {
    await bootstrap(store, 'DE');
    // The CSV server is on loopback, which sources' SSRF guard refuses unless the tenant allow-lists it.
    await store.tenants.update('default', { deliveryAllowList: ['127.0.0.1'] }, new Date().toISOString());
    await writeCsv(file, 0);
    const bytes = statSync(file).size;
    const reference = await parseOnly(file);
    const referenceMs = reference.ms;
    const now = new Date().toISOString();
    const id = uuidv7();
    await store.sources.insert({
      id, tenantId: 'default', type: 'csv', name: 'bench', description: null, options: { url, recordIdColumn: 'Kundennummer', delimiter: 'auto', encoding: 'auto', timeoutSeconds: 600 },
      secrets: null, interval: 'off', enabled: true, state: null, nextRunAt: null, leaseOwner: null, leaseUntil: null, runId: null, runStartedAt: null, progress: null,
      lastSuccessAt: null, lastError: null, lastErrorAt: null, lastReport: null, createdAt: now, updatedAt: now,
    });
    // BENCH_SYNC_THREADS=0 prepares records inline (the engine's default: worker threads, the cores but one).
    const threads = process.env.BENCH_SYNC_THREADS;
    const mapper = threads === undefined ? undefined : createRecordMapper({ threads: Number(threads) });
    const sync = new SyncService({ store, secrets: new SecretBox(randomBytes(32)), settings: new TenantSettingsCache(store), mapper });
    const run = async () => {
      const started = await sync.startRun('default', id);
      if (!started.ok) throw new Error(started.reason);
      const report = await started.run.done;
      if (!report.ok) throw new Error(report.error ?? 'failed');
      return report;
    };
    (globalThis as { gc?: () => void }).gc?.();
    const first = await measure(() => profiled('import', run));
    const checkpointMs = await settle(store.dialect.label);
    await writeCsv(file, 100);
    (globalThis as { gc?: () => void }).gc?.();
    const changesBefore = await store.contacts.maxChangeSeq();
    const second = await measure(() => profiled('resync', run));
    const written = (await store.contacts.maxChangeSeq()) - changesBefore;
    await sync.stop();
    const rowsPerS = ROWS / (first.ms / 1000);
    const parseRowsPerS = ROWS / (referenceMs / 1000);
    const details = {
      rows: ROWS,
      megabytes: Math.round(bytes / 1048576),
      store: store.dialect.label,
      recordThreads: threads ?? 'default',
      loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10),
      importCheckpointMs: checkpointMs === null ? null : Math.round(checkpointMs),
      import: { ms: Math.round(first.ms), cpuMs: Math.round(first.cpuMs), stallMs: Math.round(first.stallMs), rowsPerS: Math.round(rowsPerS), rssBeforeMb: Math.round(first.beforeMb), peakRssMb: Math.round(first.peakMb), report: { ...first.value, skippedItems: undefined } },
      resync: { ms: Math.round(second.ms), cpuMs: Math.round(second.cpuMs), stallMs: Math.round(second.stallMs), rowsWritten: written, peakRssMb: Math.round(second.peakMb), report: { ...second.value, skippedItems: undefined } },
      reference: { csvParseMs: Math.round(referenceMs), csvParseCpuMs: Math.round(reference.cpuMs), rowsPerS: Math.round(parseRowsPerS) },
    };
    const rows: BenchRow[] = [
      { figure: `sync: import ${ROWS.toLocaleString('en-US')} rows`, value: first.ms / 1000, unit: 's', reference: 'csv-parse alone', referenceValue: referenceMs / 1000, ratio: first.ms / referenceMs, target: '≤ 20 s for 1M rows', met: ROWS >= 1_000_000 ? first.ms <= 20_000 : undefined },
      { figure: 'sync: import CPU time', value: first.cpuMs / 1000, unit: 's', reference: 'csv-parse alone', referenceValue: reference.cpuMs / 1000, ratio: first.cpuMs / reference.cpuMs, target: '' },
      { figure: 'sync: import, longest event-loop stall', value: first.stallMs, unit: 'ms', reference: 'the import', referenceValue: first.ms, ratio: first.stallMs / first.ms, target: '' },
      { figure: 'sync: import rate', value: rowsPerS, unit: 'rows/s', reference: 'csv-parse alone', referenceValue: parseRowsPerS, ratio: rowsPerS / parseRowsPerS, target: '' },
      { figure: 'sync: import peak RSS', value: first.peakMb, unit: 'MB', reference: 'RSS before the import', referenceValue: first.beforeMb, ratio: first.peakMb / first.beforeMb, target: '' },
      ...(checkpointMs === null ? [] : [{ figure: "sync: the import's log checkpointed (after the run)", value: checkpointMs / 1000, unit: 's', reference: 'the import', referenceValue: first.ms / 1000, ratio: checkpointMs / first.ms, target: '' }]),
      { figure: 'sync: re-sync, 1 % changed', value: second.ms / 1000, unit: 's', reference: 'csv-parse alone', referenceValue: referenceMs / 1000, ratio: second.ms / referenceMs, target: '≤ 5 s for 1M rows', met: ROWS >= 1_000_000 ? second.ms <= 5_000 : undefined },
      { figure: 'sync: re-sync, longest event-loop stall', value: second.stallMs, unit: 'ms', reference: 'the re-sync', referenceValue: second.ms, ratio: second.stallMs / second.ms, target: '' },
      { figure: 'sync: re-sync CPU time', value: second.cpuMs / 1000, unit: 's', reference: 'csv-parse alone', referenceValue: reference.cpuMs / 1000, ratio: second.cpuMs / reference.cpuMs, target: '' },
      { figure: 'sync: re-sync contacts written', value: written, unit: 'rows', reference: 'rows changed', referenceValue: Math.ceil(ROWS / 100), ratio: written / Math.ceil(ROWS / 100), target: 'only the changes', met: written === Math.ceil(ROWS / 100) },
    ];
    return { rows, details };
  } finally {
    await store.close();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
}
