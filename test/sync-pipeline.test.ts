/**
 * The sync engine's pipeline: batches prepared on worker threads while the next ones are read, and
 * staged in order. The phonebook it builds is the inline one; a batch that fails to prepare fails
 * the run and changes nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { SourceSyncRepository } from '../src/storage/repositories/source-sync-repository.ts';
import { createRecordMapper, inlineRecordMapper, type RecordMapper } from '../src/sync/record-mapper.ts';
import { PASSWORD, startCsvServer, USER, type CsvServer } from './support/csv-server.ts';
import { forEachDialect } from './support/databases.ts';
import { syncHarness } from './support/sync-harness.ts';

/** Rows in several batches (the engine's batch is 2,000): numbers written every way, some refused, some duplicated. */
function csv(rows: number, version: number): string {
  const lines = ['Kundennummer;Vorname;Nachname;Firma;Telefon geschäftlich;Mobiltelefon'];
  const forms = ['030 1234%', '+49 (0)89 445566-%', '0049 40 777%', '(0221) 98 7%', '1234%', 'n/a'];
  for (let i = 0; i < rows; i++) {
    const number = forms[i % forms.length].replace('%', String(100 + ((i * 37 + version) % 900)));
    const name = i % 97 === 0 ? ';' : `Person${i};Nachname${version}`;
    lines.push(`${i % 1_000 === 999 ? 'C0' : `C${i}`};${name};${i % 5 === 0 ? 'Firma GmbH' : ''};${number};${i % 3 === 0 ? `0171 ${1_000_000 + i}` : ''}`);
  }
  return lines.join('\r\n');
}

/**
 * A mapper that fails its `failAt`-th call (counted from arming), as a dying worker thread would;
 * `staged` counts the batches its inner mapper's threads took to stage.
 */
function breakableMapper(inner: RecordMapper): RecordMapper & { arm(failAt: number): void; staged: number } {
  let calls = 0;
  let failAt = 0;
  const fail = () => failAt && ++calls === failAt;
  const mapper: RecordMapper & { arm(failAt: number): void; staged: number } = {
    staged: 0,
    arm(n) {
      calls = 0;
      failAt = n;
    },
    async map(sources, numbering) {
      if (fail()) throw new Error('The record mapper thread stopped (exit code 1)');
      return inner.map(sources, numbering);
    },
    close: () => inner.close(),
  };
  if (inner.stage && inner.finish) {
    const { stage, finish } = { stage: inner.stage.bind(inner), finish: inner.finish.bind(inner) };
    mapper.stage = (base, job) => {
      if (fail()) return Promise.reject(new Error('The record mapper thread stopped (exit code 1)'));
      const staged = stage(base, job);
      if (staged) mapper.staged++;
      return staged;
    };
    mapper.finish = finish;
  }
  return mapper;
}

/** The files in the store's scratch database directory (none where it has none). */
function scratchFiles(h: ReturnType<typeof syncHarness>): string[] {
  const dir = h.store().dialect.scratchDatabases?.dir;
  return dir && existsSync(dir) ? readdirSync(dir) : [];
}

forEachDialect('sync pipeline', (dialect) => {
  let server: CsvServer;
  before(async () => {
    server = await startCsvServer(csv(7_000, 1));
  });
  after(() => server.close());
  const source = { url: '', username: USER, password: PASSWORD, recordIdColumn: 'Kundennummer' };

  describe('worker threads and inline, applied in slices and at once, give the same phonebook and the same report', () => {
    const threads = createRecordMapper({ threads: 2, minBatch: 1 });
    after(() => threads.close());
    // The threads' run applies in slices of 333 staged rows (SQLite), the inline run all at once.
    const viaThreads = syncHarness(dialect, { mapper: threads, applySlices: { rows: 333 } });
    const inline = syncHarness(dialect, { mapper: inlineRecordMapper, applySlices: null });

    it('first run, then a run with every number changed', async () => {
      const a = await viaThreads.createSource('csv', { ...source, url: server.url('/phonebook.csv') });
      const b = await inline.createSource('csv', { ...source, url: server.url('/phonebook.csv') });
      for (const version of [1, 2]) {
        server.body = csv(7_000, version);
        const [ra, rb] = [await viaThreads.run(a), await inline.run(b)];
        assert.ok(ra.ok, ra.error ?? '');
        const strip = (r: typeof ra) => ({ ...r, runId: null, startedAt: null, finishedAt: null, durationMs: null });
        assert.deepEqual(strip(ra), strip(rb));
        assert.equal(ra.added + ra.changed + ra.unchanged, version === 1 ? ra.added : ra.changed + ra.unchanged);
        assert.ok(ra.skipped > 70, `skipped ${ra.skipped}`);
        const [pa, pb] = [await viaThreads.synced(a), await inline.synced(b)];
        assert.ok(pa.size > 4_000, `synced ${pa.size}`);
        assert.deepEqual(pa, pb);
      }
    });
  });

  for (const via of ['inline', 'threads'] as const) {
    describe(`a batch that cannot be prepared (${via})`, () => {
      const threads = createRecordMapper({ threads: 1, minBatch: 1 });
      after(() => threads.close());
      const mapper = breakableMapper(via === 'inline' ? inlineRecordMapper : threads);
      const h = syncHarness(dialect, { mapper });

      it('fails the run with its reason, keeps the last good data and leaves no staging behind; the next run succeeds', async () => {
        server.body = csv(7_000, 1);
        const id = await h.createSource('csv', { ...source, url: server.url('/phonebook.csv') });
        assert.ok((await h.run(id)).ok);
        // SQLite: the threads staged into scratch databases, which the run deleted.
        assert.equal(mapper.staged > 0, via === 'threads' && h.store().dialect.scratchDatabases !== undefined);
        assert.deepEqual(scratchFiles(h), []);
        const good = await h.synced(id);
        server.body = csv(7_000, 3);
        // The second batch fails while the third is being read.
        mapper.arm(2);
        const failed = await h.run(id);
        assert.equal(failed.ok, false);
        assert.match(failed.error ?? '', /.+/);
        assert.deepEqual(await h.synced(id), good);
        const db = h.store().dialect.db;
        assert.equal((await db.selectFrom('source_staging').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n, 0);
        assert.equal((await db.selectFrom('source_staging_numbers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n, 0);
        assert.deepEqual(scratchFiles(h), []);
        mapper.arm(0);
        const ok = await h.run(id);
        assert.ok(ok.ok, ok.error ?? '');
        assert.ok(ok.changed > 4_000, `changed ${ok.changed}`);
        assert.deepEqual(scratchFiles(h), []);
      });
    });
  }
  describe('a large run', () => {
    const h = syncHarness(dialect, { mapper: inlineRecordMapper });

    it('refreshes the planner statistics of the tables it filled (PostgreSQL; SQLite plans without them)', async () => {
      server.body = csv(16_000, 1);
      const id = await h.createSource('csv', { ...source, url: server.url('/phonebook.csv') });
      const report = await h.run(id);
      assert.ok(report.added >= 10_000, `added ${report.added}`);
      const db = h.store().dialect.db;
      if (dialect.name === 'postgres') {
        const { rows } = await sql<{ relname: string }>`select relname from pg_stat_user_tables where last_analyze is not null and relname in ('contacts', 'contact_numbers', 'source_records') order by relname`.execute(db);
        assert.deepEqual(rows.map((r) => r.relname), ['contact_numbers', 'contacts', 'source_records']);
      } else {
        const { rows } = await sql<{ name: string }>`select name from sqlite_master where name like 'sqlite_stat%'`.execute(db);
        assert.deepEqual(rows, []);
      }
    });
  });
  for (const via of ['inline', 'threads'] as const) describe(`a re-sync by last run's hashes (${via})`, () => {
    const threads = createRecordMapper({ threads: 2, minBatch: 1 });
    after(() => threads.close());
    const h = syncHarness(dialect, { mapper: via === 'inline' ? inlineRecordMapper : threads });
    const fresh = syncHarness(dialect, { mapper: inlineRecordMapper });
    /** Rows `from`…`to`-1 but those in `gone`; rows in `changed` with another number; two rows of id C5 (a duplicate). */
    const rows = (to: number, changed: (i: number) => boolean, gone: (i: number) => boolean = () => false) => {
      const lines = ['Kundennummer;Vorname;Nachname;Telefon geschäftlich'];
      for (let i = 0; i < to; i++) if (!gone(i)) lines.push(`C${i};Person${i};Test;030 ${changed(i) ? 9_000_000 + i : 1_000_000 + i}`);
      lines.push('C5;Doppelt;Test;030 5555555');
      return lines.join('\n');
    };
    /** The phonebook a first run of the served file builds in another store. */
    const imported = async () => {
      const id = await fresh.createSource('csv', { ...source, url: server.url('/phonebook.csv') });
      assert.ok((await fresh.run(id)).ok);
      return fresh.synced(id);
    };

    it('changes, removes and adds exactly what the file did; a few removed are found by key, many by reading all', async () => {
      server.body = rows(9_000, () => false);
      const id = await h.createSource('csv', { ...source, url: server.url('/phonebook.csv') });
      assert.ok((await h.run(id)).ok);
      // 30 changed, 12 removed, 499 added (one more removed from them), the duplicate still reported.
      server.body = rows(9_500, (i) => i % 300 === 7, (i) => i % 750 === 3);
      let report = await h.run(id);
      assert.deepEqual([report.ok, report.added, report.changed, report.removed, report.unchanged, report.skipped], [true, 499, 30, 12, 9_000 - 30 - 12, 1]);
      assert.deepEqual(await h.synced(id), await imported());
      // 5,000 removed: more than the lookups by key take.
      server.body = rows(9_500, (i) => i % 300 === 7, (i) => i % 750 === 3 || i >= 4_500);
      report = await h.run(id);
      assert.deepEqual([report.ok, report.added, report.changed, report.removed], [true, 0, 0, 5_000 - 7]);
      assert.equal((await h.synced(id)).size, 4_500 - 6);
      assert.deepEqual(await h.synced(id), await imported());
    });

    it('falls back to record ids where last run\'s hashes repeat (stored before hashes included the record id)', async () => {
      server.body = rows(3_000, () => false);
      const id = await h.createSource('csv', { ...source, url: server.url('/phonebook.csv') });
      assert.ok((await h.run(id)).ok);
      const db = h.store().dialect.db;
      const same = (await db.selectFrom('source_records').select('hash').where('source_id', '=', id).where('record_id', '=', 'C1').executeTakeFirstOrThrow()).hash;
      await db.updateTable('source_records').set({ hash: same }).where('source_id', '=', id).where('record_id', 'in', ['C2', 'C3']).execute();
      server.body = rows(3_000, (i) => i === 10, (i) => i === 20);
      const report = await h.run(id);
      // C2 and C3 no longer match their stored hash: read again, their contacts rewritten unchanged.
      assert.deepEqual([report.ok, report.added, report.changed, report.removed, report.unchanged], [true, 0, 3, 1, 3_000 - 4]);
      assert.deepEqual(await h.synced(id), await imported());
      // The next run sorts by hash again.
      assert.deepEqual([(await h.run(id)).unchanged], [3_000 - 1]);
    });
  });
  describe('the apply in slices', () => {
    const h = syncHarness(dialect, { mapper: inlineRecordMapper });

    /** Ten staged records with a number each, applied by `repo`; resolves with the event-loop turns seen meanwhile. */
    const applyTen = async (repo: SourceSyncRepository) => {
      const db = h.store().dialect.db;
      const sourceId = await h.createSource('csv', { ...source, url: server.url('/phonebook.csv') });
      const runId = `run-${sourceId}`;
      // The run's lease, as claiming the source would take it.
      await db.updateTable('sources').set({ run_id: runId }).where('id', '=', sourceId).execute();
      const records = Array.from({ length: 10 }, (_, i) => ({ recordId: `R${i}`, line: i + 2, hash: `h${i}` }));
      const prepared = records.map((_, i) => ({ ok: true as const, kind: 'person' as const, name: `Person ${i}`, company: null, emails: '[]', notes: null, searchText: `person ${i}`, numbers: [{ raw: `030 123456${i}`, e164: `+4930123456${i}`, type: 'business' as const, switchboard: false }] }));
      await repo.stage(sourceId, runId, records, prepared, []);
      let turns = 0;
      let applying = true;
      const count = () => void setImmediate(() => {
        if (!applying) return;
        turns++;
        count();
      });
      count();
      await repo.apply({ tenantId: 'default', sourceId, runId, state: null, now: new Date().toISOString(), nextRunAt: null, staged: { added: 10, changed: 0, removed: 0 }, report: () => ({}) });
      applying = false;
      const contacts = await db.selectFrom('contacts').select('name').where('source_id', '=', sourceId).execute();
      assert.equal(contacts.length, 10);
      const numbers = await db.selectFrom('contact_numbers').innerJoin('contacts', 'contacts.id', 'contact_numbers.contact_id').select('e164').where('contacts.source_id', '=', sourceId).execute();
      assert.equal(numbers.length, 10);
      return turns;
    };

    it('lets the event loop run between slices where the database runs in this process, and not otherwise', async () => {
      const sliced = await applyTen(new SourceSyncRepository(h.store().dialect, { applySlices: { rows: 2 } }));
      const whole = await applyTen(new SourceSyncRepository(h.store().dialect, { applySlices: null }));
      // A networked database's statements hold no thread of this process: nothing to slice there.
      if (!h.store().dialect.capabilities.inProcess) return;
      // Five slices of the records and five of their numbers, a turn after each.
      assert.ok(sliced >= 10, `turns ${sliced}`);
      assert.equal(whole, 0, `turns ${whole}`);
    });
  });
  describe('dropping a run\'s staging', () => {
    const h = syncHarness(dialect, { mapper: inlineRecordMapper });

    it('removes that run\'s rows only, also while another run has rows staged', async () => {
      const db = h.store().dialect.db;
      const repo = new SourceSyncRepository(h.store().dialect);
      const sourceId = await h.createSource('csv', { ...source, url: server.url('/phonebook.csv') });
      const stage = async (runId: string, n: number) => {
        for (let i = 0; i < n; i++) {
          const contactId = `${runId}-c${i}`;
          await db.insertInto('source_staging').values({ run_id: runId, record_id: `R${i}`, source_id: sourceId, status: 'added', hash: 'h', contact_id: contactId, kind: 'person', name: 'N', company: null, emails: '[]', notes: null, search_text: 'n' }).execute();
          await db.insertInto('source_staging_numbers').values({ run_id: runId, contact_id: contactId, position: 0, raw: '030 1', e164: null, type: 'business', switchboard: 0 }).execute();
        }
      };
      const counts = async () => {
        const rows = await db.selectFrom('source_staging').select(['run_id', (eb) => eb.fn.countAll<number | string>().as('n')]).groupBy('run_id').orderBy('run_id').execute();
        const numbers = await db.selectFrom('source_staging_numbers').select(['run_id', (eb) => eb.fn.countAll<number | string>().as('n')]).groupBy('run_id').orderBy('run_id').execute();
        return [rows.map((r) => [r.run_id, Number(r.n)]), numbers.map((r) => [r.run_id, Number(r.n)])];
      };
      await stage('run-a', 3);
      await stage('run-b', 2);
      await repo.dropRun('run-a');
      assert.deepEqual(await counts(), [[['run-b', 2]], [['run-b', 2]]]);
      await repo.dropRun('run-b');
      assert.deepEqual(await counts(), [[], []]);
    });

    it('a new run of a source deletes the scratch databases a crashed run of it left, not those of others', async (t) => {
      const dir = h.store().dialect.scratchDatabases?.dir;
      if (!dir) return t.diagnostic('no scratch databases in this dialect');
      const repo = new SourceSyncRepository(h.store().dialect);
      const sourceId = await h.createSource('csv', { ...source, url: server.url('/phonebook.csv') });
      const mine = `${repo.scratchBase(sourceId, 'crashed-run')}.0.db`;
      const others = `${repo.scratchBase('another-source', 'its-run')}.0.db`;
      writeFileSync(mine, 'left by a kill -9');
      writeFileSync(others, 'in use');
      await repo.clearStaging(sourceId);
      assert.deepEqual(scratchFiles(h), [basename(others)]);
      rmSync(others);
    });
  });
});
