/**
 * `callbridge sources …` as users run it: a child process on a fresh SQLite data directory, a CSV
 * served over HTTP with basic auth, and a file synced without a URL.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PASSWORD, startCsvServer, USER, type CsvServer } from '../../../test/support/csv-server.ts';
import { openStore } from '../../storage/store.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('callbridge sources', () => {
  let dir: string;
  let csv: CsvServer;
  const cli = (...args: string[]) => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CALLBRIDGE_')) env[k] = v;
    // Not spawnSync: the test's HTTP server answers on this process's event loop.
    return new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(join(ROOT, 'node_modules/.bin/node'), [join(ROOT, 'bin/callbridge.js'), ...args, '--data-dir', dir], { cwd: ROOT, env, encoding: 'utf8' }, (error, out, err) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
      );
    });
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callbridge-cli-sources-'));
    csv = await startCsvServer('Name;Firma;Telefon\r\nAnna Alt;Alt GmbH;030 1111111\r\nBert Bau;;030 2222222\r\nOhne Nummer;;\r\n');
    assert.equal((await cli('tenants', 'create', 'default')).code, 0);
    // The CSV server is on loopback: sources' SSRF guard refuses it unless the tenant allow-lists it.
    const store = await openStore({ dataDir: dir });
    await store.tenants.update('default', { deliveryAllowList: ['127.0.0.1'] }, new Date().toISOString());
    await store.close();
  });
  after(async () => {
    await csv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds a CSV source by URL, syncs it with the report at the end, and lists it', async () => {
    writeFileSync(join(dir, 'pass'), PASSWORD + '\n');
    const added = await cli('sources', 'add', 'csv', '--name', 'CRM', '--url', csv.url(), '--username', USER, '--password-file', join(dir, 'pass'), '--interval', 'off');
    assert.equal(added.code, 0, added.err);
    const synced = await cli('sources', 'sync', 'CRM');
    assert.equal(synced.code, 0, synced.err);
    assert.match(synced.out, /^Synced in \d+\.\d s: 3 read, 2 added, 0 changed, 0 removed, 0 unchanged, 1 skipped\.\n  skipped line 4: no phone number\n$/);
    assert.match(synced.err, /Syncing "CRM" …/);
    const listed = await cli('sources', 'list');
    assert.match(listed.out, /CRM\s+csv\s+default\s+off\s+ok\s+\d{4}-/);
    assert.doesNotMatch(listed.out + synced.out + synced.err, new RegExp(PASSWORD));
  });

  it('a failed sync exits 1 with the reason, and list shows it as the last error', async () => {
    writeFileSync(join(dir, 'wrong'), 'wrong\n');
    assert.equal((await cli('sources', 'add', 'csv', '--name', 'Bad', '--url', csv.url(), '--username', USER, '--password-file', join(dir, 'wrong'), '--interval', 'off')).code, 0);
    const failed = await cli('sources', 'sync', 'Bad');
    assert.equal(failed.code, 1);
    assert.match(failed.err, /Sync failed after \d+\.\d s: The server answered 401 Unauthorized: check the username and password/);
    assert.match((await cli('sources', 'list')).out, /Bad .* failed .*The server answered 401/);
  });

  it('syncs a file for a source without URL, and removes a source with its contacts', async () => {
    assert.equal((await cli('sources', 'add', 'csv', '--name', 'Datei')).code, 0);
    writeFileSync(join(dir, 'k.csv'), '\uFEFFVorname,Nachname,Mobiltelefon\nCarla,Chor,0171 3333333\n');
    const synced = await cli('sources', 'sync', 'Datei', '--file', join(dir, 'k.csv'));
    assert.equal(synced.code, 0, synced.err);
    assert.match(synced.out, /1 added/);
    const removed = await cli('sources', 'remove', 'Datei');
    assert.equal(removed.out, 'Removed source "Datei" and its 1 synced contacts.\n');
    assert.equal((await cli('sources', 'sync', 'Datei')).code, 1);
  });
});
