/**
 * `kill -9` in the middle of ingest, as processes: eight HTTP clients post 10,000 events (batches of
 * 1–20, every call's events through one client, one request at a time per client) to a real
 * `callbridge serve`; the server is killed while they post, three times. After each restart:
 * - every acknowledged (200) event is in the journal, once;
 * - a batch in flight at the kill is there whole or not at all (one transaction per batch), and no
 *   other event is;
 * - every stored event belongs to a stored call, and every call's state agrees with its events.
 * The clients resend everything not acknowledged (idempotency: re-posting a committed batch changes
 * nothing) and go on; at the end the journal holds exactly the 10,000 events, every call ended as sent.
 * On SQLite (WAL) and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openStore } from '../../src/storage/store.ts';
import { freshPostgresDatabase } from '../support/pg-database.ts';
import { serveProcesses, type ServeProcess } from '../support/serve-process.ts';

const EVENTS = 10_000;
const CLIENTS = 8;
/** The server is killed when this many events are acknowledged (over all runs so far). */
const KILLS_AT = [2_500, 5_000, 7_500];

type Event = { eventId: string; type: string; callId: string; direction: string; from: string; to: string; extension: string; timestamp: string; cause?: string };
type Batch = { id: number; events: Event[] };

/** 10,000 events of 3,334 calls (ringing, answered, ended), split per client into batches of 1–20. */
function workload(): Batch[][] {
  const calls: Event[][] = [];
  let n = 0;
  for (let c = 0; n < EVENTS; c++) {
    const t = (s: number) => new Date(Date.parse('2026-11-21T08:00:00Z') + c * 1000 + s * 1000).toISOString();
    const common = { callId: `kill-${c}`, direction: 'inbound', from: `030 ${String(1_000_000 + c)}`, to: '+49 30 999000', extension: String(200 + (c % 50)) };
    const events: Event[] = [];
    for (const [type, s] of [['call.ringing', 0], ['call.answered', 5], ['call.ended', 65]] as const) {
      if (n >= EVENTS) break;
      events.push({ ...common, eventId: `e-${c}-${type}`, type, timestamp: t(s), ...(type === 'call.ended' ? { cause: 'normal' } : {}) });
      n++;
    }
    calls.push(events);
  }
  const perClient: Event[][] = Array.from({ length: CLIENTS }, () => []);
  calls.forEach((events, c) => perClient[c % CLIENTS].push(...events));
  let id = 0;
  let seed = 7;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  return perClient.map((events) => {
    const batches: Batch[] = [];
    for (let i = 0; i < events.length; ) {
      const size = 1 + Math.floor(random() * 20);
      batches.push({ id: id++, events: events.slice(i, i + size) });
      i += size;
    }
    return batches;
  });
}

type Outcome = { acked: Set<number>; inFlight: Set<number> };

/** One client: posts its batches one after another until a request fails (the server died). */
async function client(url: string, key: string, batches: Batch[], outcome: Outcome, onAck: (id: number) => void): Promise<void> {
  for (const batch of batches) {
    if (outcome.acked.has(batch.id)) continue;
    outcome.inFlight.add(batch.id);
    let status: number;
    try {
      const res = await fetch(`${url}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(batch.events), signal: AbortSignal.timeout(60_000) });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      return; // Connection refused or reset: the batch stays in flight (its fate unknown).
    }
    assert.equal(status, 200, `batch ${batch.id} answered ${status}`);
    outcome.inFlight.delete(batch.id);
    outcome.acked.add(batch.id);
    onAck(batch.id);
  }
}

type Stored = { keys: string[]; events: Array<{ key: string; callId: string; type: string; status: string }>; calls: Map<string, { pbxCallId: string; state: string; outcome: string | null }> };

async function readJournal(location: { databaseUrl: string | undefined; dataDir: string }): Promise<Stored> {
  const store = await openStore(location);
  try {
    const db = store.dialect.db;
    const events = await db.selectFrom('call_events').select(['event_key', 'call_id', 'type', 'status']).execute();
    const calls = await db.selectFrom('calls').select(['id', 'pbx_call_id', 'state', 'outcome']).execute();
    return {
      keys: events.map((e) => e.event_key),
      events: events.map((e) => ({ key: e.event_key, callId: e.call_id, type: e.type, status: e.status })),
      calls: new Map(calls.map((c) => [c.id, { pbxCallId: c.pbx_call_id, state: c.state, outcome: c.outcome }])),
    };
  } finally {
    await store.close();
  }
}

const keyOf = (e: Event) => `api:id:${e.eventId}`;

/** The journal's invariants that hold at any commit boundary. */
function assertConsistent(stored: Stored): void {
  assert.equal(new Set(stored.keys).size, stored.keys.length, 'no event stored twice');
  const typesByCall = new Map<string, Set<string>>();
  for (const e of stored.events) {
    const call = stored.calls.get(e.callId);
    assert.ok(call, `event ${e.key} belongs to a stored call`);
    assert.equal(e.status, 'applied', `${e.key} applied`);
    const set = typesByCall.get(e.callId) ?? new Set();
    set.add(e.type);
    typesByCall.set(e.callId, set);
  }
  for (const [id, call] of stored.calls) {
    const types = typesByCall.get(id);
    assert.ok(types, `call ${call.pbxCallId} has events`);
    const expected = types.has('ended') ? 'ended' : types.has('answered') ? 'answered' : 'ringing';
    assert.equal(call.state, expected, `state of ${call.pbxCallId} agrees with its events ${[...types].join(',')}`);
    if (expected === 'ended') assert.equal(call.outcome, types.has('answered') ? 'answered' : 'missed');
  }
}

const adminKeyOf = (p: ServeProcess) => /^\s+(cb_[a-z0-9]{10}_[A-Za-z0-9_-]{32})$/m.exec(p.output())?.[1];

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`kill -9 during concurrent ingest [${dialect}]`, () => {
    it(`keeps every acknowledged event of ${EVENTS}, exactly once, through ${KILLS_AT.length} kills, and converges after resending`, async (t) => {
      const databaseUrl = dialect === 'postgres' ? await freshPostgresDatabase('cbkill') : undefined;
      const { dataDir, serve } = serveProcesses(`callbridge-kill-${dialect}-`, { databaseUrl });
      const location = { databaseUrl, dataDir };
      const first = await serve();
      const adminKey = adminKeyOf(first);
      assert.ok(adminKey, first.output());
      const created = await fetch(`${first.url}/api/v1/keys`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'pbx', role: 'ingest' }) });
      assert.equal(created.status, 201);
      const ingestKey = ((await created.json()) as { key: string }).key;

      const plan = workload();
      const batches = new Map(plan.flat().map((b) => [b.id, b]));
      assert.equal([...batches.values()].reduce((n, b) => n + b.events.length, 0), EVENTS);
      const acked = new Set<number>();
      /** Batches in flight at a kill and not acknowledged since: their fate is unknown to the client. */
      const unresolved = new Set<number>();
      let committedUnacked = 0;
      let server = first;
      for (const killAt of KILLS_AT) {
        const outcome: Outcome = { acked, inFlight: new Set() };
        let ackedEvents = [...acked].reduce((n, id) => n + batches.get(id)!.events.length, 0);
        let killed = false;
        const victim = server;
        const exited = new Promise((r) => victim.child.once('exit', r));
        // Each client resends its unacknowledged batches first, then goes on, until the server dies.
        await Promise.all(
          plan.map((mine) =>
            client(victim.url, ingestKey, mine, outcome, (id) => {
              unresolved.delete(id);
              ackedEvents += batches.get(id)!.events.length;
              if (ackedEvents >= killAt && !killed) {
                killed = true;
                victim.child.kill('SIGKILL');
              }
            }),
          ),
        );
        assert.ok(killed, 'the server was killed while clients were posting');
        await exited;
        assert.ok(outcome.inFlight.size > 0 && outcome.inFlight.size <= CLIENTS, `requests were in flight at the kill (${outcome.inFlight.size})`);
        for (const id of outcome.inFlight) unresolved.add(id);

        // After the crash: acked ⊆ stored ⊆ acked ∪ unresolved, and an unresolved batch is all or nothing.
        const afterCrash = await readJournal(location);
        assertConsistent(afterCrash);
        const stored = new Set(afterCrash.keys);
        const ackedKeys = [...acked].flatMap((id) => batches.get(id)!.events.map(keyOf));
        for (const k of ackedKeys) assert.ok(stored.has(k), `acknowledged ${k} survived`);
        let committed = 0;
        for (const id of unresolved) {
          const present = batches.get(id)!.events.map((e) => stored.has(keyOf(e)));
          assert.ok(present.every((p) => p === present[0]), `batch ${id} in flight at a kill is whole or absent: ${present.join(',')}`);
          if (present[0]) committed++;
        }
        committedUnacked += committed;
        assert.equal(stored.size, ackedKeys.length + [...unresolved].filter((id) => stored.has(keyOf(batches.get(id)!.events[0]))).reduce((n, id) => n + batches.get(id)!.events.length, 0), 'nothing stored that was neither acknowledged nor in flight');
        server = await serve();
      }
      t.diagnostic(`batches committed but not acknowledged at a kill: ${committedUnacked}`);

      // The clients resend what was not acknowledged, then the rest (idempotency: a committed batch changes nothing).
      const last: Outcome = { acked, inFlight: new Set() };
      await Promise.all(plan.map((mine) => client(server.url, ingestKey, mine, last, () => {})));
      assert.equal(last.inFlight.size, 0);
      assert.equal(acked.size, batches.size);
      server.child.kill('SIGTERM');
      assert.equal(await new Promise((r) => server.child.once('exit', r)), 0);

      const final = await readJournal(location);
      assertConsistent(final);
      const expectedKeys = [...batches.values()].flatMap((b) => b.events.map(keyOf)).sort();
      assert.deepEqual([...final.keys].sort(), expectedKeys, 'exactly the full set of events');
      const calls = [...final.calls.values()];
      assert.equal(calls.length, new Set([...batches.values()].flatMap((b) => b.events.map((e) => e.callId))).size);
      const complete = calls.filter((c) => c.state === 'ended');
      assert.equal(complete.length, Math.floor(EVENTS / 3), 'every call with all three events ended');
      assert.ok(complete.every((c) => c.outcome === 'answered'));
    });
  });
}
