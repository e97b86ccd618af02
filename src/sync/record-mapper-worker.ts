/**
 * A record mapper thread (record-mapper.ts): prepares batches of source records (phone number
 * parsing, search text) off the thread that parses the source and writes the database.
 */
import { parentPort } from 'node:worker_threads';
import type { NumberingSettings } from '../core/phone-numbers/phone-number.ts';
import { prepareRecord, type SourceFields } from '../core/sync/synced-contact.ts';

export type MapRequest = { id: number; numbering: NumberingSettings; sources: SourceFields[] };
export type MapResponse = { id: number; results: ReturnType<typeof prepareRecord>[] } | { id: number; error: string };

const port = parentPort;
if (!port) throw new Error('record-mapper-worker.ts runs as a worker thread');
port.on('message', ({ id, numbering, sources }: MapRequest) => {
  let response: MapResponse;
  try {
    response = { id, results: sources.map((s) => prepareRecord(s, numbering)) };
  } catch (err) {
    response = { id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(response);
});
