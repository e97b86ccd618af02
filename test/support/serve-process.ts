/**
 * `callbridge serve` as a real process over one data directory, for end-to-end tests that kill and
 * restart it. Registers an `after` hook that kills every started process and deletes the directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

export const CLI = join(new URL('../..', import.meta.url).pathname, 'bin/callbridge.js');

export type ServeProcess = { child: ChildProcess; url: string; output: () => string };

/** `databaseUrl`: serve on that database (PostgreSQL) instead of SQLite in the data directory; `env`: extra environment. */
export type ServeOptions = { databaseUrl?: string; env?: Record<string, string> };

export function serveProcesses(prefix: string, options: ServeOptions = {}): { dataDir: string; serve(): Promise<ServeProcess> } {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });
  /** Starts `serve` and resolves with its URL and everything it printed up to listening. */
  const serve = () => {
    const database = options.databaseUrl ? ['--database', options.databaseUrl] : [];
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn', ...database], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    children.push(child);
    let out = '';
    return new Promise<ServeProcess>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 20_000);
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        // The first-start banner follows the listening line; give it a moment to arrive whole.
        if (m) setTimeout(() => (clearTimeout(timer), resolve({ child, url: m[1], output: () => out })), 300);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
    });
  };
  return { dataDir, serve };
}
