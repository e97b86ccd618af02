import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { CompiledQuery } from 'kysely';
import { prepare } from './prepared.ts';
import { openStore, type Store } from './store.ts';

let dir: string;
let store: Store;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'callbridge-prepared-'));
  store = await openStore({ dataDir: dir });
  await store.tenants.create({ id: 't1', name: 'T1', defaultCountry: 'DE', areaCode: null }, new Date().toISOString());
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

it('SQLite offers runInTransaction, and a prepared query uses it inside a transaction only', async () => {
  const run = store.dialect.runInTransaction;
  assert.ok(run, 'the SQLite dialect runs queries directly in a transaction');
  const direct: CompiledQuery[] = [];
  const tenantName = prepare<{ id: string }, { name: string }>(
    store.dialect.db,
    ['id'],
    (db, p) => db.selectFrom('tenants').select('name').where('id', '=', p.id),
    (query) => (direct.push(query), run(query)),
  );
  const outside = await tenantName(store.dialect.db, { id: 't1' });
  assert.deepEqual(outside.rows.map((r) => r.name), ['T1']);
  assert.equal(direct.length, 0, 'outside a transaction the query goes through Kysely (the connection may be busy)');
  const inside = await store.dialect.db.transaction().execute((trx) => tenantName(trx, { id: 't1' }));
  assert.deepEqual(inside.rows.map((r) => r.name), ['T1']);
  assert.deepEqual(direct.map((q) => q.parameters), [['t1']]);
});

it('a direct query that fails rejects, and the transaction rolls back', async () => {
  const run = store.dialect.runInTransaction!;
  const rename = prepare<{ id: string; name: string }, never>(
    store.dialect.db,
    ['id', 'name'],
    (db, p) => db.updateTable('tenants').set({ name: p.name }).where('id', '=', p.id),
    run,
  );
  const broken = prepare<{ id: string }, never>(store.dialect.db, ['id'], (db, p) => db.insertInto('tenants').values({ id: p.id } as never), run);
  await assert.rejects(
    store.dialect.db.transaction().execute(async (trx) => {
      await rename(trx, { id: 't1', name: 'Renamed' });
      await broken(trx, { id: 't2' });
    }),
    /NOT NULL/,
  );
  assert.equal((await store.tenants.get('t1'))?.name, 'T1');
});
