/**
 * A small CSV reader (RFC 4180) for files exported from spreadsheets and PBX admin pages: fields in
 * double quotes may hold the delimiter, line breaks and `""` for a quote; lines end in CRLF, LF or CR.
 * Not csv-parse (7.0.3): by default it takes the first line end it meets as the only record delimiter, so a file
 * with mixed CRLF and LF (hand-edited exports) splits wrongly, and it reports an unclosed quote at the
 * end of the file rather than where the quote opened. An import must name the right line.
 *
 * Lenient where spreadsheets and hand-edited files are sloppy: spaces around a quoted field are
 * dropped, a quote inside an unquoted field is kept as text, blank lines are skipped. Strict where
 * data would otherwise be lost: text after a closing quote and a quote that never closes are errors
 * that name their line.
 */

export type CsvDelimiter = ',' | ';' | '\t';

/** One record and the line it starts on (1-based; a quoted line break makes a record span lines). */
export type CsvRecord = { line: number; fields: string[] };

export type CsvResult = { ok: true; records: CsvRecord[] } | { ok: false; line: number; message: string };

const DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t'];

/**
 * The delimiter the header line uses most (outside quotes): `,` by default, `;` from German Excel,
 * tab from copy-and-paste.
 */
export function detectDelimiter(text: string): CsvDelimiter {
  const counts = new Map<CsvDelimiter, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && counts.has(c as CsvDelimiter)) counts.set(c as CsvDelimiter, counts.get(c as CsvDelimiter)! + 1);
  }
  let best: CsvDelimiter = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/** Parses the whole text. Expects a string without a byte order mark (see `stripBom`). */
export function parseCsv(text: string, delimiter: CsvDelimiter): CsvResult {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  // start: nothing read for this field yet; unquoted: inside a plain field; quoted: between quotes;
  // closed: after the closing quote, where only spaces may come before the delimiter.
  let state: 'start' | 'unquoted' | 'quoted' | 'closed' = 'start';
  let line = 1;
  let recordLine = 1;
  let quoteLine = 1;

  const endRecord = () => {
    fields.push(field);
    const blank = fields.every((f) => f === '') && fields.length === 1;
    if (!blank) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    state = 'start';
  };

  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (state === 'quoted') {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          state = 'closed';
        }
      } else {
        if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
        field += c;
      }
      continue;
    }
    if (c === delimiter) {
      fields.push(field);
      field = '';
      state = 'start';
      continue;
    }
    if (c === '\r' || c === '\n') {
      endRecord();
      if (c === '\r' && text[i + 1] === '\n') i++;
      line++;
      recordLine = line;
      continue;
    }
    if (state === 'closed') {
      if (c === ' ' || c === '\t') continue;
      return { ok: false, line, message: 'text after the closing quote of a field; a quote inside a quoted field is written ""' };
    }
    if (c === '"' && field.trim() === '') {
      field = '';
      state = 'quoted';
      quoteLine = line;
      continue;
    }
    field += c;
    state = 'unquoted';
  }

  if (state === 'quoted') return { ok: false, line: quoteLine, message: 'a quoted field is never closed (a " is missing)' };
  if (state !== 'start' || field !== '' || fields.length > 0) endRecord();
  return { ok: true, records };
}

/** Removes a UTF-8 byte order mark, which Excel writes at the start of "CSV UTF-8" files. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
