import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { createSqliteDialect } from './sqlite-dialect.ts';

test('the write-ahead log is checkpointed by the worker, not by commits, and the file is cut back after a large write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'callbridge-wal-'));
  const file = join(dir, 'db.sqlite');
  const dialect = createSqliteDialect({ file });
  try {
    const db = dialect.db;
    const autocheckpoint = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
    assert.equal(autocheckpoint.rows[0].wal_autocheckpoint, 0, 'commits never checkpoint');
    await sql`create table blobs (id integer primary key, data blob not null)`.execute(db);
    // 80 MB in 20 commits: far past SQLite's automatic threshold (1,000 pages) and the 64 MB size limit.
    for (let i = 0; i < 20; i++) {
      await db.transaction().execute(async (trx) => {
        for (let j = 0; j < 1000; j++) await sql`insert into blobs (data) values (randomblob(4096))`.execute(trx);
      });
    }
    // The worker copies the log into the database file within a few of its 100 ms ticks.
    const deadline = Date.now() + 20_000;
    while (statSync(file).size < 80 * 1024 * 1024 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(statSync(file).size >= 80 * 1024 * 1024, `database file ${statSync(file).size} bytes: the log was not checkpointed`);
    // Once every frame is copied, the next write starts the log again from its beginning and cuts the
    // file back to journal_size_limit.
    let writes = 0;
    const wal = () => statSync(`${file}-wal`).size;
    while (wal() > 64 * 1024 * 1024 && Date.now() < deadline) {
      await sql`insert into blobs (data) values (x'00')`.execute(db);
      writes++;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(wal() <= 64 * 1024 * 1024, `log file ${wal()} bytes`);
    const count = await sql<{ n: number }>`select count(*) as n from blobs`.execute(db);
    assert.equal(Number(count.rows[0].n), 20_000 + writes);
  } finally {
    await dialect.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
