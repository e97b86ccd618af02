/**
 * The `csv` source type: a phonebook CSV fetched from a URL (http/https, basic or bearer auth) or
 * uploaded (`POST /api/v1/sources/{id}/upload` streams the body straight into a run). Every run
 * reads the whole file (`full: true`): rows missing from it are removed from the phonebook.
 *
 * csv-parse quirks handled here (see also src/cli/csv.ts): by default it takes the first line end
 * it meets as the only record delimiter, so all three are given; an unclosed quote is reported at
 * the end of the file, so the run names the line where the broken record starts instead (the line
 * after the last good record). `max_record_size` bounds what an unclosed quote can buffer.
 * csv-parse reads only the lines that need it: quote-free lines are split by csv-lines.ts, which
 * gives the same records many times faster (its header comment says when that holds).
 */
import { hash } from 'node:crypto';
import { parse, CsvError, type Options } from 'csv-parse';
import Type, { type Static } from 'typebox';
import { SourceError, type DirectorySourceType, type ReadContext, type SourceContact, type SourceItem, type SourceOptions } from '../directory-source.ts';
import { checkSourceOptions } from '../source-options.ts';
import { firstValue, planColumns, readRow, type ColumnMapping, type ColumnPlan } from './csv-columns.ts';
import { CSV_DELIMITERS, CSV_ENCODINGS, decodeCsv, detectDelimiter } from './csv-decoding.ts';
import { CsvLines } from './csv-lines.ts';
import { openCsvUrl } from './csv-fetch.ts';

const headerNames = Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 20 })]);

export const csvOptionsSchema = Type.Object(
  {
    url: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2000, description: 'http(s) URL of the file; without one, the file is uploaded (POST /api/v1/sources/{id}/upload)' })),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Basic auth user' })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Basic auth password; write-only' })),
    token: Type.Optional(Type.String({ minLength: 1, maxLength: 4000, description: 'Bearer token (instead of username/password); write-only' })),
    delimiter: Type.Union([Type.Literal('auto'), ...CSV_DELIMITERS.map((d) => Type.Literal(d))], { default: 'auto', description: 'Field delimiter; auto picks the one the header line uses most' }),
    encoding: Type.Union(CSV_ENCODINGS.map((e) => Type.Literal(e)), { default: 'auto', description: 'Character encoding; auto: BOM, else UTF-8 if valid, else Windows-1252' }),
    mapping: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(headerNames), firstName: Type.Optional(headerNames), middleName: Type.Optional(headerNames), lastName: Type.Optional(headerNames),
          company: Type.Optional(headerNames), business: Type.Optional(headerNames), mobile: Type.Optional(headerNames), home: Type.Optional(headerNames),
          fax: Type.Optional(headerNames), other: Type.Optional(headerNames), switchboard: Type.Optional(headerNames), email: Type.Optional(headerNames),
          notes: Type.Optional(headerNames), recordId: Type.Optional(headerNames),
        },
        { additionalProperties: false, description: 'Field → header name(s) in the file; replaces the aliases of the fields named' },
      ),
    ),
    recordIdColumn: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Column with a stable id per row; default: a key from name, company and first number' })),
    timeoutSeconds: Type.Integer({ minimum: 5, maximum: 3600, default: 300, description: 'Longest a download may take' }),
  },
  { additionalProperties: false },
);

export type CsvOptions = Static<typeof csvOptionsSchema>;

export const csvSource: DirectorySourceType = {
  id: 'csv',
  optionsSchema: csvOptionsSchema,
  secretOptions: ['password', 'token'],
  check: (input) =>
    checkSourceOptions(csvOptionsSchema, input, (o) => {
      if (o.password && !o.username) return { field: '/username', message: 'username is required with a password' };
      if (o.token && o.username) return { field: '/token', message: 'use either a bearer token or username and password, not both' };
      if (!o.url && (o.username || o.token)) return { field: '/url', message: 'credentials need a url' };
    }),
  needsUpload: (options) => typeof options.url !== 'string',
  async open(options: SourceOptions, context: ReadContext) {
    const o = options as CsvOptions;
    let bytes: AsyncIterable<Uint8Array>;
    if (context.upload) bytes = context.upload;
    else if (o.url) bytes = await openCsvUrl(o, context);
    else throw new SourceError('remote', 'No file yet: this source has no URL; upload the file (POST /api/v1/sources/{id}/upload, or callbridge sources sync <name> --file <file>)');
    const batches = readCsvBatches(bytes, o, context);
    return { full: true, batches, items: flatten(batches), state: () => null };
  },
};

/** The rows of a CSV as source items: records, and skipped rows with their line and reason. */
export function readCsvItems(bytes: AsyncIterable<Uint8Array>, o: Partial<CsvOptions>, context: Pick<ReadContext, 'progress'>): AsyncGenerator<SourceItem> {
  return flatten(readCsvBatches(bytes, o, context));
}

async function* flatten<T>(batches: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const batch of batches) yield* batch;
}

/** The items of each chunk of the file at once (a few hundred rows), without a promise per row. */
async function* readCsvBatches(bytes: AsyncIterable<Uint8Array>, o: Partial<CsvOptions>, context: Pick<ReadContext, 'progress'>): AsyncGenerator<SourceItem[]> {
  const texts = decodeCsv(bytes, o.encoding ?? 'auto');
  const first = await texts.next();
  if (first.done) throw new SourceError('malformed', 'The file is empty; its first line must name the columns', 1);
  const delimiter = !o.delimiter || o.delimiter === 'auto' ? detectDelimiter(first.value) : o.delimiter;
  let plan: ColumnPlan | undefined;
  let planKey = '';
  let idColumns: number[] | undefined;
  let read = 0;
  const take = (batch: LineRecord[]): SourceItem[] => {
    const items: SourceItem[] = [];
    for (const { record, line: at } of batch) {
      if (record.length === 1 && record[0] === '') continue;
      if (!plan) {
        const planned = planColumns(record, o.mapping as ColumnMapping | undefined, o.recordIdColumn);
        if (!planned.ok) throw new SourceError('malformed', `Line ${at}: ${planned.message}`, at);
        plan = planned.plan;
        // Everything that shapes how a row is read: the header and the mapping options.
        planKey = JSON.stringify([record, o.mapping ?? null, o.recordIdColumn ?? null]);
        idColumns = plan.fields.get('recordId');
        continue;
      }
      if (++read % 1000 === 0) context.progress(read);
      const fingerprint = `${planKey}\u0000${record.join('\u0001')}`;
      if (idColumns) {
        // Ids come from a column: the row is read only if it is new or changed since last run.
        const recordId = firstValue(record, idColumns);
        if (!recordId) {
          const row = readRow(record, plan);
          items.push({ type: 'skipped', reason: row.ok ? 'no record id' : row.reason, line: at });
        } else items.push({ type: 'row', recordId, fingerprint, line: at, read: readLater(record, plan) });
        continue;
      }
      const row = readRow(record, plan);
      if (!row.ok) items.push({ type: 'skipped', reason: row.reason, line: at });
      else items.push({ type: 'record', recordId: defaultKey(row.contact), contact: row.contact, line: at, fingerprint });
    }
    return items;
  };
  for await (const batch of readCsvRecords(prepend(first.value, texts), delimiter)) {
    const items = take(batch);
    // Nothing of a chunk's records stays reachable from here while the engine works on its items
    // (see `batches` in directory-source.ts).
    batch.length = 0;
    if (items.length) yield items;
  }
  if (!plan) throw new SourceError('malformed', 'The file is empty; its first line must name the columns', 1);
  context.progress(read, read);
}

/** A record of the file and the line it starts on. */
export type LineRecord = { record: string[]; line: number };

const MAX_RECORD_SIZE = 1_000_000;

/**
 * The records of a CSV text, a batch per chunk, in file order with the line each starts on (empty
 * lines included, as ['']). Quote-free lines are split by csv-lines.ts, the rest by csv-parse; a
 * broken file fails with a SourceError naming the line where the broken record starts.
 */
export async function* readCsvRecords(texts: AsyncIterable<string>, delimiter: string): AsyncGenerator<LineRecord[]> {
  // Lines are counted here: csv-parse counts a CRLF inside a quoted field as two lines, and skips
  // blank lines without counting them, so its `info.lines` drifts (see the header comment).
  let line = 0;
  // Records are taken from `on_record` as each chunk is written (nothing is pushed to the stream's
  // readable side), so parsing runs synchronously per chunk, without a promise per record.
  let parsed: LineRecord[] = [];
  // csv-parse's next record is one the fast path already delivered (see csv-lines.ts).
  let again = false;
  const parseOptions: Options<null, string[]> = {
    delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    trim: true,
    max_record_size: MAX_RECORD_SIZE,
    on_record: (record: string[]) => {
      if (again) {
        again = false;
        return null;
      }
      const start = line + 1;
      line = start + breaksIn(record);
      parsed.push({ record, line: start });
      return null;
    },
  };
  const parser = parse(parseOptions as unknown as Options);
  const ended = new Promise<void>((resolve) => {
    parser.once('finish', resolve);
    parser.once('error', () => resolve());
  });
  const lines = new CsvLines(delimiter, MAX_RECORD_SIZE, {
    record: (record, at, copy) => {
      parsed.push({ record, line: at });
      line = at;
      if (copy) again = true;
    },
    parse: (text) => {
      parser.write(text);
      if (parser.errored) throw parser.errored;
    },
    lastLine: () => line,
  });
  const take = () => {
    const batch = parsed;
    parsed = [];
    return batch;
  };
  try {
    for await (const chunk of texts) {
      lines.write(chunk);
      const batch = take();
      if (batch.length) yield batch;
    }
    lines.end();
    parser.end();
    await ended;
    if (parser.errored) throw parser.errored;
    const batch = take();
    if (batch.length) yield batch;
  } catch (err) {
    throw asSourceError(err, line + 1);
  } finally {
    parser.destroy();
  }
}

/** Reads the row when the engine asks (a new or changed record). */
function readLater(record: string[], plan: ColumnPlan): () => SourceContact | { skipped: string } {
  return () => {
    const row = readRow(record, plan);
    return row.ok ? row.contact : { skipped: row.reason };
  };
}

/** Line breaks inside quoted fields: each makes the record span one more line. */
function breaksIn(record: string[]): number {
  let n = 0;
  for (const field of record) {
    if (field.indexOf('\n') < 0 && field.indexOf('\r') < 0) continue;
    n += field.match(/\r\n|\r|\n/g)!.length;
  }
  return n;
}

async function* prepend(first: string, rest: AsyncIterable<string>): AsyncGenerator<string> {
  yield first;
  yield* rest;
}

/** name + company + first number's digits: stable while those stay the same (docs/connectors/csv.md). */
function defaultKey(c: { name: string; company: string | null; numbers: Array<{ number: string }> }): string {
  const digits = c.numbers[0]?.number.replace(/\D/g, '') ?? '';
  return 'k:' + hash('sha256', `${c.name.toLowerCase()}\u0000${(c.company ?? '').toLowerCase()}\u0000${digits}`, 'base64url').slice(0, 22);
}

function asSourceError(err: unknown, line: number): unknown {
  if (err instanceof SourceError) return err;
  if (err instanceof CsvError) {
    if (err.code === 'CSV_QUOTE_NOT_CLOSED' || err.code === 'CSV_MAX_RECORD_SIZE') return new SourceError('malformed', `Line ${line}: a quoted field is not closed`, line);
    // The record that failed starts at `line`; csv-parse's own count drifts (see above).
    const at = line;
    if (err.code === 'CSV_INVALID_CLOSING_QUOTE' || err.code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE') return new SourceError('malformed', `Line ${at}: text follows a closing quote (a quote inside a quoted field must be doubled: "")`, at);
    return new SourceError('malformed', `Line ${at}: the file is not valid CSV (${err.message})`, at);
  }
  return err;
}
