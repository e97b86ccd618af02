/**
 * Upgrades that rebuild or drop what holds data: a store migrated to the release before, filled,
 * then brought to the latest schema, on both databases.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import type { StorageDialect } from '../src/storage/dialect.ts';
import { openDialect } from '../src/storage/open-store.ts';
import { migrateTo, migrateToLatest } from '../src/storage/migrate.ts';
import { freshPostgresDatabase } from './support/pg-database.ts';

type Opened = { dialect: StorageDialect; indexes(table: string): Promise<string[]>; clustered(table: string): Promise<boolean>; done(): Promise<void> };

const OPEN: Record<string, () => Promise<Opened>> = {
  async sqlite() {
    const dir = mkdtempSync(join(tmpdir(), 'callbridge-migrate-'));
    const dialect = openDialect({ databaseUrl: `sqlite:${join(dir, 'test.db')}`, dataDir: dir });
    const ddl = async (table: string) => (await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = ${table}`.execute(dialect.db)).rows[0].sql;
    return {
      dialect,
      indexes: async (table) => (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = ${table} order by name`.execute(dialect.db)).rows.map((r) => r.name),
      clustered: async (table) => /without rowid\s*$/i.test(await ddl(table)),
      async done() {
        await dialect.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  async postgres() {
    const dialect = openDialect({ databaseUrl: await freshPostgresDatabase('cbmigrate'), dataDir: tmpdir() });
    return {
      dialect,
      indexes: async (table) => (await sql<{ indexname: string }>`select indexname from pg_indexes where tablename = ${table} order by indexname`.execute(dialect.db)).rows.map((r) => r.indexname),
      clustered: async () => false,
      done: () => dialect.close(),
    };
  },
};

for (const [name, open] of Object.entries(OPEN)) {
  describe(`013-lean-phonebook-tables (${name})`, () => {
    it('keeps every number and source record, drops the unused e164 index, and keeps the cascade from contacts', async () => {
      const { dialect, indexes, clustered, done } = await open();
      const db = dialect.db;
      // node:sqlite gives rows without a prototype.
      const plain = <T extends object>(rows: T[]) => rows.map((r) => ({ ...r }));
      try {
        await migrateTo(dialect, '012-contacts-tenant-id');
        assert.ok((await indexes('contact_numbers')).includes('contact_numbers_e164'));
        const now = new Date().toISOString();
        await db.insertInto('tenants').values({ id: 't1', name: 'T1', default_country: 'DE', created_at: now, updated_at: now } as never).execute();
        const contact = (id: string) => ({
          id, tenant_id: 't1', owner_user_id: null, kind: 'person', name: `Name ${id}`, company: null, emails: '[]', notes: null, origin: 'synced',
          source_id: 's1', source_record_id: `r-${id}`, forwarding_target: 0, search_text: id, created_at: now, updated_at: now,
        });
        await db.insertInto('contacts').values([contact('c1'), contact('c2')]).execute();
        const numbers = [
          { contact_id: 'c1', position: 0, tenant_id: 't1', raw: '030 123456', e164: '+4930123456', type: 'work', switchboard: 0 },
          { contact_id: 'c1', position: 1, tenant_id: 't1', raw: '0171 1234567', e164: '+491711234567', type: 'mobile', switchboard: 0 },
          { contact_id: 'c2', position: 0, tenant_id: 't1', raw: '-22', e164: null, type: 'work', switchboard: 1 },
        ];
        await db.insertInto('contact_numbers').values(numbers).execute();
        const records = [
          { source_id: 's1', record_id: 'r-c1', contact_id: 'c1', hash: 'h1' },
          { source_id: 's1', record_id: 'r-c2', contact_id: 'c2', hash: 'h2' },
        ];
        await db.insertInto('source_records').values(records).execute();

        await migrateToLatest(dialect);

        assert.deepEqual(plain(await db.selectFrom('contact_numbers').selectAll().orderBy('contact_id').orderBy('position').execute()), numbers);
        assert.deepEqual(plain(await db.selectFrom('source_records').selectAll().orderBy('record_id').execute()), records);
        assert.ok(!(await indexes('contact_numbers')).includes('contact_numbers_e164'));
        assert.equal(await clustered('contact_numbers'), name === 'sqlite');
        assert.equal(await clustered('source_records'), name === 'sqlite');
        // The key still refuses a second number at the same position, and deleting a contact still takes its numbers.
        await assert.rejects(db.insertInto('contact_numbers').values({ ...numbers[0], raw: 'again' }).execute());
        await assert.rejects(db.insertInto('source_records').values({ ...records[0], hash: 'again' }).execute());
        await db.deleteFrom('contacts').where('id', '=', 'c1').execute();
        assert.deepEqual(plain(await db.selectFrom('contact_numbers').select('contact_id').execute()), [{ contact_id: 'c2' }]);
      } finally {
        await done();
      }
    });
  });
  describe(`014-unlogged-staging (${name})`, () => {
    it('takes the sync staging tables out of the write-ahead log where the database has unlogged tables', async () => {
      const { dialect, done } = await open();
      try {
        await migrateToLatest(dialect);
        if (name === 'postgres') {
          const { rows } = await sql<{ relname: string; relpersistence: string }>`select relname, relpersistence from pg_class where relname in ('source_staging', 'source_staging_numbers', 'contacts') order by relname`.execute(dialect.db);
          assert.deepEqual(rows.map((r) => ({ ...r })), [
            { relname: 'contacts', relpersistence: 'p' },
            { relname: 'source_staging', relpersistence: 'u' },
            { relname: 'source_staging_numbers', relpersistence: 'u' },
          ]);
        } else {
          assert.equal(dialect.unlogged, undefined);
        }
      } finally {
        await done();
      }
    });
  });
}
