import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { bootstrap, composeDeps } from '../compose.ts';
import { LiveHub, type CallChange } from '../journal/live-hub.ts';
import { SecretBox } from '../storage/secret-box.ts';
import { DIALECTS, forEachDialect } from '../../test/support/databases.ts';
import { RemoteCallChanges } from './remote-changes.ts';

forEachDialect('remote call changes', (dialect) => {
  it("publishes other instances' changes once, skips its own, picks up a sequence number that commits late, and never a call's older state", async () => {
    const store = await dialect.open();
    try {
      await bootstrap(store, 'DE');
      const other = composeDeps(store, new SecretBox(randomBytes(32)), { bodyLimit: 1 << 20, logLevel: 'silent', logPersonalData: false });
      const hub = new LiveHub();
      const remote = new RemoteCallChanges(store, hub, 60_000);
      await remote.start();
      const seen: CallChange[] = [];
      hub.subscribe('default', (c) => seen.push(c));
      const base = { linkedCallId: null, direction: 'inbound' as const, from: '030 1234567', to: '+49 30 999000', extension: '201', extensions: [], queue: null, labels: {}, transferTo: null, transferType: null, cause: null };

      // Another instance ingests: published here by the poll, with the call's state.
      await other.journal.ingest('default', [{ ...base, callId: 'r-2', type: 'ringing', at: '2026-11-21T09:59:00Z', key: 'k0' }], 'test');
      await remote.poll();
      const r2 = seen.shift()!;
      assert.equal(r2.call.pbxCallId, 'r-2');
      await other.journal.ingest('default', [{ ...base, callId: 'r-1', type: 'ringing', at: '2026-11-21T10:00:00Z', key: 'k1' }], 'test');
      await remote.poll();
      assert.deepEqual(seen.map((c) => [c.type, c.call.pbxCallId]), [['call.ringing', 'r-1']]);

      // This instance's own publications are not repeated.
      const own = { ...seen[0], seq: seen[0].seq + 1 };
      await store.dialect.db.insertInto('call_events').values({ ...(await eventRow(seen[0].seq)), seq: own.seq, event_key: 'k-own' } as never).execute();
      hub.publish('default', own);
      await remote.poll();
      assert.equal(seen.length, 2, 'published once, by this instance');

      // A later number visible first leaves a gap; the lower number (another call's), committed
      // afterwards, is still published.
      const first = own.seq;
      await store.dialect.db.insertInto('call_events').values({ ...(await eventRow(first)), seq: first + 3, event_key: 'k-late-high' } as never).execute();
      await remote.poll();
      assert.deepEqual(seen.slice(2).map((c) => c.seq), [first + 3]);
      await store.dialect.db.insertInto('call_events').values({ ...(await eventRow(r2.seq)), seq: first + 1, event_key: 'k-late-low' } as never).execute();
      await remote.poll();
      assert.deepEqual(seen.slice(2).map((c) => [c.seq, c.call.pbxCallId]), [[first + 3, 'r-1'], [first + 1, 'r-2']]);
      // A lower number of a call already published with a newer one would carry its newer state again: not published.
      await store.dialect.db.insertInto('call_events').values({ ...(await eventRow(first)), seq: first + 2, event_key: 'k-late-same' } as never).execute();
      await remote.poll();
      await remote.poll();
      assert.equal(seen.length, 4, 'nothing twice, no older state');
      await remote.stop();
      await other.delivery.stop();
    } finally {
      await store.close();
    }

    async function eventRow(seq: number) {
      const { seq: _, ...row } = await store.dialect.db.selectFrom('call_events').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow();
      return row;
    }
  });
});

it('PostgreSQL: the others read a change when the committing instance tells them; an enrichment reaches them as call.enriched, once', async () => {
  const store = await DIALECTS.find((d) => d.name === 'postgres')!.open();
  await bootstrap(store, 'DE');
  const a = composeDeps(store, new SecretBox(randomBytes(32)), { bodyLimit: 1 << 20, logLevel: 'silent', logPersonalData: false });
  const remoteA = new RemoteCallChanges(store, a.hub, 60_000);
  const hubB = new LiveHub();
  const remoteB = new RemoteCallChanges(store, hubB, 60_000);
  try {
    await remoteA.start();
    await remoteB.start();
    const seenA: CallChange[] = [];
    const seenB: CallChange[] = [];
    a.hub.subscribe('default', (c) => seenA.push(c));
    hubB.subscribe('default', (c) => seenB.push(c));
    const event = { callId: 'e-1', linkedCallId: null, type: 'ringing' as const, at: '2026-11-21T10:00:00Z', key: 'e1', direction: 'inbound' as const, from: '030 7654321', to: '+49 30 999000', extension: '201', extensions: [], queue: null, labels: {}, transferTo: null, transferType: null, cause: null };
    const [accepted] = await a.journal.ingest('default', [event], 'test');
    assert.equal(accepted.status, 'accepted');
    const callId = accepted.status === 'accepted' ? accepted.callId : '';
    // Told at once, not found by the poll (every 60 s here).
    const told = Date.now() + 5_000;
    while (!seenB.some((c) => c.type === 'call.ringing') && Date.now() < told) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(seenB.map((c) => [c.type, c.call.id]), [['call.ringing', callId]], 'the other instance read the change when told');
    assert.equal(await a.journal.enrich('default', callId, { contactId: null, name: 'Anna Alt', company: 'Alt GmbH', matchType: 'crm' }), true);
    const end = Date.now() + 10_000;
    while (!seenB.some((c) => c.type === 'call.enriched') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    const enrichedB = seenB.filter((c) => c.type === 'call.enriched');
    assert.equal(enrichedB.length, 1);
    assert.equal(enrichedB[0].call.id, callId);
    assert.deepEqual(enrichedB[0].call.caller, { contactId: null, name: 'Anna Alt', company: 'Alt GmbH', matchType: 'crm' });
    assert.equal(seenA.filter((c) => c.type === 'call.enriched').length, 1, 'the enriching instance publishes its own once');
  } finally {
    // Their listening connections are outside the pool: stopped before the database goes.
    await remoteA.stop();
    await remoteB.stop();
    await a.delivery.stop();
    await store.close();
  }
});
