/**
 * `callbridge crm list` and `crm test` in process, against a SQLite data directory and the Propstack
 * simulator: the stored connection is listed, a lookup goes through the sealed credentials and the
 * SSRF guard, and a CRM that refuses exits non-zero, saying why.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { main } from '../src/cli/main.ts';
import { storeLocation } from '../src/cli/with-store.ts';
import { loadConfig } from '../src/config/config.ts';
import { DEFAULT_JOURNAL_RULES } from '../src/storage/repositories/crm-repository.ts';
import { SecretBox } from '../src/storage/secret-box.ts';
import { openStore } from '../src/storage/store.ts';
import { PropstackSimulator } from './simulators/propstack/propstack-simulator.ts';

let dir: string;
let ps: PropstackSimulator;

const cli = async (...argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...argv, '--data-dir', dir], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'callbridge-crm-cli-'));
  ps = new PropstackSimulator();
  const url = await ps.start();
  ps.contacts.push({ id: 9, first_name: 'Ida', last_name: 'Klein', company: 'Klein KG', email: null, office_phone: '030 4445556', home_cell: null, home_phone: null });
  const store = await openStore(storeLocation({ dataDir: dir, database: undefined }));
  try {
    const now = new Date().toISOString();
    await store.tenants.create({ id: 'default', name: 'Default', defaultCountry: 'DE', areaCode: null }, now);
    await store.tenants.update('default', { deliveryAllowList: ['127.0.0.1'] }, now);
    const box = SecretBox.fromEnvOrFile(loadConfig({ dataDir: dir }).secretKey, dir);
    const base = { tenantId: 'default', type: 'rest', enabled: true, lookup: true, journal: DEFAULT_JOURNAL_RULES, createdAt: now, updatedAt: now };
    await store.crm.insert({ ...base, id: 'c1', name: 'Propstack', options: { preset: 'propstack', baseUrl: url, authType: 'none', numberFormat: 'e164', lastDigits: 9 }, secrets: box.seal(JSON.stringify({ apiKey: ps.apiKey })) });
    await store.crm.insert({ ...base, id: 'c2', name: 'Propstack wrong key', options: { preset: 'propstack', baseUrl: url, authType: 'none', numberFormat: 'e164', lastDigits: 9 }, secrets: box.seal(JSON.stringify({ apiKey: 'nope' })) });
  } finally {
    await store.close();
  }
});
after(async () => {
  await ps?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('crm list shows the connections', async () => {
  const r = await cli('crm', 'list');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /c1\s+Propstack\s+rest\s+default\s+yes\s+yes\s+de,missed,unknown/);
});

it('crm test looks a number up; a refusing CRM exits non-zero and says why', async () => {
  const found = await cli('crm', 'test', 'Propstack', '--number', '+49 30 4445556');
  assert.equal(found.code, 0, found.err);
  assert.match(found.out, /9\s+contact\s+Ida Klein\s+Klein KG/);
  const unknown = await cli('crm', 'test', 'c1', '--number', '+4940123456');
  assert.match(unknown.out, /is not in the CRM/);
  const refused = await cli('crm', 'test', 'Propstack wrong key', '--number', '+4930444555');
  assert.notEqual(refused.code, 0);
  assert.match(refused.err, /Propstack wrong key: GET http:\/\/127\.0\.0\.1:\d+\/v1\/contacts: HTTP 401, credentials refused/);
  assert.equal(refused.err.includes('nope'), false, 'the key is not printed');
});
