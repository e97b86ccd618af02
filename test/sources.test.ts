/**
 * Phonebook sources end to end on every database: the API, a CSV served over HTTP, the engine's
 * diff (only changes are written), and failures that must leave the last good data in place.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auth, openApp, type TestApp } from './support/app.ts';
import { PASSWORD, startCsvServer, USER, type CsvServer } from './support/csv-server.ts';
import { forEachDialect } from './support/databases.ts';
import { RELOAD_TENANT } from '../src/storage/repositories/contacts-repository.ts';

const V1 = [
  'id;Vorname;Nachname;Firma;Telefon geschäftlich;Mobiltelefon;E-Mail;Notiz',
  '1;Anna;Alt;Alt GmbH;030 1111111;;anna@alt.example;VIP',
  '2;Bert;Bau;;030 2222222;0171 2222222;bert@bau.example;',
  '3;Carla;Chor;Chor e.V.;030 3333333;;;',
  '4;Dora;Dach;;030 4444444;;dora@dach.example;',
  '5;Emil;Eck;Eck AG;030 5555555;;;Rückruf',
].join('\r\n');

// 1 unchanged, 2 number changed, 3 unchanged, 4 e-mail emptied, 5 removed, 6 added.
const V2 = [
  'id;Vorname;Nachname;Firma;Telefon geschäftlich;Mobiltelefon;E-Mail;Notiz',
  '1;Anna;Alt;Alt GmbH;030 1111111;;anna@alt.example;VIP',
  '2;Bert;Bau;;030 2222299;0171 2222222;bert@bau.example;',
  '3;Carla;Chor;Chor e.V.;030 3333333;;;',
  '4;Dora;Dach;;030 4444444;;;',
  '6;Fritz;Fink;;030 6666666;;;',
].join('\r\n');

/** The test servers are on loopback, which sources' SSRF guard refuses unless the tenant allow-lists it. */
async function allowLoopback(app: TestApp): Promise<void> {
  const res = await app.app.inject({ method: 'PATCH', url: '/api/v1/settings', headers: auth(app.keys.admin), payload: { deliveryAllowList: ['127.0.0.1'] } });
  assert.equal(res.statusCode, 200, res.body);
}

forEachDialect('phonebook sources', (dialect) => {
  let t: TestApp;
  let csv: CsvServer;
  let sourceId: string;
  let manualId: string;

  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) => t.app.inject({ method, url, headers: auth(t.keys.admin), ...(payload ? { payload } : {}) });
  const get = async () => (await api('GET', `/api/v1/sources/${sourceId}`)).json();
  const syncNow = async () => {
    const res = await api('POST', `/api/v1/sources/${sourceId}/sync`);
    assert.equal(res.statusCode, 202, res.body);
    await t.deps.sync.active(sourceId)?.done;
    return (await get()).status;
  };
  const synced = async () => {
    const rows = await t.store.dialect.db.selectFrom('contacts').selectAll().where('source_id', '=', sourceId).orderBy('source_record_id').execute();
    return rows;
  };
  const lookup = async (number: string) => (await t.deps.phonebook.lookup('default', number)).match?.name ?? null;

  before(async () => {
    t = await openApp(dialect);
    csv = await startCsvServer(V1);
    await allowLoopback(t);
    await t.deps.phonebook.ready('default');
    manualId = (await t.deps.phonebook.create('default', { name: 'Manuela Hand', numbers: [{ number: '030 9999999' }] })).id;
  });
  after(async () => {
    await t.close();
    await csv.close();
  });

  it('creates a CSV source: options validated and named, the password sealed and never returned', async () => {
    const bad = await api('POST', '/api/v1/sources', { type: 'csv', name: 'CRM', url: 'ftp://nope' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().field, '/url');
    const badInterval = await api('POST', '/api/v1/sources', { type: 'csv', name: 'CRM', url: csv.url(), interval: '5m' });
    assert.equal(badInterval.json().field, '/interval');
    const res = await api('POST', '/api/v1/sources', { type: 'csv', name: 'CRM export', url: csv.url(), username: USER, password: PASSWORD, recordIdColumn: 'id', interval: 'off' });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    sourceId = body.id;
    assert.deepEqual(body.secretsSet, ['password', 'token']);
    assert.equal(body.options.password, undefined);
    assert.equal(body.options.username, USER);
    assert.equal(body.status.running, false);
    assert.doesNotMatch(JSON.stringify((await api('GET', '/api/v1/sources')).json()), new RegExp(PASSWORD));
    const row = await t.store.dialect.db.selectFrom('sources').select('secrets').where('id', '=', sourceId).executeTakeFirstOrThrow();
    assert.doesNotMatch(row.secrets ?? '', new RegExp(PASSWORD));
    assert.equal((await api('POST', '/api/v1/sources', { type: 'csv', name: 'CRM export', url: csv.url() })).statusCode, 409);
    const uploadOnly = (await api('POST', '/api/v1/sources', { type: 'csv', name: 'Upload only', options: { delimiter: ';' } })).json();
    assert.deepEqual([uploadOnly.interval, uploadOnly.status.nextRunAt, uploadOnly.options.delimiter], ['off', null, ';'], 'fed by uploads: no schedule');
    const scheduled = (await api('POST', '/api/v1/sources', { type: 'csv', name: 'Hourly', url: csv.url() })).json();
    assert.equal(scheduled.interval, '1h');
    assert.ok(scheduled.status.nextRunAt, 'a scheduled source runs first at once');
    const patched = (await api('PATCH', `/api/v1/sources/${scheduled.id}`, { interval: 'off' })).json();
    assert.equal(patched.status.nextRunAt, null);
    for (const id of [uploadOnly.id, scheduled.id]) assert.equal((await api('DELETE', `/api/v1/sources/${id}`)).statusCode, 204);
  });

  it('first run: every row becomes a synced contact, found by lookup on this instance at once', async () => {
    const status = await syncNow();
    assert.equal(status.lastError, null);
    assert.ok(status.lastSuccessAt);
    assert.deepEqual(pick(status.lastReport), { ok: true, added: 5, changed: 0, removed: 0, unchanged: 0, skipped: 0 });
    const rows = await synced();
    assert.equal(rows.length, 5);
    assert.ok(rows.every((r) => r.origin === 'synced'));
    assert.equal(await lookup('030 2222222'), 'Bert Bau');
    assert.equal(await lookup('+49 171 2222222'), 'Bert Bau');
    const anna = await t.deps.phonebook.get('default', rows[0].id);
    assert.deepEqual([anna?.name, anna?.company, anna?.emails, anna?.notes, anna?.numbers[0].e164], ['Anna Alt', 'Alt GmbH', ['anna@alt.example'], 'VIP', '+49301111111']);
    const edit = await api('PATCH', `/api/v1/contacts/${rows[0].id}`, { name: 'X' });
    assert.equal(edit.statusCode, 409, 'synced contacts are read-only');
  });

  it('an unchanged file writes nothing', async () => {
    const before = await changesSince(t, 0);
    const status = await syncNow();
    assert.deepEqual(pick(status.lastReport), { ok: true, added: 0, changed: 0, removed: 0, unchanged: 5, skipped: 0 });
    assert.equal((await changesSince(t, 0)).length, before.length);
  });

  it('a second run with a few changes writes only those: changed, emptied, removed, added', async () => {
    const beforeRows = await synced();
    const seq = await maxSeq(t);
    csv.body = V2;
    const status = await syncNow();
    assert.deepEqual(pick(status.lastReport), { ok: true, added: 1, changed: 2, removed: 1, unchanged: 2, skipped: 0 });
    const rows = await synced();
    const byRecord = new Map(rows.map((r) => [r.source_record_id, r]));
    const old = new Map(beforeRows.map((r) => [r.source_record_id, r]));
    // Exactly the changed, removed and added contacts are in the change feed.
    const changed = new Set((await changesSince(t, seq)).map((c) => c.contact_id));
    assert.deepEqual([...changed].sort(), [old.get('2')!.id, old.get('4')!.id, old.get('5')!.id, byRecord.get('6')!.id].sort());
    assert.equal(byRecord.get('1')!.updated_at, old.get('1')!.updated_at, 'untouched');
    assert.equal(byRecord.get('3')!.updated_at, old.get('3')!.updated_at, 'untouched');
    assert.equal(byRecord.get('2')!.id, old.get('2')!.id, 'a changed record keeps its contact id');
    assert.deepEqual(JSON.parse(byRecord.get('4')!.emails), [], 'a field emptied in the source is emptied here');
    assert.equal(byRecord.has('5'), false, 'a removed record disappears');
    assert.equal(await lookup('030 2222222'), null, 'the old number is gone from the index');
    assert.equal(await lookup('030 2222299'), 'Bert Bau');
    assert.equal(await lookup('030 5555555'), null);
    assert.equal(await lookup('030 6666666'), 'Fritz Fink');
    assert.equal(await lookup('030 9999999'), 'Manuela Hand', 'manual entries are never touched');
  });

  describe('failures keep the last good data and say what happened', () => {
    const failsWith = async (patch: object, pattern: RegExp) => {
      const before = JSON.stringify(await synced());
      const lastSuccess = (await get()).status.lastSuccessAt;
      if (Object.keys(patch).length) assert.equal((await api('PATCH', `/api/v1/sources/${sourceId}`, patch)).statusCode, 200);
      const status = await syncNow();
      assert.match(status.lastError ?? '', pattern);
      assert.match(status.lastError ?? '', /nothing was changed/);
      assert.ok(status.lastErrorAt);
      assert.equal(status.lastSuccessAt, lastSuccess);
      assert.equal(status.lastReport.ok, false);
      assert.equal(JSON.stringify(await synced()), before, 'the contacts are exactly as before');
      assert.equal(await lookup('030 6666666'), 'Fritz Fink');
      assert.equal(status.running, false);
    };

    it('wrong password: 401 in words', async () => {
      await failsWith({ password: 'wrong' }, /^The server answered 401 Unauthorized: check the username and password/);
      await api('PATCH', `/api/v1/sources/${sourceId}`, { password: PASSWORD });
    });

    it('unreachable URL', async () => {
      const closed = await startCsvServer('');
      const url = closed.url();
      await closed.close();
      await failsWith({ url }, /^Could not reach 127\.0\.0\.1:\d+: the connection was refused/);
    });

    it('a URL on loopback without the allow-list: refused by the SSRF guard, nothing is fetched', async () => {
      const requests = csv.requests;
      const settings = (allowList: string[]) => t.app.inject({ method: 'PATCH', url: '/api/v1/settings', headers: auth(t.keys.admin), payload: { deliveryAllowList: allowList } });
      assert.equal((await settings([])).statusCode, 200);
      try {
        await failsWith({ url: csv.url() }, /^127\.0\.0\.1:\d+ resolves to a private address; add it to the allow-list in Settings; nothing was changed/);
        assert.equal(csv.requests, requests, 'no request reached the server');
      } finally {
        assert.equal((await settings(['127.0.0.1'])).statusCode, 200);
      }
    });

    it('a stream cut in the middle by the server', async () => {
      await failsWith({ url: csv.url('/cut.csv') }, /^The connection to 127\.0\.0\.1:\d+ broke after \d+ bytes/);
    });

    it('a malformed file (an unclosed quote) names its line', async () => {
      csv.body = V2 + '\r\n7;"Gustav;Gans;;030 7777777;;;\r\n8;Hans;Hut;;030 8888888;;;';
      await failsWith({ url: csv.url() }, /^Line 7: a quoted field is not closed/);
      csv.body = V2;
    });

    it('a source that goes silent times out (idle timeout) instead of holding the lease', async () => {
      const stalled = await openApp(dialect, { sync: { idleTimeoutMs: 300 } });
      try {
        await allowLoopback(stalled);
        await stalled.deps.phonebook.ready('default');
        const res = await stalled.app.inject({ method: 'POST', url: '/api/v1/sources', headers: auth(stalled.keys.admin), payload: { type: 'csv', name: 's', url: csv.url('/stall.csv'), username: USER, password: PASSWORD, interval: 'off' } });
        const id = res.json().id;
        const started = await stalled.deps.sync.startRun('default', id);
        assert.ok(started.ok);
        const report = await started.run.done;
        assert.equal(report.ok, false);
        assert.match(report.error ?? '', /^The source sent nothing for 300 ms; nothing was changed/);
        const row = await stalled.store.sources.get('default', id);
        assert.equal(row?.leaseOwner, null, 'the lease is freed');
      } finally {
        await stalled.close();
      }
    });
  });

  it('rows without a usable number or name and duplicate ids are skipped and reported with their line', async () => {
    await api('PATCH', `/api/v1/sources/${sourceId}`, { url: csv.url() });
    csv.body = V2 + '\r\n7;;;;030 7777777;;;\r\n8;Hans;Hut;;;;;\r\n9;Ida;Igel;;abc;;;\r\n3;Carla;Doppelt;;030 3333334;;;';
    const status = await syncNow();
    assert.equal(status.lastReport.ok, true);
    assert.equal(status.lastReport.skipped, 4);
    assert.deepEqual(status.lastReport.skippedItems.map((s: { line: number; reason: string }) => `${s.line}: ${s.reason}`), [
      '7: no name',
      '8: no phone number',
      '9: no usable phone number ("abc" cannot be read)',
      '10: duplicate record id: an earlier record has the same id',
    ]);
    assert.equal((await synced()).find((r) => r.source_record_id === '3')?.name, 'Carla Chor', 'the earlier record wins');
  });

  it('a record that can no longer be a contact (its name emptied) is reported and its contact removed', async () => {
    csv.body = V2;
    await syncNow();
    assert.equal(await lookup('030 4444444'), 'Dora Dach');
    csv.body = V2.replace('4;Dora;Dach;', '4;;;');
    const status = await syncNow();
    assert.deepEqual(pick(status.lastReport), { ok: true, added: 0, changed: 0, removed: 1, unchanged: 4, skipped: 1 });
    assert.deepEqual(status.lastReport.skippedItems.map((s: { line: number; reason: string }) => `${s.line}: ${s.reason}`), ['5: no name']);
    assert.equal((await synced()).some((r) => r.source_record_id === '4'), false);
    assert.equal(await lookup('030 4444444'), null, 'gone from the index too');
    csv.body = V2;
    assert.equal((await syncNow()).lastReport.added, 1, 'back as a new contact once the source has a name again');
  });

  it('uploads stream a file into a run; a broken upload is a 422 naming the line, changing nothing', async () => {
    const upload = async (body: string) =>
      t.app.inject({ method: 'POST', url: `/api/v1/sources/${sourceId}/upload`, headers: { ...auth(t.keys.admin), 'content-type': 'text/csv' }, payload: body });
    const broken = await upload('id,Name,Telefon\n1,"Anna,030 1\n');
    assert.equal(broken.statusCode, 422, broken.body);
    assert.equal(broken.json().code, 'CB_SOURCE_FAILED');
    assert.match(broken.json().detail, /Line 2: a quoted field is not closed/);
    const ok = await upload('id,Name,Telefon\n1,Anna Alt,030 1111111\n10,Zoe Zett,030 1010101\n');
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(pick(ok.json()), { ok: true, added: 1, changed: 1, removed: 4, unchanged: 0, skipped: 0 });
    assert.equal(await lookup('030 1010101'), 'Zoe Zett');
  });

  it('one run at a time: sync while running is a 409', async () => {
    await api('PATCH', `/api/v1/sources/${sourceId}`, { url: csv.url('/stall.csv') });
    const first = await api('POST', `/api/v1/sources/${sourceId}/sync`);
    assert.equal(first.statusCode, 202);
    const second = await api('POST', `/api/v1/sources/${sourceId}/sync`);
    assert.equal(second.statusCode, 409);
    assert.equal(second.json().code, 'CB_CONFLICT');
    const status = (await get()).status;
    assert.equal(status.running, true);
    assert.equal(status.runId, first.json().runId);
    t.deps.sync.cancel(sourceId);
    await t.deps.sync.active(sourceId)?.done;
    await api('PATCH', `/api/v1/sources/${sourceId}`, { url: csv.url() });
  });

  it('deleting a source removes its synced contacts, not manual ones', async () => {
    assert.ok((await synced()).length > 0);
    const res = await api('DELETE', `/api/v1/sources/${sourceId}`);
    assert.equal(res.statusCode, 204);
    assert.equal((await synced()).length, 0);
    assert.equal(await lookup('030 1010101'), null);
    assert.ok(await t.deps.phonebook.get('default', manualId));
    assert.equal((await api('GET', `/api/v1/sources/${sourceId}`)).statusCode, 404);
  });

  it('a run changing more than 20,000 contacts appends one "reload the tenant" entry to the change feed; lookups follow', async () => {
    const rows = ['id;Name;Telefon'];
    for (let i = 0; i < 20_001; i++) rows.push(`B${i};Bulk ${i};030 ${5_000_000 + i}`);
    const big = await startCsvServer(rows.join('\r\n'));
    try {
      const created = await api('POST', '/api/v1/sources', { type: 'csv', name: 'Bulk', url: big.url(), username: USER, password: PASSWORD, recordIdColumn: 'id', interval: 'off' });
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id;
      const seq = await t.store.contacts.maxChangeSeq();
      assert.equal((await api('POST', `/api/v1/sources/${id}/sync`)).statusCode, 202);
      const report = await t.deps.sync.active(id)?.done;
      assert.equal(report?.added, 20_001);
      const feed = await t.store.contacts.changesSince(seq);
      assert.deepEqual(feed.map((c) => c.contactId), [RELOAD_TENANT]);
      assert.equal(await lookup('030 5012345'), 'Bulk 12345', 'this instance rebuilt its index');
      assert.equal(await lookup('030 9999999'), 'Manuela Hand', 'the manual entry is still found');
      assert.equal((await api('DELETE', `/api/v1/sources/${id}`)).statusCode, 204);
      assert.equal(await lookup('030 5012345'), null);
    } finally {
      await big.close();
    }
  });

  it('sources of another tenant are not found', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/sources', headers: auth(t.keys.otherTenantAdmin) });
    assert.deepEqual(res.json().items, []);
  });
});

function pick(report: Record<string, unknown>) {
  const { ok, added, changed, removed, unchanged, skipped } = report;
  return { ok, added, changed, removed, unchanged, skipped };
}

async function changesSince(t: TestApp, seq: number) {
  return t.store.dialect.db.selectFrom('contact_changes').selectAll().where('seq', '>', seq).execute();
}

async function maxSeq(t: TestApp): Promise<number> {
  const row = await t.store.dialect.db.selectFrom('contact_changes').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
  return Number(row?.seq ?? 0);
}
