/**
 * The PostgreSQL dialect's broadcast (NOTIFY/LISTEN) against a real server: a message sent with a
 * transaction reaches every listener once that transaction commits, in commit order, and never
 * after a rollback; all of a process's listeners share one session, which is opened again when it is
 * killed (and then gets what is sent after) and closed when the last listener stops.
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import type { Broadcast } from '../src/storage/dialect.ts';
import { LISTENER_NAME } from '../src/storage/dialects/postgres/postgres-broadcast.ts';
import { openStore, type Store } from '../src/storage/store.ts';
import { freshPostgresDatabase } from './support/pg-database.ts';
import { until } from './support/until.ts';

let store: Store;
let broadcast: Broadcast;
/** The listening sessions of this database. */
const sessions = () =>
  sql<{ pid: number }>`select pid from pg_stat_activity where application_name = ${LISTENER_NAME} and datname = current_database()`.execute(store.dialect.db).then((r) => r.rows);
before(async () => {
  store = await openStore({ databaseUrl: await freshPostgresDatabase('cbcast'), dataDir: tmpdir() });
  broadcast = store.dialect.broadcast!;
  assert.ok(broadcast, 'the PostgreSQL dialect has a broadcast');
});
after(() => store.close());

it('delivers after commit, to every listener, in commit order; nothing after a rollback', async () => {
  const first: string[] = [];
  const second: string[] = [];
  const stops = [await broadcast.listen('cb_test_a', (p) => first.push(p)), await broadcast.listen('cb_test_a', (p) => second.push(p))];
  const other: string[] = [];
  stops.push(await broadcast.listen('cb_test_b', (p) => other.push(p)));
  assert.equal((await sessions()).length, 1, 'one session for every listener');
  try {
    const db = store.dialect.db;
    // The first transaction sends, then waits for the second to commit before committing itself.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const slow = db.transaction().execute(async (trx) => {
      await broadcast.send(trx, 'cb_test_a', 'slow');
      await held;
    });
    await db.transaction().execute(async (trx) => {
      await broadcast.send(trx, 'cb_test_a', 'fast');
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(first, [], 'nothing before the commit');
    });
    await until('the committed message', () => first.length === 1);
    release();
    await slow;
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await broadcast.send(trx, 'cb_test_a', 'rolled back');
        throw new Error('abort');
      }),
      /abort/,
    );
    await broadcast.send(db, 'cb_test_a', 'ü'.repeat(100));
    await until('every message', () => first.length === 3 && second.length === 3);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(first, ['fast', 'slow', 'ü'.repeat(100)]);
    assert.deepEqual(second, first);
    assert.deepEqual(other, [], 'another channel hears nothing');
  } finally {
    for (const stop of stops) await stop();
  }
});

it('listens again after its session is killed, and closes it when the last listener stops', async () => {
  const heard: string[] = [];
  const also: string[] = [];
  const stop = await broadcast.listen('cb_test_c', (p) => heard.push(p));
  const stopAlso = await broadcast.listen('cb_test_d', (p) => also.push(p));
  const db = store.dialect.db;
  await broadcast.send(db, 'cb_test_c', 'one');
  await until('the first message', () => heard.length === 1);
  const killed = await sessions();
  assert.equal(killed.length, 1);
  await sql`select pg_terminate_backend(${killed[0].pid})`.execute(db);
  // Listening again takes the retry delay (0.5 s); messages sent meanwhile are lost, by design.
  const end = Date.now() + 10_000;
  for (;;) {
    const now = await sessions();
    if (now.length === 1 && now[0].pid !== killed[0].pid) break;
    if (Date.now() > end) throw new Error('the listener did not come back');
    await new Promise((r) => setTimeout(r, 100));
  }
  // The new session shows in pg_stat_activity before it has run its LISTENs: what is sent in between
  // is lost too, so send again until both channels hear it.
  await until('the messages after the reconnect, on both channels', async () => {
    await broadcast.send(db, 'cb_test_c', 'two');
    await broadcast.send(db, 'cb_test_d', 'too');
    await new Promise((r) => setTimeout(r, 100));
    return heard.includes('two') && also.includes('too');
  });
  await stop();
  await broadcast.send(db, 'cb_test_c', 'three');
  await broadcast.send(db, 'cb_test_d', 'still');
  await until('the message to the listener left', () => also.includes('still'));
  assert.ok(!heard.includes('three'), 'a stopped listener hears nothing');
  assert.equal((await sessions()).length, 1);
  await stopAlso();
  // The server ends the session just after the client closed it.
  let left = await sessions();
  for (const end = Date.now() + 5_000; left.length > 0 && Date.now() < end; left = await sessions()) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(left, [], 'the last listener stopped: no listening session left');
});
