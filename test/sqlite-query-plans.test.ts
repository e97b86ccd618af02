/**
 * SQLite keeps no statistics, so which index it takes follows from the query and the schema alone.
 * These are the reads whose plan matters at scale (the journal's are in journal.test.ts); a plan that
 * reads a whole tenant for one page fails here. PostgreSQL plans by its statistics.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { sql, type Compilable } from 'kysely';
import { countActiveQuery } from '../src/storage/repositories/calls-repository.ts';
import { contactsPageQuery } from '../src/storage/repositories/contacts-repository.ts';
import { openStore } from '../src/storage/store.ts';

it('a page of the phonebook (the index build at start) is one range read of contacts_tenant_id, without a sort', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'callbridge-plans-'));
  const store = await openStore({ dataDir: dir });
  try {
    const plan = async (query: Compilable<unknown>) =>
      (await sql.raw<{ detail: string }>(`explain query plan ${query.compile().sql.replaceAll('?', "'x'")}`).execute(store.dialect.db)).rows.map((r) => r.detail);
    assert.deepEqual(await plan(contactsPageQuery(store.dialect.db, 'default', '', 5000)), ['SEARCH contacts USING INDEX contacts_tenant_id (tenant_id=? AND id>?)']);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('the active calls gauge reads a few ranges of calls_tenant_state, not the whole journal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'callbridge-plans-'));
  const store = await openStore({ dataDir: dir });
  try {
    const { rows } = await sql.raw<{ detail: string }>(`explain query plan ${countActiveQuery(store.dialect.db).compile().sql.replaceAll('?', "'x'")}`).execute(store.dialect.db);
    const calls = rows.map((r) => r.detail).filter((d) => / calls /.test(d));
    assert.deepEqual(calls, ['SEARCH calls USING COVERING INDEX calls_tenant_state (tenant_id=? AND state=?)']);
    assert.equal(await store.calls.countActive(), 0);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
