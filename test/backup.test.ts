/**
 * `callbridge backup` / `restore`: one portable file for both databases. Every backup made on one
 * dialect is restored into both, and the restored store must hold exactly the same rows and work
 * (keys sign in, sealed secrets open, new events get new sequence numbers).
 */
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { composeDeps } from '../src/compose.ts';
import { buildApp } from '../src/http/build-app.ts';
import { main } from '../src/cli/main.ts';
import { BACKUP_TABLES, TRANSIENT_TABLES } from '../src/maintenance/backup-tables.ts';
import { currentSchema, writeBackup } from '../src/maintenance/backup.ts';
import { restoreBackup } from '../src/maintenance/restore.ts';
import { SecretBox } from '../src/storage/secret-box.ts';
import { openStore, type Store } from '../src/storage/store.ts';
import { auth, inboundAnswered, openApp, type TestApp } from './support/app.ts';
import { DIALECTS, forEachDialect } from './support/databases.ts';

const dir = mkdtempSync(join(tmpdir(), 'callbridge-backup-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const tempFile = (name = 'backup') => join(dir, `${name}-${++fileNo}.jsonl.gz`);

/** Every backed-up table's rows, sorted by primary key (independent of collation and column order). */
async function contents(store: Store): Promise<Record<string, Record<string, unknown>[]>> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const table of BACKUP_TABLES) {
    // Plain objects: node:sqlite gives rows a null prototype, pg does not.
    const rows = ((await store.dialect.db.selectFrom(table.name).selectAll().execute()) as Record<string, unknown>[]).map((r) => ({ ...r }));
    const key = (r: Record<string, unknown>) => JSON.stringify(table.key.map((k) => r[k]));
    out[table.name] = rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }
  return out;
}

/** Rewrites a backup's lines (to damage it on purpose). */
function rewrite(source: string, edit: (lines: string[]) => string[]): string {
  const lines = gunzipSync(readFileSync(source)).toString('utf8').split('\n').filter(Boolean);
  const target = tempFile('edited');
  writeFileSync(target, gzipSync(edit(lines).join('\n') + '\n'));
  return target;
}

forEachDialect('backup and restore', (d) => {
  let t: TestApp;
  let backupFile: string;
  let before_: Record<string, Record<string, unknown>[]>;
  const api = async (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, key?: string) => {
    const res = await t.app.inject({ method, url, headers: auth(key ?? t.keys.admin), ...(body === undefined ? {} : { payload: body as object }) });
    assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };

  before(async () => {
    t = await openApp(d);
    // Secrets of several kinds: a webhook signing secret, source credentials, the Placetel secret.
    await api('POST', '/api/v1/webhooks', { url: 'https://crm.example/hook', eventTypes: ['call.ringing', 'call.ended'] });
    await api('POST', '/api/v1/sources', { type: 'csv', name: 'CRM export', url: 'https://crm.example/export.csv', username: 'sync', password: 'hunter2-long', interval: 'off' });
    await api('PATCH', '/api/v1/settings', { placetelSecret: 'placetel-secret', retentionDays: 90 });
    await api('POST', '/api/v1/contacts', { name: 'Erika Mustermann', company: 'Muster GmbH', numbers: [{ number: '030 1234567', type: 'business' }], emails: ['erika@muster.example'] });
    await api('POST', '/api/v1/events', [...inboundAnswered('call-1'), ...inboundAnswered('call-2', '2026-11-22T09:00:00Z')], t.keys.ingest);
    // A transfer leg of call-1, so call_legs has rows.
    await api('POST', '/api/v1/events', [{ type: 'call.ringing', callId: 'call-1-b', linkedCallId: 'call-1', direction: 'inbound', from: '030 1234567', to: '+49 30 999000', extension: '202', timestamp: '2026-11-21T10:00:30Z' }], t.keys.ingest);
    before_ = await contents(t.store);
    for (const table of ['tenants', 'api_keys', 'calls', 'call_legs', 'call_extensions', 'call_events', 'contacts', 'contact_numbers', 'sources', 'delivery_endpoints', 'deliveries']) {
      assert.ok(before_[table].length > 0, `the fixture fills ${table}`);
    }
    backupFile = tempFile();
    await writeBackup(t.store, backupFile, { secrets: t.deps.secrets });
  });
  after(() => t.close());

  it('covers every table of the schema except sync staging', async () => {
    const tables = (await t.store.dialect.db.introspection.getTables()).map((x) => x.name).filter((n) => !n.startsWith('kysely_'));
    const expected = [...BACKUP_TABLES.map((x) => x.name), ...TRANSIENT_TABLES].sort();
    assert.deepEqual([...new Set(tables)].sort(), expected);
  });

  for (const target of DIALECTS) {
    it(`restores into ${target.name}: the same rows, and a store that works`, async () => {
      const store = await target.open();
      try {
        const summary = await restoreBackup(store, backupFile, { secrets: t.deps.secrets });
        assert.equal(summary.replaced, false);
        assert.equal(summary.rows.calls, 2);
        assert.deepEqual(await contents(store), before_);

        // The restored store serves: the old keys authenticate, secrets open, ingest continues the sequence.
        const deps = composeDeps(store, t.deps.secrets, { bodyLimit: 65536, logLevel: 'silent', logPersonalData: false });
        const app = await buildApp(deps);
        try {
          const calls = await app.inject({ method: 'GET', url: '/api/v1/calls', headers: auth(t.keys.admin) });
          assert.equal(calls.statusCode, 200, calls.body);
          assert.deepEqual(calls.json().items.map((c: { pbxCallId: string }) => c.pbxCallId).sort(), ['call-1', 'call-2']);
          const source = (await store.sources.list('default'))[0];
          assert.match(t.deps.secrets.open(source.secrets!), /hunter2-long/);
          const tenant = await store.tenants.get('default');
          assert.equal(t.deps.secrets.open(tenant!.placetelSecret!), 'placetel-secret');
          assert.equal(tenant!.retentionDays, 90);
          const maxSeq = Math.max(...before_.call_events.map((e) => Number(e.seq)));
          const ingest = await app.inject({ method: 'POST', url: '/api/v1/events', headers: auth(t.keys.ingest), payload: inboundAnswered('call-3', '2026-11-23T08:00:00Z') });
          assert.equal(ingest.statusCode, 200, ingest.body);
          const old = new Set(before_.call_events.map((e) => Number(e.seq)));
          const fresh = (await store.dialect.db.selectFrom('call_events').select('seq').execute()).map((r) => Number(r.seq)).filter((s) => !old.has(s));
          assert.equal(fresh.length, 3);
          assert.ok(fresh.every((s) => s > maxSeq), 'new events are numbered after the restored ones');
          const deliveries = await store.dialect.db.selectFrom('deliveries').select('seq').execute();
          assert.equal(new Set(deliveries.map((r) => r.seq)).size, deliveries.length);
        } finally {
          await app.close();
        }
      } finally {
        await store.close();
      }
    });
  }

  it('refuses a database that holds data unless forced, and then replaces everything', async () => {
    const store = await d.open();
    try {
      await store.tenants.create({ id: 'stale', name: 'Stale', defaultCountry: 'AT', areaCode: null }, new Date().toISOString());
      await assert.rejects(restoreBackup(store, backupFile, { secrets: t.deps.secrets }), /not empty \(table tenants has rows\).*--force/);
      assert.ok(await store.tenants.get('stale'), 'nothing changed');
      const summary = await restoreBackup(store, backupFile, { secrets: t.deps.secrets, force: true });
      assert.equal(summary.replaced, true);
      assert.equal(await store.tenants.get('stale'), undefined);
      assert.deepEqual(await contents(store), before_);
    } finally {
      await store.close();
    }
  });

  it('refuses another secret key unless told to ignore it', async () => {
    const store = await d.open();
    try {
      await assert.rejects(restoreBackup(store, backupFile, { secrets: new SecretBox(randomBytes(32)) }), /not the one the backup was made with.*--ignore-secret-key/);
      await assert.rejects(restoreBackup(store, backupFile, {}), /no secret key here/);
      assert.equal((await store.tenants.list()).length, 0);
      const summary = await restoreBackup(store, backupFile, { secrets: new SecretBox(randomBytes(32)), ignoreSecretKey: true });
      assert.equal(summary.rows.calls, 2);
    } finally {
      await store.close();
    }
  });

  it('restores nothing from a cut-short, damaged or foreign file', async () => {
    const store = await d.open();
    try {
      const cut = rewrite(backupFile, (lines) => lines.slice(0, -3));
      await assert.rejects(restoreBackup(store, cut, { secrets: t.deps.secrets }), /incomplete/);
      const miscounted = rewrite(backupFile, (lines) => lines.filter((l, i) => !(i > 0 && l.startsWith('[') && lines[i - 1].includes('"table":"calls"'))));
      await assert.rejects(restoreBackup(store, miscounted, { secrets: t.deps.secrets }), /table calls should have 2 rows, has 1/);
      const plain = join(dir, 'plain.txt');
      writeFileSync(plain, 'name;phone\n');
      await assert.rejects(restoreBackup(store, plain), /not a Callbridge backup, or it is damaged/);
      const foreign = tempFile('foreign');
      writeFileSync(foreign, gzipSync('{"hello":"world"}\n'));
      await assert.rejects(restoreBackup(store, foreign), /not a Callbridge backup/);
      for (const table of BACKUP_TABLES) assert.equal((await store.dialect.db.selectFrom(table.name).selectAll().execute()).length, 0, `${table.name} stays empty`);
    } finally {
      await store.close();
    }
  });

  it('refuses a backup of another schema version', async () => {
    const store = await d.open();
    try {
      const older = rewrite(backupFile, ([h, ...rest]) => [JSON.stringify({ ...JSON.parse(h), schema: '009-web-preferences' }), ...rest]);
      const latest = await currentSchema(store.dialect.db);
      assert.match(latest, /^\d{3}-/);
      await assert.rejects(restoreBackup(store, older, { secrets: t.deps.secrets }), new RegExp(`schema 009-web-preferences, this Callbridge has ${latest}; restore it with the Callbridge release that made it`));
      const newer = rewrite(backupFile, ([h, ...rest]) => [JSON.stringify({ ...JSON.parse(h), schema: '999-future' }), ...rest]);
      await assert.rejects(restoreBackup(store, newer, { secrets: t.deps.secrets }), /newer than this Callbridge's/);
    } finally {
      await store.close();
    }
  });

  it('pages through tables larger than a page, by simple and composite keys', async () => {
    const store = await d.open();
    const target = await d.open();
    try {
      await store.tenants.create({ id: 'default', name: 'Default', defaultCountry: 'DE', areaCode: null }, new Date().toISOString());
      const now = new Date().toISOString();
      const contacts = Array.from({ length: 1_201 }, (_, i) => ({
        id: `c-${String(i).padStart(5, '0')}`, tenant_id: 'default', owner_user_id: null, kind: 'person', name: `Person ${i}`, company: null, emails: '[]', notes: null,
        origin: 'manual', source_id: null, source_record_id: null, forwarding_target: 0, search_text: `person ${i}`, created_at: now, updated_at: now,
      }));
      for (let i = 0; i < contacts.length; i += 200) await store.dialect.db.insertInto('contacts').values(contacts.slice(i, i + 200)).execute();
      const numbers = contacts.flatMap((c, i) => [0, 1].map((position) => ({ contact_id: c.id, position, tenant_id: 'default', raw: `030 ${1_000_000 + i * 2 + position}`, e164: `+4930${1_000_000 + i * 2 + position}`, type: 'business', switchboard: 0 })));
      for (let i = 0; i < numbers.length; i += 500) await store.dialect.db.insertInto('contact_numbers').values(numbers.slice(i, i + 500)).execute();
      const file = tempFile('large');
      const summary = await writeBackup(store, file);
      assert.equal(summary.rows.contacts, 1_201);
      assert.equal(summary.rows.contact_numbers, 2_402);
      await restoreBackup(target, file);
      assert.deepEqual(await contents(target), await contents(store));
      if (d.name === 'postgres') {
        // Filled in bulk, so analyzed: the first reads are not planned for empty tables.
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_user_tables where relname in ('contacts', 'contact_numbers') and last_analyze is not null`.execute(target.dialect.db);
        assert.equal(rows[0].n, 2);
      }
    } finally {
      await store.close();
      await target.close();
    }
  });

  it('is one snapshot: writes made while it runs are neither blocked nor included', async () => {
    // SQLite: a second connection to the same file, as the server is to the CLI; PostgreSQL: another pooled session.
    const writer = d.name === 'sqlite' ? await openStore({ databaseUrl: t.store.dialect.label, dataDir: dir }) : t.store;
    const file = tempFile('snapshot');
    try {
      const contactChanges = before_.contact_changes.length;
      await writeBackup(t.store, file, {
        secrets: t.deps.secrets,
        onTableDone: async (table) => {
          if (table !== 'tenants') return;
          await writer.tenants.create({ id: 'during', name: 'During', defaultCountry: 'DE', areaCode: null }, new Date().toISOString());
          await writer.dialect.db.insertInto('contact_changes').values({ tenant_id: 'during', contact_id: 'c-during' }).execute();
        },
      });
      assert.ok(await t.store.tenants.get('during'), 'the write went through while the backup ran');
      const target = await d.open();
      try {
        const summary = await restoreBackup(target, file, { secrets: t.deps.secrets });
        assert.equal(summary.rows.contact_changes, contactChanges);
        assert.equal(await target.tenants.get('during'), undefined);
      } finally {
        await target.close();
      }
    } finally {
      if (writer !== t.store) await writer.close();
      await t.store.dialect.db.deleteFrom('contact_changes').where('tenant_id', '=', 'during').execute();
      await t.store.dialect.db.deleteFrom('tenants').where('id', '=', 'during').execute();
    }
  });
});

describe('callbridge backup / restore (CLI, SQLite)', () => {
  it('backs up and restores a data directory, says what to keep, and refuses to overwrite', async () => {
    const source = join(dir, 'cli-source');
    const target = join(dir, 'cli-target');
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) };
    assert.equal(await main(['tenants', 'create', 'default', '--data-dir', source], io), 0);
    assert.equal(await main(['keys', 'create', '--name', 'pbx', '--role', 'ingest', '--data-dir', source], io), 0);
    writeFileSync(join(source, 'secret.key'), randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    const file = join(dir, 'cli.jsonl.gz');
    out.length = 0;
    assert.equal(await main(['backup', file, '--data-dir', source], io), 0, err.join('\n'));
    assert.ok(existsSync(file));
    assert.match(out.join('\n'), /1 API keys/);
    assert.match(out.join('\n'), /useful only with the same\nsecret key/);
    assert.equal(await main(['backup', file, '--data-dir', source], io), 1);
    assert.match(err.join('\n'), /exists; choose another name, or pass --force/);

    // Another data directory has no key yet: the restore says how to bring it.
    err.length = 0;
    assert.equal(await main(['restore', file, '--data-dir', target], io), 1);
    assert.match(err.join('\n'), /no secret key here.*CALLBRIDGE_SECRET_KEY/);
    assert.equal(existsSync(join(target, 'secret.key')), false, 'restore does not invent a key');
    writeFileSync(join(target, 'secret.key'), readFileSync(join(source, 'secret.key')));
    out.length = 0;
    assert.equal(await main(['restore', file, '--data-dir', target], io), 0, err.join('\n'));
    assert.match(out.join('\n'), /Restored .* 1 API keys/s);
    err.length = 0;
    assert.equal(await main(['restore', file, '--data-dir', target], io), 1);
    assert.match(err.join('\n'), /not empty.*--force/);
    assert.equal(await main(['restore', join(dir, 'missing.gz'), '--data-dir', target], io), 1);
    assert.match(err.join('\n'), /missing\.gz does not exist/);
    out.length = 0;
    assert.equal(await main(['keys', 'list', '--data-dir', target], io), 0);
    assert.match(out.join('\n'), /pbx\s+ingest/);
  });
});
