/**
 * A throw-away Radicale CardDAV server for tests (`/usr/bin/radicale`, Debian package `radicale`),
 * its collections in a temp dir that `stop()` deletes. Without `users` anyone may log in under any
 * name (`--auth-type none`); with `users` it checks a plain-text htpasswd file.
 *
 * Seeding goes over HTTP like any client: an extended MKCOL creates an address book (RFC 5689),
 * PUT and DELETE write cards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.ts';

const RADICALE = '/usr/bin/radicale';

export type TestRadicale = {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Creates an address book `/<user>/<book>/` as that user. */
  createAddressBook(user: string, password: string, book: string, displayName?: string): Promise<void>;
  /** PUTs a card at `/<user>/<book>/<name>.vcf`. */
  putCard(user: string, password: string, book: string, name: string, vcard: string): Promise<void>;
  deleteCard(user: string, password: string, book: string, name: string): Promise<void>;
  /** Kills the server at once (SIGKILL), leaving its files: a crash. */
  kill(): Promise<void>;
  /** Stops the server and deletes its directory. Safe to call twice. */
  stop(): Promise<void>;
};

export async function startRadicale(options: { users?: Record<string, string> } = {}): Promise<TestRadicale> {
  if (!existsSync(RADICALE)) throw new Error(`${RADICALE} not found. Install it: apt-get install -y radicale`);
  const dir = mkdtempSync(join(tmpdir(), 'callbridge-radicale-'));
  const port = await freePort();
  const args = ['--config', '', '--server-hosts', `127.0.0.1:${port}`, '--storage-filesystem-folder', join(dir, 'collections')];
  if (options.users) {
    writeFileSync(join(dir, 'users'), Object.entries(options.users).map(([u, p]) => `${u}:${p}\n`).join(''));
    args.push('--auth-type', 'htpasswd', '--auth-htpasswd-filename', join(dir, 'users'), '--auth-htpasswd-encryption', 'plain', '--auth-delay', '0');
  } else {
    args.push('--auth-type', 'none');
  }
  const child: ChildProcess = spawn(RADICALE, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()).length > 20_000 && (stderr = stderr.slice(-10_000)));
  let exit: string | null = null;
  child.once('exit', (code, signal) => (exit = `radicale exited (${code ?? signal}): ${stderr.slice(-2000)}`));
  const kill = async () => {
    if (exit !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  };
  const stop = async () => {
    await kill();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, 15_000, () => exit);
  } catch (err) {
    await stop();
    throw err;
  }
  const url = `http://127.0.0.1:${port}`;
  const request = async (method: string, path: string, user: string, password: string, body?: string, contentType?: string) => {
    const headers: Record<string, string> = { authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') };
    if (contentType) headers['content-type'] = contentType;
    const response = await fetch(`${url}${path}`, { method, headers, body });
    await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: HTTP ${response.status}`);
  };
  return {
    url,
    createAddressBook: (user, password, book, displayName = book) =>
      request(
        'MKCOL',
        `/${user}/${book}/`,
        user,
        password,
        `<?xml version="1.0"?><mkcol xmlns="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><set><prop><resourcetype><collection/><CR:addressbook/></resourcetype><displayname>${displayName}</displayname></prop></set></mkcol>`,
        'application/xml',
      ),
    putCard: (user, password, book, name, vcard) => request('PUT', `/${user}/${book}/${name}.vcf`, user, password, vcard, 'text/vcard'),
    deleteCard: (user, password, book, name) => request('DELETE', `/${user}/${book}/${name}.vcf`, user, password),
    kill,
    stop,
  };
}
