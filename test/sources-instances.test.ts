/**
 * Several instances over one database: one run per source at a time (a lease claimed by a
 * conditional UPDATE), an expired lease taken over, and a schedule that survives a restart because
 * `next_run_at` is stored — on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { bootstrap } from '../src/compose.ts';
import { uuidv7 } from '../src/core/ids.ts';
import { TenantSettingsCache } from '../src/journal/tenant-settings.ts';
import type { SourceRecord } from '../src/storage/repositories/sources-repository.ts';
import { SecretBox } from '../src/storage/secret-box.ts';
import type { Store } from '../src/storage/store.ts';
import { SyncService } from '../src/sync/sync-service.ts';
import { PASSWORD, startCsvServer, USER, type CsvServer } from './support/csv-server.ts';
import { forEachDialect } from './support/databases.ts';

const CSV = 'id,Name,Telefon\n1,Anna Alt,030 1111111\n2,Bert Bau,030 2222222\n';

forEachDialect('phonebook sources across instances', (dialect) => {
  let store: Store;
  let csv: CsvServer;
  const secrets = new SecretBox(randomBytes(32));
  const instance = (name: string, leaseMs = 60_000) => new SyncService({ store, secrets, settings: new TenantSettingsCache(store), instanceId: name, leaseMs, pollMs: 60_000 });
  const addSource = async (url: string, extra: Partial<SourceRecord> = {}) => {
    const now = new Date().toISOString();
    const source: SourceRecord = {
      id: uuidv7(), tenantId: 'default', type: 'csv', name: `s-${Math.random()}`, description: null,
      options: { url, username: USER, recordIdColumn: 'id', delimiter: 'auto', encoding: 'auto', timeoutSeconds: 30 }, secrets: secrets.seal(JSON.stringify({ password: PASSWORD })),
      interval: 'off', enabled: true, state: null, nextRunAt: null, leaseOwner: null, leaseUntil: null, runId: null, runStartedAt: null, progress: null,
      lastSuccessAt: null, lastError: null, lastErrorAt: null, lastReport: null, createdAt: now, updatedAt: now, ...extra,
    };
    assert.ok(await store.sources.insert(source));
    return source.id;
  };

  before(async () => {
    store = await dialect.open();
    await bootstrap(store, 'DE');
    // The test servers are on loopback, which sources' SSRF guard refuses unless the tenant allow-lists it.
    await store.tenants.update('default', { deliveryAllowList: ['127.0.0.1'] }, new Date().toISOString());
    csv = await startCsvServer(CSV);
  });
  after(async () => {
    await csv.close();
    await store.close();
  });

  it('of two instances starting the same source at once, exactly one runs', async () => {
    const id = await addSource(csv.url('/stall.csv'));
    const a = instance('a');
    const b = instance('b');
    const results = await Promise.all([a.startRun('default', id), b.startRun('default', id), a.startRun('default', id), b.startRun('default', id)]);
    assert.equal(results.filter((r) => r.ok).length, 1);
    assert.deepEqual(results.filter((r) => !r.ok).map((r) => !r.ok && r.reason), ['running', 'running', 'running']);
    const row = await store.sources.get('default', id);
    assert.ok(row?.leaseOwner === 'a' || row?.leaseOwner === 'b');
    await a.stop();
    await b.stop();
    const freed = await store.sources.get('default', id);
    assert.equal(freed?.leaseOwner, null, 'a stopped run frees its lease');
    assert.match(freed?.lastError ?? '', /The server stopped during the run; nothing was changed/);
  });

  it('an expired lease (a crashed instance) is taken over; a live one is not', async () => {
    const future = new Date(Date.now() + 60_000).toISOString();
    const live = await addSource(csv.url(), { leaseOwner: 'other', leaseUntil: future, runId: 'r-live' });
    const b = instance('b');
    assert.deepEqual(await b.startRun('default', live), { ok: false, reason: 'running' });
    const past = new Date(Date.now() - 1_000).toISOString();
    const crashed = await addSource(csv.url(), { leaseOwner: 'crashed', leaseUntil: past, runId: 'r-dead', nextRunAt: past });
    await b.tick();
    await b.active(crashed)?.done;
    const row = await store.sources.get('default', crashed);
    assert.ok(row?.lastSuccessAt, 'the due source ran on the surviving instance');
    assert.equal(row?.leaseOwner, null);
    assert.equal(row?.lastReport?.added, 2);
    await b.stop();
  });

  it('a run renews its lease while it goes, and stops when another instance took the source over', async () => {
    const id = await addSource(csv.url('/stall.csv'));
    const a = instance('a', 300);
    const started = await a.startRun('default', id);
    assert.ok(started.ok);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const renewed = await store.sources.get('default', id);
    assert.ok(renewed!.leaseUntil! > new Date().toISOString(), 'renewed beyond its first 300 ms');
    // Another instance takes the row over (as after an expiry): the first run notices and stops.
    await store.dialect.db.updateTable('sources').set({ run_id: 'stolen', lease_owner: 'c' }).where('id', '=', id).execute();
    const report = await started.run.done;
    assert.equal(report.ok, false);
    assert.match(report.error ?? '', /another instance took it over/);
    await a.stop();
  });

  it('the schedule survives a restart: next_run_at is stored and a new instance runs what is due', async () => {
    const id = await addSource(csv.url(), { interval: '15m', nextRunAt: new Date().toISOString() });
    const first = instance('first');
    await first.tick();
    await first.active(id)?.done;
    const afterRun = await store.sources.get('default', id);
    assert.ok(afterRun?.lastSuccessAt);
    const next = Date.parse(afterRun!.nextRunAt!);
    assert.ok(next > Date.now() + 14 * 60_000 && next <= Date.now() + 15 * 60_000, 'next run in 15 minutes');
    await first.stop();

    const restarted = instance('restarted');
    await restarted.tick();
    assert.equal(restarted.active(id), undefined, 'not due yet');
    // Fifteen minutes later (the stored time moved instead of the clock):
    await store.dialect.db.updateTable('sources').set({ next_run_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', id).execute();
    const requests = csv.requests;
    restarted.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await restarted.active(id)?.done;
    await restarted.stop();
    assert.ok(csv.requests > requests, 'the restarted instance fetched the source');
    const row = await store.sources.get('default', id);
    assert.ok(row!.lastSuccessAt! > afterRun!.lastSuccessAt!);
  });
});
