/**
 * The floor of the journal's own schema: the statements the ingest path runs for each event (read
 * the call, check the event key, insert or update the call, index the extension, append the event),
 * as bare `node:sqlite` prepared statements with rows of the real sizes (a call's JSON ~900 bytes, an
 * event's ~300), in transactions of `group` events. No HTTP, no parsing, no mapping, no folding:
 * what is left between this and the real ingest is our code.
 *
 * The schema is the store's own, made by its migrations; the pragmas are the store's (WAL,
 * synchronous=NORMAL, 64 MB cache, no auto-checkpoint: the store checkpoints from a worker thread).
 */
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { bootstrap } from '../../src/compose.ts';
import { eventKey } from '../../src/core/calls/event-key.ts';
import { openStore } from '../../src/storage/store.ts';

type RawEvent = { type: string; callId: string; from: string; to: string; extension: string; timestamp: string };

export async function rawJournalRate(dir: string, group: number, next: () => RawEvent, seconds: number): Promise<number> {
  const store = await openStore({ dataDir: dir });
  await bootstrap(store, 'DE');
  await store.close();
  const db = new DatabaseSync(join(dir, 'callbridge.db'));
  db.exec('pragma journal_mode = wal; pragma synchronous = normal; pragma foreign_keys = on; pragma cache_size = -65536; pragma wal_autocheckpoint = 0');
  const read = db.prepare('select data from calls where tenant_id = ? and pbx_call_id = ?');
  const known = db.prepare('select seq from call_events where tenant_id = ? and event_key = ?');
  const insertCall = db.prepare(
    `insert into calls (id, tenant_id, pbx_call_id, direction, kind, state, outcome, from_e164, to_e164, from_raw, to_raw, answered_by, queue, started_at, ended_at, version, updated_at, data)
     values (?, 'default', ?, 'inbound', 'external', 'ringing', null, ?, ?, ?, ?, null, null, ?, null, 1, ?, ?) on conflict (tenant_id, pbx_call_id) do nothing`,
  );
  const updateCall = db.prepare('update calls set state = ?, outcome = ?, answered_by = ?, ended_at = ?, version = version + 1, updated_at = ?, data = ? where tenant_id = ? and pbx_call_id = ?');
  const indexExtension = db.prepare('insert into call_extensions (call_id, tenant_id, extension, started_at) values (?, ?, ?, ?) on conflict (call_id, extension) do nothing');
  const append = db.prepare(
    "insert into call_events (tenant_id, call_id, event_key, type, at, received_at, source, status, data) values ('default', ?, ?, ?, ?, ?, 'api', 'applied', ?) on conflict (tenant_id, event_key) do nothing returning seq",
  );
  const begin = db.prepare('begin immediate');
  const commit = db.prepare('commit');
  const callJson = 'x'.repeat(880);
  const eventJson = 'y'.repeat(300);
  const ids = new Map<string, string>();
  let n = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    begin.run();
    for (let i = 0; i < group; i++, n++) {
      const e = next();
      const key = eventKey('api', null, [e.type, e.callId, e.timestamp]);
      read.get('default', e.callId);
      known.get('default', key);
      let id = ids.get(e.callId);
      if (!id) {
        ids.set(e.callId, (id = `call-${n}`));
        insertCall.run(id, e.callId, e.from, e.to, e.from, e.to, e.timestamp, e.timestamp, callJson);
        indexExtension.run(id, 'default', e.extension, e.timestamp);
      } else {
        const ended = e.type === 'call.ended';
        updateCall.run(ended ? 'ended' : 'answered', ended ? 'answered' : null, e.extension, ended ? e.timestamp : null, e.timestamp, callJson, 'default', e.callId);
        if (ended) ids.delete(e.callId);
      }
      append.get(id, key, e.type.slice(5), e.timestamp, e.timestamp, eventJson);
    }
    commit.run();
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  db.close();
  return n / elapsed;
}
