/**
 * The call journal on every database: ingest, de-duplication, ordering, atomicity, concurrency,
 * listing and resuming. Concurrency runs several `CallJournal`s over one store, as several Callbridge
 * instances over one database would: each has its own group-commit queue, so their transactions
 * really overlap (on PostgreSQL; SQLite serializes writers by design).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Call } from '../src/core/calls/call.ts';
import type { CallEvent, CallEventType } from '../src/core/calls/call-event.ts';
import { foldEvents } from '../src/core/calls/lifecycle.ts';
import { normalizeNumber } from '../src/core/phone-numbers/phone-number.ts';
import { CallJournal, type IngestResult, type NumberingLookup } from '../src/journal/call-journal.ts';
import { LiveHub, type CallChange } from '../src/journal/live-hub.ts';
import { callHistoryQuery, changesSinceQuery, type CallFilter } from '../src/storage/repositories/calls-repository.ts';
import { openStore, type Store } from '../src/storage/store.ts';
import { forEachDialect } from './support/databases.ts';

const ACME = 'acme';
const BETA = 'beta';
const NOW = new Date('2026-01-05T12:00:00.000Z');
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const t = (s: number) => new Date(T0 + s * 1000).toISOString();

function ev(type: CallEventType, s: number, over: Partial<CallEvent> = {}): CallEvent {
  const e: CallEvent = {
    type,
    callId: 'c1',
    linkedCallId: null,
    direction: 'inbound',
    from: '030 1111111',
    to: '030 9999000',
    extension: null,
    extensions: [],
    queue: null,
    labels: {},
    cause: null,
    transferTo: null,
    transferType: null,
    at: t(s),
    key: '',
    ...over,
  };
  e.key ||= `test:${e.type}:${e.callId}:${e.at}:${e.extension ?? ''}:${e.transferTo ?? ''}`;
  return e;
}

/** ringing 201 → answered 201 after 5 s → hangup after a minute. */
function answeredCall(callId = 'c1', start = 0, over: Partial<CallEvent> = {}): CallEvent[] {
  return [
    ev('ringing', start, { callId, extension: '201', ...over }),
    ev('answered', start + 5, { callId, extension: '201', ...over }),
    ev('ended', start + 65, { callId, cause: 'normal', ...over }),
  ];
}

/** Tenant numbering from the store; an unknown tenant reads as DE so that the database decides. */
function numberingOf(store: Store): NumberingLookup {
  return async (tenantId) => {
    const tenant = await store.tenants.get(tenantId);
    return tenant ? { defaultCountry: tenant.defaultCountry, areaCode: tenant.areaCode } : { defaultCountry: 'DE', areaCode: null };
  };
}

type Ctx = {
  store: Store;
  journal: CallJournal;
  changes: CallChange[];
  /** Another instance's journal over the same store. */
  instance(): CallJournal;
};

async function setUp(open: () => Promise<Store>): Promise<Ctx> {
  const store = await open();
  for (const id of [ACME, BETA]) {
    assert.equal(await store.tenants.create({ id, name: id, defaultCountry: 'DE', areaCode: '30' }, NOW.toISOString()), true);
  }
  const hub = new LiveHub();
  const changes: CallChange[] = [];
  hub.subscribe(ACME, (c) => changes.push(c));
  const instance = () => new CallJournal(store, hub, numberingOf(store), { now: () => NOW });
  return { store, journal: instance(), changes, instance };
}

async function allCalls(store: Store, tenantId = ACME): Promise<Call[]> {
  return store.calls.list({ tenantId, limit: 1000 });
}

async function storedEvents(store: Store, tenantId = ACME) {
  return store.dialect.db.selectFrom('call_events').selectAll().where('tenant_id', '=', tenantId).orderBy('seq').execute();
}

/** What a call says, without what depends on when and how often it was written. */
function content(call: Call) {
  const { id: _i, tenantId: _t, version: _v, lastEventAt: _l, updatedAt: _u, ...rest } = call;
  return rest;
}

const read = (raw: string) => normalizeNumber(raw, { defaultCountry: 'DE', areaCode: '30' });

const accepted = (r: IngestResult) => (r.status === 'accepted' ? r : assert.fail(`expected accepted, got ${JSON.stringify(r)}`));

forEachDialect('call journal', (d) => {
  let ctx: Ctx;
  beforeEach(async () => {
    ctx = await setUp(() => d.open());
  });
  afterEach(async () => {
    await ctx.store.close();
  });

  it('ingests a sequence into one call and publishes each change after commit', async () => {
    const results = await ctx.journal.ingest(ACME, answeredCall(), 'api');
    assert.deepEqual(
      results.map((r) => accepted(r).applied),
      ['applied', 'applied', 'applied'],
    );
    const ids = new Set(results.map((r) => accepted(r).callId));
    assert.equal(ids.size, 1);
    const seqs = results.map((r) => accepted(r).seq);
    assert.deepEqual([...seqs].sort((a, b) => a - b), seqs);

    const [call, ...rest] = await allCalls(ctx.store);
    assert.equal(rest.length, 0);
    assert.equal(call.id, [...ids][0]);
    assert.equal(call.pbxCallId, 'c1');
    assert.equal(call.state, 'ended');
    assert.equal(call.outcome, 'answered');
    assert.equal(call.from.e164, '+49301111111');
    assert.equal(call.did, '+49309999000');
    assert.equal(call.ringSeconds, 5);
    assert.equal(call.talkSeconds, 60);
    assert.equal(call.version, 3);
    assert.equal(call.updatedAt, NOW.toISOString());
    assert.deepEqual(await ctx.store.calls.get(ACME, call.id), call);

    const events = await ctx.store.calls.eventsOf(ctx.store.dialect.db, ACME, call.id);
    assert.deepEqual(
      events.map((e) => [e.type, e.status, e.source, e.receivedAt]),
      [
        ['ringing', 'applied', 'api', NOW.toISOString()],
        ['answered', 'applied', 'api', NOW.toISOString()],
        ['ended', 'applied', 'api', NOW.toISOString()],
      ],
    );
    assert.deepEqual(events[1].event, answeredCall()[1]);

    assert.deepEqual(
      ctx.changes.map((c) => [c.seq, c.type, c.call.version]),
      [
        [seqs[0], 'call.ringing', 1],
        [seqs[1], 'call.answered', 2],
        [seqs[2], 'call.ended', 3],
      ],
    );
    // One batch, one transaction.
    assert.deepEqual(ctx.journal.counters, { applied: 3, unchanged: 0, late: 0, duplicate: 0, commits: 1 });
  });

  it('counts the active calls (ringing or answered) of every tenant', async () => {
    await ctx.journal.ingest(ACME, answeredCall('ended-1'), 'api');
    await ctx.journal.ingest(ACME, answeredCall('talking').slice(0, 2), 'api');
    await ctx.journal.ingest(ACME, answeredCall('ringing').slice(0, 1), 'api');
    await ctx.journal.ingest(BETA, answeredCall('beta-ringing').slice(0, 1), 'api');
    await ctx.journal.ingest(BETA, answeredCall('beta-ended'), 'api');
    assert.equal(await ctx.store.calls.countActive(), 3);
  });

  it('the same batch twice: the second is all duplicates and changes nothing', async () => {
    await ctx.journal.ingest(ACME, answeredCall(), 'api');
    const [before] = await allCalls(ctx.store);
    const published = ctx.changes.length;
    const again = await ctx.journal.ingest(ACME, answeredCall(), 'api');
    assert.deepEqual(again, [{ status: 'duplicate' }, { status: 'duplicate' }, { status: 'duplicate' }]);
    assert.deepEqual(await allCalls(ctx.store), [before]);
    assert.equal((await storedEvents(ctx.store)).length, 3);
    assert.equal(ctx.changes.length, published);
    assert.equal(ctx.journal.counters.duplicate, 3);
  });

  it('a batch repeating an event within itself stores it once', async () => {
    const [ringing, answered] = answeredCall();
    const results = await ctx.journal.ingest(ACME, [ringing, answered, ringing, answered], 'api');
    assert.deepEqual(
      results.map((r) => r.status),
      ['accepted', 'accepted', 'duplicate', 'duplicate'],
    );
    assert.equal((await storedEvents(ctx.store)).length, 2);
  });

  it('an out-of-order batch gives the same call as the in-order one', async () => {
    const events = answeredCall();
    await ctx.journal.ingest(ACME, events, 'api');
    await ctx.journal.ingest(BETA, [events[2], events[0], events[1]], 'api');
    const [inOrder] = await allCalls(ctx.store, ACME);
    const [outOfOrder] = await allCalls(ctx.store, BETA);
    assert.deepEqual(content(outOfOrder), content(inOrder));
    assert.deepEqual(content(inOrder), content(foldEvents({ id: '', tenantId: '', pbxCallId: 'c1' }, events, read)));
  });

  it('an older event in a later request refolds the call', async () => {
    const [ringing, answered, ended] = answeredCall();
    await ctx.journal.ingest(ACME, [answered], 'api');
    let [call] = await allCalls(ctx.store);
    assert.equal(call.startedAt, answered.at);
    assert.equal(call.ringSeconds, 0);

    const [r] = await ctx.journal.ingest(ACME, [ringing], 'api');
    assert.equal(accepted(r).applied, 'applied');
    [call] = await allCalls(ctx.store);
    assert.equal(call.startedAt, ringing.at);
    assert.equal(call.ringSeconds, 5);
    assert.equal(call.state, 'answered');
    assert.equal(call.version, 2);
    assert.equal(call.lastEventAt, answered.at);

    await ctx.journal.ingest(ACME, [ended], 'api');
    [call] = await allCalls(ctx.store);
    assert.deepEqual(content(call), content(foldEvents({ id: '', tenantId: '', pbxCallId: 'c1' }, [ringing, answered, ended], read)));
  });

  it('events after the end are stored as late and never reopen the call', async () => {
    await ctx.journal.ingest(ACME, answeredCall(), 'api');
    const [before] = await allCalls(ctx.store);
    const published = ctx.changes.length;
    const lateRinging = ev('ringing', 100, { callId: 'c1', extension: '202' });
    const lateLeg = ev('ringing', 30, { callId: 'c2', linkedCallId: 'c1', extension: '203' });
    const results = await ctx.journal.ingest(ACME, [lateRinging, lateLeg], 'api');
    assert.deepEqual(
      results.map((r) => accepted(r).applied),
      ['late', 'late'],
    );
    const [after] = await allCalls(ctx.store);
    assert.deepEqual(after, before);
    assert.equal(ctx.changes.length, published);
    assert.deepEqual(
      (await storedEvents(ctx.store)).map((e) => e.status),
      ['applied', 'applied', 'applied', 'late', 'late'],
    );
    assert.equal(ctx.journal.counters.late, 2);
  });

  it('legs join their call by linked id, and later by the leg index alone', async () => {
    await ctx.journal.ingest(
      ACME,
      [
        ev('ringing', 0, { callId: 'c1', extension: '201' }),
        ev('ringing', 1, { callId: 'c2', linkedCallId: 'c1', extension: '202' }),
        ev('answered', 4, { callId: 'c2', linkedCallId: 'c1', extension: '202' }),
        ev('ended', 4, { callId: 'c1', cause: 'cancel' }),
      ],
      'api',
    );
    // The PBX names only the leg now: the leg index finds the call.
    await ctx.journal.ingest(ACME, [ev('ended', 50, { callId: 'c2', cause: 'normal' })], 'api');
    const calls = await allCalls(ctx.store);
    assert.equal(calls.length, 1);
    const [call] = calls;
    assert.equal(call.pbxCallId, 'c1');
    assert.deepEqual(
      call.legs.map((l) => [l.id, l.state]),
      [
        ['c1', 'ended'],
        ['c2', 'ended'],
      ],
    );
    assert.equal(call.state, 'ended');
    assert.equal(call.answeredBy, '202');
    assert.equal(call.endedAt, t(50));
  });

  it('a batch is atomic: a failing event in the middle stores nothing of it', async () => {
    const broken = { ...ev('answered', 5, { callId: 'c2', extension: '202' }), key: null as unknown as string };
    const batch = [ev('ringing', 0, { callId: 'c1', extension: '201' }), ev('ringing', 1, { callId: 'c2', extension: '202' }), broken, ev('ended', 9, { callId: 'c1' })];
    await assert.rejects(ctx.journal.ingest(ACME, batch, 'api'));
    assert.deepEqual(await allCalls(ctx.store), []);
    assert.deepEqual(await storedEvents(ctx.store), []);
    assert.equal(await ctx.store.dialect.db.selectFrom('call_legs').select('leg_id').executeTakeFirst(), undefined);
    assert.equal(ctx.changes.length, 0);
    // The failure left no transaction or lock behind.
    await ctx.journal.ingest(ACME, answeredCall(), 'api');
    assert.equal((await allCalls(ctx.store)).length, 1);
  });

  it('an unknown tenant violates the foreign key and stores nothing', async () => {
    await assert.rejects(ctx.journal.ingest('nobody', answeredCall(), 'api'));
    const events = await ctx.store.dialect.db.selectFrom('call_events').select('seq').execute();
    const calls = await ctx.store.dialect.db.selectFrom('calls').select('id').execute();
    assert.deepEqual([events, calls], [[], []]);
  });

  it('a failing batch does not fail the batches committed together with it', async () => {
    const broken = { ...ev('answered', 5, { callId: 'bad' }), key: null as unknown as string };
    const settled = await Promise.allSettled([
      ctx.journal.ingest(ACME, answeredCall('good-1'), 'api'),
      ctx.journal.ingest(ACME, [ev('ringing', 0, { callId: 'bad' }), broken], 'api'),
      ctx.journal.ingest(ACME, answeredCall('good-2', 10), 'api'),
    ]);
    assert.deepEqual(
      settled.map((s) => s.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual((await allCalls(ctx.store)).map((c) => c.pbxCallId).sort(), ['good-1', 'good-2']);
    assert.equal((await storedEvents(ctx.store)).length, 6);
  });

  it('event keys are unique per tenant, not across tenants', async () => {
    await ctx.journal.ingest(ACME, answeredCall(), 'api');
    const results = await ctx.journal.ingest(BETA, answeredCall(), 'api');
    assert.deepEqual(
      results.map((r) => r.status),
      ['accepted', 'accepted', 'accepted'],
    );
    assert.equal((await allCalls(ctx.store, BETA)).length, 1);
  });

  it(
    'an event key already stored for another call is a duplicate',
    async () => {
      await ctx.journal.ingest(ACME, [ev('ringing', 0, { callId: 'c1', key: 'api:id:1' })], 'api');
      const results = await ctx.journal.ingest(ACME, [ev('ringing', 10, { callId: 'c2', key: 'api:id:1' })], 'api');
      assert.deepEqual(results, [{ status: 'duplicate' }]);
      assert.equal((await allCalls(ctx.store)).length, 1);
    },
  );

  it('20 instances ingesting the same batch at once: one call, each event stored once', async () => {
    const batch = [...answeredCall('c1'), ...answeredCall('c2', 3, { from: '0171 5555555' })];
    const instances = Array.from({ length: 20 }, () => ctx.instance());
    const all = await Promise.all(instances.map((j) => j.ingest(ACME, batch, 'api')));
    for (let i = 0; i < batch.length; i++) {
      const statuses = all.map((results) => results[i].status);
      assert.equal(statuses.filter((s) => s === 'accepted').length, 1, `event ${i}: ${statuses.join(',')}`);
      assert.equal(statuses.filter((s) => s === 'duplicate').length, 19);
    }
    const calls = await allCalls(ctx.store);
    assert.deepEqual(calls.map((c) => c.pbxCallId).sort(), ['c1', 'c2']);
    for (const call of calls) {
      assert.equal(call.state, 'ended');
      assert.equal(call.version, 3);
    }
    const keys = (await storedEvents(ctx.store)).map((e) => e.event_key);
    assert.deepEqual([...keys].sort(), batch.map((e) => e.key).sort());
  });

  it('20 instances each sending one event of a call, in any order: no change is lost', async () => {
    const events = [
      ev('ringing', 0, { callId: 'c1', extensions: ['201', '202', '203'], queue: 'support' }),
      ev('answered', 4, { callId: 'c1', extension: '202' }),
      ev('transferred', 20, { callId: 'c1', extension: '202', transferTo: '205', transferType: 'attended' }),
      ev('ringing', 21, { callId: 'c2', linkedCallId: 'c1', extension: '205' }),
      ev('answered', 25, { callId: 'c2', linkedCallId: 'c1', extension: '205' }),
      ev('ended', 26, { callId: 'c1', linkedCallId: null }),
      ev('ended', 90, { callId: 'c2', linkedCallId: 'c1' }),
    ];
    // Every event is sent by several instances at once, in an order that is neither time nor arrival.
    const sends = [...events, ...events, ...events].map((e, i) => ({ e, i })).sort((a, b) => ((a.i * 7) % 20) - ((b.i * 7) % 20));
    await Promise.all(sends.map(({ e }) => ctx.instance().ingest(ACME, [e], 'api')));
    const calls = await allCalls(ctx.store);
    assert.equal(calls.length, 1);
    assert.deepEqual(content(calls[0]), content(foldEvents({ id: '', tenantId: '', pbxCallId: 'c1' }, events, read)));
    assert.equal((await storedEvents(ctx.store)).length, events.length);
  });

  it(
    'concurrent batches naming two calls in opposite orders both commit',
    async () => {
    const a = answeredCall('c1');
    const b = answeredCall('c2', 1, { from: '0171 5555555' });
    const forward = [...a, ...b];
    const backward = [...b, ...a];
    const settled = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => ctx.instance().ingest(ACME, i % 2 ? forward : backward, 'api')));
    const failures = settled.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
    assert.deepEqual(failures, []);
    assert.equal((await allCalls(ctx.store)).length, 2);
    assert.equal((await storedEvents(ctx.store)).length, 6);
    },
  );

  listingTests(() => ctx);

  it('changesSince resumes after a sequence number with the applied events only', async () => {
    const results = await ctx.journal.ingest(ACME, answeredCall(), 'api');
    const seqs = results.map((r) => accepted(r).seq);
    await ctx.journal.ingest(ACME, answeredCall(), 'api'); // duplicates
    await ctx.journal.ingest(ACME, [ev('ringing', 500, { extension: '209' })], 'api'); // late
    await ctx.journal.ingest(BETA, answeredCall(), 'api');
    const callId = accepted(results[0]).callId;

    assert.deepEqual(await ctx.store.calls.changesSince(ACME, 0, 100), [
      { seq: seqs[0], callId, type: 'ringing' },
      { seq: seqs[1], callId, type: 'answered' },
      { seq: seqs[2], callId, type: 'ended' },
    ]);
    assert.deepEqual(
      (await ctx.store.calls.changesSince(ACME, seqs[0], 100)).map((c) => c.seq),
      seqs.slice(1),
    );
    assert.deepEqual(
      (await ctx.store.calls.changesSince(ACME, 0, 1)).map((c) => c.seq),
      [seqs[0]],
    );
    assert.deepEqual(await ctx.store.calls.changesSince(ACME, seqs[2], 100), []);
    // The live feed and the resume feed agree.
    assert.deepEqual(
      ctx.changes.map((c) => c.seq),
      seqs,
    );
  });
});

/**
 * Listing: six calls of ACME with different directions, outcomes and parties, one of BETA that must
 * never show, and a burst of calls starting in the same second for paging.
 */
function listingTests(get: () => Ctx): void {
  const DID = '030 9999000';
  const acmeCalls: CallEvent[][] = [
    // in-1 10:00 inbound, answered by 201
    answeredCall('in-1', 0, { to: DID }),
    // in-2 10:10 inbound to the support queue, ring group 202/203, missed
    [ev('ringing', 600, { callId: 'in-2', from: '0171 5555555', queue: 'support', extensions: ['202', '203'] }), ev('ended', 630, { callId: 'in-2', cause: 'noAnswer' })],
    // out-1 10:20 outbound from 201 to 030 1111111, busy
    [ev('ringing', 1200, { callId: 'out-1', direction: 'outbound', from: '201', to: '030 1111111', extension: '201' }), ev('ended', 1210, { callId: 'out-1', direction: 'outbound', from: '201', to: '030 1111111', cause: 'busy' })],
    // int-1 10:30 internal 201 → 204, answered
    answeredCall('int-1', 1800, { direction: 'internal', from: '201', to: '204', extension: '204' }),
    // in-3 10:40 withheld caller, answered by 202 and transferred to 205
    [
      ev('ringing', 2400, { callId: 'in-3', from: 'anonymous', extension: '202' }),
      ev('answered', 2405, { callId: 'in-3', from: 'anonymous', extension: '202' }),
      ev('transferred', 2430, { callId: 'in-3', from: 'anonymous', extension: '202', transferTo: '205', transferType: 'blind' }),
      ev('ended', 2500, { callId: 'in-3', from: 'anonymous' }),
    ],
    // in-4 10:50 still ringing
    [ev('ringing', 3000, { callId: 'in-4', from: '0171 5555555', extension: '201' })],
  ];

  const seed = async (ctx: Ctx) => {
    for (const events of acmeCalls) await ctx.journal.ingest(ACME, events, 'api');
    await ctx.journal.ingest(BETA, answeredCall('beta-1', 900), 'api');
  };

  const list = async (ctx: Ctx, filter: Omit<CallFilter, 'tenantId' | 'limit'>) =>
    (await ctx.store.calls.list({ tenantId: ACME, limit: 100, ...filter })).map((c) => c.pbxCallId);

  it('lists a tenant’s calls newest first, with each filter', async () => {
    const ctx = get();
    await seed(ctx);
    assert.deepEqual(await list(ctx, {}), ['in-4', 'in-3', 'int-1', 'out-1', 'in-2', 'in-1']);
    assert.deepEqual(await list(ctx, { direction: 'inbound' }), ['in-4', 'in-3', 'in-2', 'in-1']);
    assert.deepEqual(await list(ctx, { direction: 'internal' }), ['int-1']);
    assert.deepEqual(await list(ctx, { outcome: 'answered' }), ['in-3', 'int-1', 'in-1']);
    assert.deepEqual(await list(ctx, { outcome: 'missed' }), ['in-2']);
    assert.deepEqual(await list(ctx, { outcome: 'busy' }), ['out-1']);
    assert.deepEqual(await list(ctx, { state: 'ringing' }), ['in-4']);
    assert.deepEqual(await list(ctx, { queue: 'support' }), ['in-2']);
    assert.deepEqual(await list(ctx, { extension: '201' }), ['in-4', 'out-1', 'in-1']);
    assert.deepEqual(await list(ctx, { extension: '203' }), ['in-2']);
    assert.deepEqual(await list(ctx, { extension: '205' }), ['in-3']);
    assert.deepEqual(await list(ctx, { extension: '999' }), []);
    assert.deepEqual(await list(ctx, { number: '+49301111111' }), ['out-1', 'in-1']);
    assert.deepEqual(await list(ctx, { number: '+491715555555' }), ['in-4', 'in-2']);
    assert.deepEqual(await list(ctx, { number: 'anonymous' }), ['in-3']);
    assert.deepEqual(await list(ctx, { from: t(600), to: t(1800) }), ['out-1', 'in-2']);
    assert.deepEqual(await list(ctx, { from: t(2400) }), ['in-4', 'in-3']);
    assert.deepEqual(await list(ctx, { to: t(600) }), ['in-1']);
    assert.deepEqual(await list(ctx, { direction: 'inbound', extension: '202' }), ['in-3', 'in-2']);
    assert.deepEqual(await list(ctx, { direction: 'inbound', outcome: 'answered', from: t(1) }), ['in-3']);
    assert.deepEqual(
      (await ctx.store.calls.list({ tenantId: BETA, limit: 100 })).map((c) => c.pbxCallId),
      ['beta-1'],
    );
    assert.equal(await ctx.store.calls.countActive(), 1);
  });

  it('pages with a cursor through calls that start in the same second', async () => {
    const ctx = get();
    await seed(ctx);
    for (let i = 0; i < 7; i++) await ctx.journal.ingest(ACME, [ev('ringing', 1500, { callId: `tie-${i}`, extension: '210' })], 'api');
    const everything = await ctx.store.calls.list({ tenantId: ACME, limit: 100 });
    assert.equal(everything.length, 13);
    for (const limit of [1, 2, 3, 5]) {
      const seen: string[] = [];
      let after: CallFilter['after'];
      for (let page = 0; page < 20; page++) {
        const calls = await ctx.store.calls.list({ tenantId: ACME, limit, after });
        seen.push(...calls.map((c) => c.id));
        if (calls.length < limit) break;
        const last = calls[calls.length - 1];
        after = { startedAt: last.startedAt, id: last.id };
      }
      assert.deepEqual(seen, everything.map((c) => c.id), `limit ${limit}`);
    }
    // Paging composes with filters.
    const page1 = await ctx.store.calls.list({ tenantId: ACME, limit: 4, extension: '210' });
    const last = page1[page1.length - 1];
    const page2 = await ctx.store.calls.list({ tenantId: ACME, limit: 4, extension: '210', after: { startedAt: last.startedAt, id: last.id } });
    assert.deepEqual([page1.length, page2.length], [4, 3]);
    assert.equal(new Set([...page1, ...page2].map((c) => c.pbxCallId)).size, 7);
  });
}

it('SQLite: a refold reads only the call’s events, and a stream resume only the events after its seq', async () => {
  // SQLite keeps no statistics: which index it takes follows from the query and the schema alone.
  // (PostgreSQL plans by its statistics.) Both once took an index that reads every event of the tenant.
  const dir = mkdtempSync(join(tmpdir(), 'callbridge-journal-'));
  const ctx = await setUp(() => openStore({ dataDir: dir }));
  try {
    await ctx.journal.ingest(ACME, answeredCall('c1'), 'api');
    const [call] = await allCalls(ctx.store);
    const plan = async (compiled: { sql: string }) =>
      (await sql.raw<{ detail: string }>(`explain query plan ${compiled.sql.replaceAll('?', "'x'")}`).execute(ctx.store.dialect.db)).rows.map((r) => r.detail);
    assert.deepEqual(await plan(callHistoryQuery(ctx.store.dialect.db, call.id).compile()), ['SEARCH call_events USING INDEX call_events_call (call_id=?)']);
    assert.deepEqual(await plan(changesSinceQuery(ctx.store.dialect.db, ACME, 0, 100).compile()), [
      'SEARCH call_events USING INDEX call_events_tenant_seq (tenant_id=? AND seq>?)',
    ]);
    // The tenant is checked on the rows: another tenant's history of the same call id is empty.
    assert.equal((await ctx.store.calls.eventsOf(ctx.store.dialect.db, ACME, call.id)).length, 3);
    assert.equal((await ctx.store.calls.eventsOf(ctx.store.dialect.db, BETA, call.id)).length, 0);
  } finally {
    await ctx.store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
