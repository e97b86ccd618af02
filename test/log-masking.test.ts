/**
 * Personal data in logs (CALLBRIDGE_LOG_PERSONAL_DATA): a real `callbridge serve` process handles
 * calls, CTI webhooks, lookups and searches at debug level, and its log stream is read back. Off, no
 * number, name or search term is in it; masked, numbers appear without their last three digits; on,
 * they appear whole. Error paths (a failing request, a PBX connector's error string, a database
 * error's detail) are checked in-process, and the delivery attempt log's request line too.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import { requestLine } from '../src/delivery/http-sender.ts';
import { auth, inboundAnswered, openApp } from './support/app.ts';
import { DIALECTS } from './support/databases.ts';
import { CLI } from './support/serve-process.ts';

const NUMBER = '+49301234567';
const NAME = 'Erika Mustermann';
type Mode = 'false' | 'mask' | 'true';

const dirs: string[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Starts `serve` with the mode, does a day's work against it, stops it, and returns its JSON log lines. */
async function serverLogs(mode: Mode): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'callbridge-logs-'));
  dirs.push(dataDir);
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'debug'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CALLBRIDGE_LOG_PERSONAL_DATA: mode, CALLBRIDGE_SECRET_KEY: '' },
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m && /^\s+(cb_\S+)\s*$/m.test(output)) return resolve(m[1]);
      if (child.exitCode !== null) reject(new Error(`serve exited:\n${output}`));
    };
    child.stdout!.on('data', check);
    child.once('exit', check);
  });
  const admin = /^\s+(cb_\S+)\s*$/m.exec(output)![1];

  const call = async (method: string, path: string, key: string | null, body?: unknown, type = 'application/json') => {
    const res = await fetch(url + path, {
      method,
      headers: { ...(key ? auth(key) : {}), ...(body === undefined ? {} : { 'content-type': type }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: await res.text() };
  };
  const created = await call('POST', '/api/v1/keys', admin, { name: 'pbx', role: 'ingest' });
  assert.equal(created.status, 201, created.body);
  const ingest = JSON.parse(created.body).key as string;
  assert.equal((await call('POST', '/api/v1/contacts', admin, { name: NAME, company: 'Muster GmbH', numbers: [{ number: '030 1234567' }] })).status, 201);
  assert.equal((await call('POST', '/api/v1/events', ingest, inboundAnswered('own-1', new Date().toISOString()))).status, 200);
  const form = new URLSearchParams({ event: 'newCall', from: '49301234567', to: '4930999000', direction: 'in', callId: 'cti-1', 'user[]': '201' }).toString();
  assert.equal((await call('POST', `/api/v1/cti/${ingest}`, null, form, 'application/x-www-form-urlencoded')).status, 200);
  const lookup = await call('GET', `/api/v1/lookup?number=${encodeURIComponent(NUMBER)}&extension=201`, admin);
  assert.match(lookup.body, /Mustermann/, 'the caller is known, so a name was at hand');
  assert.equal((await call('GET', '/api/v1/contacts?q=Mustermann&limit=5', admin)).status, 200);
  assert.equal((await call('GET', `/api/v1/calls?number=${encodeURIComponent(NUMBER)}`, admin)).status, 200);
  await call('GET', '/api/v1/lookup/0301234567', admin); // no such route: logged with its path
  await call('GET', `/api/v1/cnam?number=0301234567&key=${ingest}`, null);

  child.kill('SIGTERM');
  assert.equal(await exited, 0, output);
  // The log lines only (the first-start banner prints the admin key on purpose).
  const lines = output.split('\n').filter((l) => l.startsWith('{'));
  assert.ok(lines.length > 5, `the server logged at debug level:\n${output}`);
  for (const secret of [admin, ingest]) assert.equal(lines.join('\n').includes(secret), false, 'API keys are never logged');
  return lines.join('\n');
}

describe('personal data in the logs of a real server', () => {
  it('off (the default): no number, name or search term', async () => {
    const logs = await serverLogs('false');
    for (const word of ['1234567', '01234567', 'Mustermann', 'Erika', 'Muster GmbH']) assert.equal(logs.includes(word), false, `the logs contain ${word}:\n${logs}`);
    assert.match(logs, /"url":"\/api\/v1\/lookup"/, 'the lookup is logged, without its query');
    assert.match(logs, /"url":"\/api\/v1\/lookup\/\[number\]"/, 'a number in a path is removed');
    assert.match(logs, /"url":"\/api\/v1\/cti\/\*\*\*"/, 'the CTI token is masked');
  });

  it('mask: numbers without their last three digits, other search terms hidden', async () => {
    const logs = await serverLogs('mask');
    for (const word of ['1234567', 'Mustermann', 'Erika']) assert.equal(logs.includes(word), false, `the logs contain ${word}:\n${logs}`);
    assert.ok(logs.includes('/api/v1/lookup?number=+49301234***&extension=201'), logs);
    assert.ok(logs.includes('/api/v1/lookup/0301234***'), logs);
    assert.ok(logs.includes('/api/v1/contacts?q=***&limit=5'), logs);
    assert.ok(logs.includes('/api/v1/cnam?number=0301234***&key=***'), logs);
  });

  it('true: numbers and search terms as they came (keys still masked)', async () => {
    const logs = await serverLogs('true');
    assert.ok(logs.includes(`/api/v1/lookup?number=${encodeURIComponent(NUMBER)}&extension=201`), logs);
    assert.ok(logs.includes('/api/v1/contacts?q=Mustermann&limit=5'), logs);
    assert.ok(logs.includes('/api/v1/lookup/0301234567'), logs);
  });
});

describe('personal data in error log lines', () => {
  const sqlite = DIALECTS.find((d) => d.name === 'sqlite')!;
  const errorLines = async (mode: boolean | 'mask') => {
    const lines: string[] = [];
    const t = await openApp(sqlite, { logLevel: 'info', logPersonalData: mode, logStream: { write: (l: string) => void lines.push(l) } });
    try {
      t.app.get('/boom', async () => {
        throw new Error(`could not file the call from ${NUMBER} for ${NAME}`);
      });
      t.app.get('/boom-db', async () => {
        // What node-postgres throws for a unique violation: the detail quotes the row.
        throw Object.assign(new Error('duplicate key value violates unique constraint "calls_tenant_pbx_call"'), {
          code: '23505',
          constraint: 'calls_tenant_pbx_call',
          detail: `Key (tenant_id, pbx_call_id)=(default, ${NUMBER}) already exists.`,
        });
      });
      assert.equal((await t.app.inject({ method: 'GET', url: '/boom', headers: auth(t.keys.admin) })).statusCode, 500);
      assert.equal((await t.app.inject({ method: 'GET', url: '/boom-db' })).statusCode, 500);
      // How the PBX runtime, the AMI client and the delivery worker log failures (server.ts hands them app.log).
      t.app.log.warn({ connectionId: 'ami-1', err: `could not store AMI events: CallerIDNum 0301234567` }, 'could not store AMI events');
      return lines.join('');
    } finally {
      await t.close();
    }
  };

  it('removes numbers and database details when off', async () => {
    const logs = await errorLines(false);
    assert.equal(logs.includes('1234567'), false, logs);
    assert.equal(logs.includes('already exists'), false, 'the database detail is dropped');
    assert.match(logs, /could not file the call from \[number\] for/);
    assert.match(logs, /"code":"23505"/);
    assert.match(logs, /"constraint":"calls_tenant_pbx_call"/);
    assert.match(logs, /CallerIDNum \[number\]/);
  });

  it('masks numbers when asked to', async () => {
    const logs = await errorLines('mask');
    assert.equal(logs.includes('1234567'), false, logs);
    assert.match(logs, /from \+49301234\*\*\* for/);
    assert.match(logs, /CallerIDNum 0301234\*\*\*/);
  });

  it('keeps everything when on', async () => {
    const logs = await errorLines(true);
    assert.ok(logs.includes(`from ${NUMBER} for`), logs);
    assert.ok(logs.includes('already exists'), 'the full error, detail included');
    assert.ok(logs.includes('CallerIDNum 0301234567'));
  });
});

describe('personal data elsewhere', () => {
  it('keeps numbers out of the delivery attempt log request line', () => {
    assert.equal(requestLine('GET', 'https://crm.example/api/contacts/by-phone/%2B49301234567?name=Erika'), 'GET https://crm.example/api/contacts/by-phone/[number]');
    assert.equal(requestLine('POST', 'https://crm.example:8443/hooks/2026-12-01/01938412-a556-7a4b-9c7b-123456789012'), 'POST https://crm.example:8443/hooks/2026-12-01/01938412-a556-7a4b-9c7b-123456789012');
  });

  it('reads CALLBRIDGE_LOG_PERSONAL_DATA as false, mask or true, and says what else it takes', () => {
    assert.equal(loadConfig({}, {}).logPersonalData, false);
    assert.equal(loadConfig({}, { CALLBRIDGE_LOG_PERSONAL_DATA: 'MASK' }).logPersonalData, 'mask');
    assert.equal(loadConfig({}, { CALLBRIDGE_LOG_PERSONAL_DATA: 'true' }).logPersonalData, true);
    assert.equal(loadConfig({}, { CALLBRIDGE_LOG_PERSONAL_DATA: 'false' }).logPersonalData, false);
    assert.throws(() => loadConfig({}, { CALLBRIDGE_LOG_PERSONAL_DATA: 'yes' }), /CALLBRIDGE_LOG_PERSONAL_DATA must be false .*, mask .* or true/);
  });
});
