/**
 * Global setup for `node --test --test-global-setup=test/support/global-setup.ts`: starts one
 * throw-away PostgreSQL cluster for the whole run and stops it afterwards, whether tests pass, fail or
 * the run is interrupted (the runner calls `globalTeardown` on SIGINT/SIGTERM too).
 *
 * The runner calls these in its own process before spawning the test files; the child processes
 * inherit its `process.env`, so setting `CALLBRIDGE_TEST_DATABASE_URL` here hands the server to every
 * test file (test/support/databases.ts reads it). When the variable is already set, that server is
 * used and nothing is started.
 */
import pg from 'pg';
import { DATABASE_URL_ENV, startTestCluster, type TestCluster } from './postgres.ts';

let cluster: TestCluster | undefined;

export async function globalSetup(): Promise<void> {
  const given = process.env[DATABASE_URL_ENV];
  if (given) {
    await assertReachable(given);
    return;
  }
  cluster = await startTestCluster();
  // Safety net: the cluster must not outlive the runner, whichever way it exits.
  const started = cluster;
  process.once('exit', () => started.stopSync());
  process.env[DATABASE_URL_ENV] = cluster.url;
}

export async function globalTeardown(): Promise<void> {
  const c = cluster;
  cluster = undefined;
  await c?.stop();
}

async function assertReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    throw new Error(`${DATABASE_URL_ENV}=${redact(url)} is not reachable: ${(err as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
