/**
 * A throw-away PostgreSQL cluster for tests, from the distribution's server binaries
 * (`/usr/lib/postgresql/<version>/bin`). `initdb` refuses to run as root, so as root every server
 * command runs as the `postgres` user through `runuser`; as anyone else it runs directly.
 *
 * The cluster lives in a temp dir (`callbridge-pg-*`) holding the data dir, the log, the Unix socket
 * and `owner.pid`. Durability is switched off (`fsync=off`): the data is thrown away anyway. A run
 * that was killed outright (SIGKILL) leaves its cluster behind; the next start stops and deletes
 * clusters whose owner process is gone.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, chownSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type TestCluster = {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: the maintenance database of the cluster. */
  readonly url: string;
  readonly dir: string;
  /** Stops the server and deletes its directory. Safe to call twice. */
  stop(): Promise<void>;
  /** The same, synchronously, for `process.on('exit')`. */
  stopSync(): void;
};

/** The server tests use; set by the global setup, or by hand to use a server of your own. */
export const DATABASE_URL_ENV = 'CALLBRIDGE_TEST_DATABASE_URL';

const INSTALL_HINT = 'Install the server: apt-get install -y postgresql (or set CALLBRIDGE_TEST_DATABASE_URL to a server to use).';
const DIR_PREFIX = 'callbridge-pg-';

/** The newest installed server's bin directory; throws (never skips) when there is none. */
export function findPostgresBin(root = '/usr/lib/postgresql'): string {
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    : [];
  if (versions.length === 0) {
    throw new Error(`PostgreSQL server binaries (initdb, pg_ctl) not found under ${root}/<version>/bin. ${INSTALL_HINT}`);
  }
  return join(root, versions[0], 'bin');
}

const asRoot = () => process.getuid?.() === 0;

/** argv for running a server binary as the right user. */
function command(bin: string, args: string[]): [string, string[]] {
  return asRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

function run(bin: string, args: string[]): Promise<void> {
  const [file, argv] = command(bin, args);
  return new Promise((resolve, reject) => {
    execFile(file, argv, { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${[bin, ...args].join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve();
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function logTail(dir: string): string {
  try {
    return readFileSync(join(dir, 'log'), 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no server log)';
  }
}

function stopAndDeleteSync(bin: string, dir: string): void {
  if (existsSync(join(dir, 'data', 'postmaster.pid'))) {
    const [file, argv] = command(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'immediate', '-w', '-t', '30', 'stop']);
    spawnSync(file, argv, { stdio: 'ignore', timeout: 40_000 });
  }
  rmSync(dir, { recursive: true, force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stops and deletes clusters left by test runs that were killed before their teardown. */
function reapOrphans(bin: string, parent: string): void {
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(parent, name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'));
    } catch {
      continue; // Being created right now, or not ours.
    }
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
      try {
        stopAndDeleteSync(bin, dir);
      } catch {
        // Someone else's leftovers we may not touch: not worth failing the run for.
      }
    }
  }
}

/**
 * Creates and starts a cluster on a free port of 127.0.0.1 with trust authentication. The caller owns
 * it: `stop()` it in teardown (and `stopSync()` on process exit as a safety net).
 */
export async function startTestCluster(): Promise<TestCluster> {
  const bin = findPostgresBin();
  if (asRoot() && spawnSync('id', ['-u', 'postgres'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`Running as root, but there is no 'postgres' user to run the server as. ${INSTALL_HINT}`);
  }
  const parent = tmpdir();
  reapOrphans(bin, parent);
  const dir = mkdtempSync(join(parent, DIR_PREFIX));
  writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    stopAndDeleteSync(bin, dir);
  };
  try {
    if (asRoot()) {
      const pgUser = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
      const pgGroup = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
      chownSync(dir, Number(pgUser.stdout.trim()), Number(pgGroup.stdout.trim()));
    }
    await run(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const options = [
        '-c listen_addresses=127.0.0.1',
        `-p ${port}`,
        `-k '${dir}'`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=300',
        // Tests that provoke deadlocks should not wait the default second for the detector.
        '-c deadlock_timeout=100ms',
      ].join(' ');
      try {
        await run(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-l', join(dir, 'log'), '-w', '-t', '60', '-o', options, 'start']);
        break;
      } catch (err) {
        // The port may have been taken between probing and binding; anything else repeats and surfaces.
        if (attempt >= 3) throw new Error(`${(err as Error).message}\nserver log:\n${logTail(dir)}`);
      }
    }
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      dir,
      stopSync,
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          await run(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'immediate', '-w', '-t', '30', 'stop']);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    stopSync();
    throw err;
  }
}

