/**
 * Retention (GDPR): a tenant's retentionDays deletes its old call records (with events, legs,
 * extensions) and delivery logs, in batches, on both databases; contacts and other tenants stay.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../src/cli/main.ts';
import { applyRetention, runRetention } from '../src/maintenance/retention.ts';
import { RetentionJob } from '../src/maintenance/retention-job.ts';
import { auth, inboundAnswered, openApp, type TestApp } from './support/app.ts';
import { forEachDialect } from './support/databases.ts';

const DAY = 86_400_000;
const OLD = ['old-1', 'old-2', 'old-3', 'old-4', 'old-5'];
const RECENT = ['new-1', 'new-2'];

forEachDialect('retention', (d) => {
  let t: TestApp;
  const api = async (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, key?: string) =>
    t.app.inject({ method, url, headers: auth(key ?? t.keys.admin), ...(body === undefined ? {} : { payload: body as object }) });
  const count = async (table: 'calls' | 'call_events' | 'call_legs' | 'call_extensions' | 'deliveries' | 'delivery_attempts' | 'contacts' | 'crm_activities', tenant?: string) => {
    let q = t.store.dialect.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'));
    if (tenant && table !== 'delivery_attempts' && table !== 'crm_activities') q = q.where('tenant_id', '=', tenant);
    return Number((await q.executeTakeFirstOrThrow()).n);
  };
  const ids = async (tenant: string) => (await t.store.dialect.db.selectFrom('calls').select('pbx_call_id').where('tenant_id', '=', tenant).execute()).map((r) => r.pbx_call_id).sort();

  before(async () => {
    t = await openApp(d);
    const now = Date.now();
    const hook = await api('POST', '/api/v1/webhooks', { url: 'https://crm.example/hook', eventTypes: ['call.ended'] });
    assert.equal(hook.statusCode, 201, hook.body);
    const contact = await api('POST', '/api/v1/contacts', { name: 'Erika Mustermann', numbers: [{ number: '030 1234567' }] });
    assert.equal(contact.statusCode, 201, contact.body);
    const events = [
      ...OLD.flatMap((id, i) => inboundAnswered(id, new Date(now - (100 + i) * DAY).toISOString())),
      ...RECENT.flatMap((id, i) => inboundAnswered(id, new Date(now - (i + 1) * DAY).toISOString())),
      // A transfer leg of an old call.
      { type: 'call.ringing', callId: 'old-1-b', linkedCallId: 'old-1', direction: 'inbound', from: '030 1234567', to: '+49 30 999000', extension: '202', timestamp: new Date(now - 100 * DAY + 5_000).toISOString() },
    ];
    const res = await api('POST', '/api/v1/events', events, t.keys.ingest);
    assert.equal(res.statusCode, 200, res.body);
    // The other tenant keeps everything: it has no retention period.
    const otherIngest = (await t.app.inject({ method: 'POST', url: '/api/v1/keys', headers: auth(t.keys.otherTenantAdmin), payload: { name: 'pbx', role: 'ingest' } })).json().key as string;
    assert.equal((await api('POST', '/api/v1/events', inboundAnswered('other-old', new Date(now - 200 * DAY).toISOString()), otherIngest)).statusCode, 200);
    // A delivery log with an attempt, and a CRM activity marker for an old call.
    const [delivery] = await t.store.dialect.db.selectFrom('deliveries').select(['id', 'call_id']).where('tenant_id', '=', 'default').limit(1).execute();
    await t.store.dialect.db.insertInto('delivery_attempts').values({ delivery_id: delivery.id, n: 1, at: new Date().toISOString(), request: 'POST https://crm.example/hook', outcome: 'retry', status: 503, duration_ms: 12, error: 'HTTP 503' }).execute();
    const [oldCall] = await t.store.dialect.db.selectFrom('calls').select('id').where('pbx_call_id', '=', 'old-1').execute();
    await t.store.dialect.db.insertInto('crm_connections').values({ id: 'crm-1', tenant_id: 'default', type: 'rest', name: 'CRM', enabled: 1, options: '{}', secrets: null, journal: '{}', lookup: 0, created_at: new Date().toISOString(), updated_at: new Date().toISOString() }).execute();
    await t.store.dialect.db.insertInto('crm_activities').values({ connection_id: 'crm-1', call_id: oldCall.id, external_id: 'x', logged_at: new Date().toISOString() }).execute();
    assert.ok((await count('call_legs', 'default')) > 0, 'the fixture has legs');
  });
  after(() => t.close());

  it('is a tenant setting, validated, in /api/v1/settings', async () => {
    assert.equal((await api('GET', '/api/v1/settings')).json().retentionDays, null);
    for (const bad of [0, -3, 1.5, 36501, 'a month']) {
      const res = await api('PATCH', '/api/v1/settings', { retentionDays: bad });
      assert.equal(res.statusCode, 400, `${bad}: ${res.body}`);
      assert.equal(res.json().field, '/retentionDays');
    }
    const agent = await api('PATCH', '/api/v1/settings', { retentionDays: 30 }, t.keys.agent);
    assert.equal(agent.statusCode, 403);
    const ok = await api('PATCH', '/api/v1/settings', { retentionDays: 30 });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().retentionDays, 30);
    assert.equal((await api('GET', '/api/v1/settings')).json().retentionDays, 30);
  });

  it('deletes old calls with their events, legs and extensions in batches; keeps recent calls, contacts and other tenants', async () => {
    const eventsBefore = await count('call_events', 'default');
    const deliveriesBefore = await count('deliveries', 'default');
    const results = await runRetention(t.store, { batchSize: 2 });
    assert.deepEqual(results.map((r) => [r.tenantId, r.days, r.calls, r.deliveries]), [['default', 30, 5, 0]]);
    assert.deepEqual(await ids('default'), RECENT.slice().sort());
    assert.deepEqual(await ids('other'), ['other-old']);
    // 3 events per call; the leg's event belongs to old-1.
    assert.equal(await count('call_events', 'default'), eventsBefore - 5 * 3 - 1);
    assert.equal(await count('call_events', 'default'), 2 * 3);
    assert.equal(await count('call_legs', 'default'), 0);
    assert.equal(await count('call_extensions', 'default'), RECENT.length, 'extension 201 of each recent call');
    const orphans = await t.store.dialect.db.selectFrom('call_extensions').leftJoin('calls', 'calls.id', 'call_extensions.call_id').select('calls.id').where('calls.id', 'is', null).execute();
    assert.equal(orphans.length, 0, 'no extensions of deleted calls');
    assert.equal(await count('crm_activities'), 0);
    assert.equal(await count('contacts', 'default'), 1, 'contacts are not touched');
    // The deliveries were made now (at ingest): younger than 30 days, all kept.
    assert.equal(await count('deliveries', 'default'), deliveriesBefore);
    // Running again changes nothing.
    assert.deepEqual((await runRetention(t.store)).map((r) => [r.calls, r.deliveries]), [[0, 0]]);
  });

  it('deletes delivery logs older than the period, except one being sent', async () => {
    const later = new Date(Date.now() + 40 * DAY);
    const deliveries = await t.store.dialect.db.selectFrom('deliveries').select('id').where('tenant_id', '=', 'default').orderBy('seq').execute();
    assert.ok(deliveries.length >= 3, 'the fixture has deliveries');
    await t.store.dialect.db.updateTable('deliveries').set({ state: 'delivering' }).where('id', '=', deliveries[0].id).execute();
    const result = await applyRetention(t.store, 'default', 30, { now: () => later, batchSize: 2 });
    assert.equal(result.deliveries, deliveries.length - 1);
    assert.equal(result.calls, RECENT.length, 'the recent calls are older than 30 days by then');
    assert.deepEqual((await t.store.dialect.db.selectFrom('deliveries').select('id').where('tenant_id', '=', 'default').execute()).map((r) => r.id), [deliveries[0].id]);
    const attempts = await t.store.dialect.db.selectFrom('delivery_attempts').select('delivery_id').execute();
    assert.ok(attempts.every((a) => a.delivery_id === deliveries[0].id), 'attempt logs go with their deliveries');
    assert.equal(await count('contacts', 'default'), 1);
    assert.deepEqual(await ids('other'), ['other-old']);
  });

  it('runs as the server job, which logs counts and no personal data', async () => {
    await t.store.tenants.update('other', { retentionDays: 1 }, new Date().toISOString());
    const lines: string[] = [];
    const log = { info: (o: object, m: string) => void lines.push(JSON.stringify({ ...o, m })), warn: (o: object, m: string) => void lines.push(JSON.stringify({ ...o, m })) };
    const job = new RetentionJob(t.store, log, { firstRunMs: 3_600_000 });
    job.start();
    await job.runOnce();
    await job.stop();
    assert.deepEqual(await ids('other'), []);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.deepEqual(JSON.parse(lines[0]), { tenant: 'other', days: 1, calls: 1, deliveries: 0, m: 'retention: deleted old call records and delivery logs' });
  });
});

describe('callbridge retention (CLI, SQLite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'callbridge-retention-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('sets the period, rejects nonsense, and runs', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) };
    assert.equal(await main(['tenants', 'create', 'default', '--data-dir', dataDir], io), 0);
    out.length = 0;
    assert.equal(await main(['retention', 'run', '--data-dir', dataDir], io), 0);
    assert.match(out.join('\n'), /No tenant has a retention period; nothing deleted/);
    for (const bad of ['0', 'ten', '2.5', '36501']) {
      err.length = 0;
      assert.equal(await main(['retention', 'set', bad, '--data-dir', dataDir], io), 2, bad);
      assert.match(err.join('\n'), /<days> must be a whole number of days from 1 to 36500, or off/);
    }
    assert.equal(await main(['retention', 'set', '7', '--tenant', 'nope', '--data-dir', dataDir], io), 1);
    assert.match(err.join('\n'), /tenant "nope" does not exist/);
    out.length = 0;
    assert.equal(await main(['retention', 'set', '7', '--data-dir', dataDir], io), 0);
    assert.match(out.join('\n'), /keeps call records and delivery logs for 7 days/);
    out.length = 0;
    assert.equal(await main(['retention', 'run', '--data-dir', dataDir], io), 0);
    assert.match(out.join('\n'), /Tenant default \(kept 7 days\): deleted 0 call\(s\)/);
    assert.equal(await main(['retention', 'set', 'off', '--data-dir', dataDir], io), 0);
    out.length = 0;
    assert.equal(await main(['retention', 'run', '--tenant', 'default', '--data-dir', dataDir], io), 0);
    assert.match(out.join('\n'), /has no retention period/);
  });
});
