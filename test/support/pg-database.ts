/**
 * A fresh, empty PostgreSQL database on the test server, for tests that hand a URL to something other
 * than `openStore` (a `callbridge serve` process, two instances). Dropped after the file's tests.
 */
import { after } from 'node:test';
import pg from 'pg';
import { DATABASE_URL_ENV, startTestCluster } from './postgres.ts';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => {});
});

let own: Promise<string> | undefined;

function server(): Promise<string> {
  const given = process.env[DATABASE_URL_ENV];
  if (given) return Promise.resolve(given);
  own ??= startTestCluster().then((cluster) => {
    cleanup.unshift(() => cluster.stop());
    process.once('exit', () => cluster.stopSync());
    return cluster.url;
  });
  return own;
}

export async function adminQuery(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** The URL of a new database; `with (force)` drops it at the end even if a killed server left sessions. */
export async function freshPostgresDatabase(prefix = 'cbfault'): Promise<string> {
  const base = await server();
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await adminQuery(base, `create database "${name}"`);
  cleanup.push(() => adminQuery(base, `drop database if exists "${name}" with (force)`));
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}
