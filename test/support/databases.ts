/**
 * The dialect matrix: every storage and API test runs once per database. `open()` gives a fresh,
 * migrated store of its own (SQLite: a file in a temp dir; PostgreSQL: a new database on the shared
 * test server); `store.close()` closes it and deletes the file or drops the database.
 *
 *   forEachDialect('calls repository', (d) => {
 *     it('lists', async () => {
 *       const store = await d.open();
 *       try { … } finally { await store.close(); }
 *     });
 *   });
 *
 * The PostgreSQL server comes from `CALLBRIDGE_TEST_DATABASE_URL`, which the global setup sets for a
 * `npm test` run. A file run on its own (`node --test test/x.test.ts`) starts a cluster for its own
 * process instead, deleted when the process exits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import pg from 'pg';
import { openStore, type Store } from '../../src/storage/store.ts';
import { DATABASE_URL_ENV, startTestCluster } from './postgres.ts';

export type DialectName = 'sqlite' | 'postgres';

export type TestDialect = {
  name: DialectName;
  /** A fresh, migrated store no other test sees. Close it when done: that also deletes it. */
  open(): Promise<Store>;
};

/** Stores opened and not closed yet; closed after the file's last test so the process can exit. */
const unclosed = new Set<Store>();

after(async () => {
  await Promise.all([...unclosed].map((s) => s.close()));
});

export const DIALECTS: TestDialect[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'callbridge-sqlite-'));
      let store: Store;
      try {
        store = await openStore({ databaseUrl: `sqlite:${join(dir, 'test.db')}`, dataDir: dir });
      } catch (err) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
      return track(store, () => rmSync(dir, { recursive: true, force: true }));
    },
  },
  {
    name: 'postgres',
    async open() {
      const server = await serverUrl();
      const name = databaseName();
      await admin(server, `create database "${name}"`);
      const url = new URL(server);
      url.pathname = `/${name}`;
      let store: Store;
      try {
        store = await openStore({ databaseUrl: url.toString(), dataDir: tmpdir() });
      } catch (err) {
        await dropDatabase(server, name).catch(() => {});
        throw err;
      }
      return track(store, () => dropDatabase(server, name));
    },
  },
];

/** Declares the suite once per dialect: `<title> [sqlite]`, `<title> [postgres]`. */
export function forEachDialect(title: string, fn: (dialect: TestDialect) => void | Promise<void>): void {
  for (const dialect of DIALECTS) {
    describe(`${title} [${dialect.name}]`, () => fn(dialect));
  }
}

/** Makes `close()` idempotent and have it delete the database after the pool is gone. */
function track(store: Store, remove: () => void | Promise<void>): Store {
  let closing: Promise<void> | undefined;
  const tracked: Store = {
    ...store,
    close() {
      closing ??= (async () => {
        unclosed.delete(tracked);
        try {
          await store.close();
        } finally {
          await remove();
        }
      })();
      return closing;
    },
  };
  unclosed.add(tracked);
  return tracked;
}

let counter = 0;

function databaseName(): string {
  counter += 1;
  return `cbtest_${process.pid}_${counter}_${Math.random().toString(36).slice(2, 8)}`;
}

let ownServer: Promise<string> | undefined;

/** The shared server from the global setup, or one started for this process alone. */
function serverUrl(): Promise<string> {
  const given = process.env[DATABASE_URL_ENV];
  if (given) return Promise.resolve(given);
  ownServer ??= startTestCluster().then((cluster) => {
    process.once('exit', () => cluster.stopSync());
    return cluster.url;
  });
  return ownServer;
}

/**
 * Drops a test database once its sessions are gone. Not `WITH (FORCE)` straight away: the pool's
 * `end()` resolves before its sockets close, and a session terminated under it makes the pool emit
 * an `error` that nobody listens to, which kills the process.
 */
async function dropDatabase(server: string, name: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await admin(server, `drop database if exists "${name}"`);
      return;
    } catch (err) {
      // 55006: "database is being accessed by other users".
      if ((err as { code?: string }).code !== '55006') throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await admin(server, `drop database if exists "${name}" with (force)`);
}

/** Runs one statement on the server's maintenance database (CREATE/DROP DATABASE cannot run in a transaction). */
async function admin(server: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: server, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
