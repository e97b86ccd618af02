import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { bootstrap, composeDeps } from '../compose.ts';
import { LiveHub, type CallChange } from '../journal/live-hub.ts';
import { SecretBox } from '../storage/secret-box.ts';
import { forEachDialect } from '../../test/support/databases.ts';
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
