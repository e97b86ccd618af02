/**
 * The backup file: gzip-compressed JSON lines, the same for both databases, so a backup of SQLite
 * restores into PostgreSQL and back (docs/deployment.md).
 *
 *   {"format":"callbridge-backup","version":1,"schema":"010-retention",...}   the header
 *   {"table":"calls","columns":["id","tenant_id",...]}                         a table begins
 *   ["0193…","default",...]                                                    one row per line
 *   {"end":"calls","rows":1234}                                                the table ends
 *   …
 *   {"end":"backup","tables":24}                                               the file is whole
 *
 * Values are JSON strings, numbers and nulls, as the store holds them (timestamps are ISO text, JSON
 * documents are text). Sealed secrets are copied sealed: only the same secret key opens them; the
 * header's `keyCheck` (a known text sealed with that key) lets a restore tell before it writes.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

export const BACKUP_FORMAT = 'callbridge-backup';
export const BACKUP_VERSION = 1;
/** Sealed into `keyCheck`; opening it proves the restoring side has the same secret key. */
export const KEY_CHECK_TEXT = 'callbridge-backup-key-check';

export type BackupHeader = {
  format: typeof BACKUP_FORMAT;
  version: number;
  /** The last migration the source database had run. */
  schema: string;
  createdAt: string;
  /** `sqlite` or `postgres`: where it came from (informational). */
  source: string;
  tables: string[];
  /** KEY_CHECK_TEXT sealed with the source's secret key; null when the key was not at hand. */
  keyCheck: string | null;
};

export type TableStart = { table: string; columns: string[] };
export type TableEnd = { end: string; rows: number };

/** A clear error for a file that is not (or not wholly) a backup. */
export class BackupFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BackupFileError';
  }
}

/** The lines of a gzip file, decompressed as they are read (a backup never sits in memory whole). */
export async function* readLines(file: string): AsyncGenerator<string> {
  const gunzip = createGunzip();
  const input = createReadStream(file);
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  gunzip.setEncoding('utf8');
  let rest = '';
  try {
    for await (const chunk of gunzip as AsyncIterable<string>) {
      rest += chunk;
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        yield rest.slice(0, nl);
        rest = rest.slice(nl + 1);
      }
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new BackupFileError(`${file} does not exist`, { cause: err });
    if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') throw new BackupFileError(`${file} is not a Callbridge backup, or it is damaged (${(err as Error).message})`, { cause: err });
    throw err;
  } finally {
    input.destroy();
  }
  if (rest) yield rest;
}

export function parseHeader(line: string | undefined, file: string): BackupHeader {
  let header: Partial<BackupHeader> | undefined;
  try {
    header = line ? (JSON.parse(line) as Partial<BackupHeader>) : undefined;
  } catch {
    header = undefined;
  }
  if (!header || header.format !== BACKUP_FORMAT) throw new BackupFileError(`${file} is not a Callbridge backup (made by \`callbridge backup\`)`);
  if (typeof header.version !== 'number' || header.version > BACKUP_VERSION) {
    throw new BackupFileError(`${file} was made by a newer Callbridge (backup format ${header.version}); restore it with that version or a newer one`);
  }
  if (typeof header.schema !== 'string') throw new BackupFileError(`${file} has no schema version in its header; it is damaged`);
  return header as BackupHeader;
}
