/**
 * Checkpoints the write-ahead log from a worker thread with its own connection, so the thread that
 * serves requests never pays for one. With SQLite's automatic checkpoint, the commit that pushes the
 * log past 1,000 pages copies them into the database file and syncs it: an ingest request then waits
 * milliseconds (after a large phonebook sync, seconds) behind work that is not its own. A PASSIVE
 * checkpoint runs beside writers without blocking them; once it has copied every frame, the next write
 * starts the log from its beginning again. The serving connection turns its automatic checkpoints off
 * (`wal_autocheckpoint = 0`) only while this runs.
 */
import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints (a log grows by at most this much writing in between). */
const INTERVAL_MS = 100;

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.file);
db.exec('pragma busy_timeout = 1000');
const checkpoint = db.prepare('pragma wal_checkpoint(passive)');
const run = () => { try { checkpoint.get(); } catch { /* busy or closed: the next tick tries again */ } };
const timer = setInterval(run, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'close') return;
  clearInterval(timer);
  run();
  db.close();
  parentPort.close();
});
`;

export type WalCheckpointer = { close(): Promise<void> };

export function startWalCheckpointer(file: string): WalCheckpointer {
  const worker = new Worker(WORKER, { eval: true, workerData: { file, intervalMs: INTERVAL_MS } });
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async close() {
      worker.postMessage('close');
      // A worker that does not finish its last checkpoint in time is stopped; its connection goes with it.
      const timeout = setTimeout(() => void worker.terminate(), 5_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
