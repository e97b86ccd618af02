/**
 * The CSV fast path: most rows of an exported phonebook hold no quote at all, and such a row needs no
 * CSV parser. Lines are cut here; a line that is safe to split becomes a record by `split` and `trim`,
 * many times faster than csv-parse; every other line is handed to csv-parse (csv-source.ts), in order.
 *
 * Why a quote-free line is safe to split: with the options csv-source.ts gives csv-parse (one-char
 * delimiter, line ends \r\n, \n and \r, relax_quotes, trim), only a quote that opens a field can make
 * a delimiter or a line break part of a field. Without a quote, a line that starts at a record
 * boundary is one whole record, its fields the text between delimiters, trimmed: csv-parse skips the
 * leading ECMAScript white space and line terminators (its `timchars`) and cuts the trailing ones with
 * `trimRight()`, which is exactly `String#trim` (csv-lines.test.ts checks every UTF-16 code unit).
 * A line with a lone surrogate is left to csv-parse (it reads UTF-8 bytes, so that becomes U+FFFD);
 * a last line of white space only without a line end is no record (csv-parse emits none for it).
 *
 * The boundary rule: a line may be split only where csv-parse stands at a record boundary, that is
 * when the last record it emitted ends on the line before. It reads 3 bytes ahead, so it emits a
 * line's record only once more text follows, and right after a line is written nobody can tell
 * whether it ended a record (it may have opened a quoted field). So once a line went to csv-parse,
 * the lines after it go too; after a quote-free one is written (which lets csv-parse read past the
 * line end before it), the rule is checked, and if it holds that line is one whole record. It is
 * split here, and csv-parse's copy of it (emitted next, when more text follows or at the end) is
 * dropped. csv-parse then holds the end of a whole record, the state it would be in had it read the
 * lines split here too, so the text it gets next may continue after them.
 *
 * A lone \r (old Mac line ends) ends a record in csv-parse, so lines cut at \n no longer match
 * records; the rest of such a file goes to csv-parse as it comes, as does the rest after a line too
 * long to split safely (csv-parse's max_record_size counts bytes, up to 3 per UTF-16 code unit; this
 * also keeps a file without \n from being gathered here).
 */

/** Where the lines go: csv-parse, and the records split without it (csv-source.ts). */
export interface LineSink {
  /**
   * A record split here, whole on line `line`. `again`: csv-parse was given that line too and the
   * next record it emits is this one, to be dropped.
   */
  record(fields: string[], line: number, again: boolean): void;
  /** Text for csv-parse, in file order. May throw (the parser failed). */
  parse(text: string): void;
  /** The line on which the last record delivered (by either) ends; 0 before the first. */
  lastLine(): number;
}

const CR = 13;
/**
 * Going back to splitting costs a write to csv-parse and a line read twice, about what csv-parse
 * spends on 200 characters: it is done only where at least this many characters without a quote follow.
 */
const RESUME_DISTANCE = 256;

export class CsvLines {
  readonly #delimiter: string;
  readonly #maxLength: number;
  readonly #sink: LineSink;
  /** The start of a line whose end has not arrived yet. */
  #rest = '';
  /** Lines cut so far (the number of the last one). */
  #line = 0;
  /** csv-parse is at a record boundary: all it was given ends with a whole record (emitted, or to be dropped). */
  #atBoundary = true;
  /** Lines for csv-parse not written yet (written together, once per chunk or before a boundary check). */
  #pending = '';
  /** The fast path is off for the rest of the file. */
  #raw = false;

  constructor(delimiter: string, maxRecordSize: number, sink: LineSink) {
    this.#delimiter = delimiter;
    this.#maxLength = Math.floor(maxRecordSize / 3);
    this.#sink = sink;
  }

  /** The next chunk of the file's text. */
  write(chunk: string): void {
    if (this.#raw) return this.#sink.parse(chunk);
    const text = this.#rest + chunk;
    // The first quote at or after the line's start (-1: none): the line holds a quote if it comes before its end.
    let quote = text.indexOf('"');
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; start = end + 1, end = text.indexOf('\n', start)) {
      const body = text.slice(start, end > start && text.charCodeAt(end - 1) === CR ? end - 1 : end);
      if (body.indexOf('\r') >= 0 || body.length > this.#maxLength) return this.#toRaw(text.slice(start));
      const line = ++this.#line;
      const fields = quote >= 0 && quote < end ? undefined : this.#split(body);
      if (quote >= 0 && quote < end) quote = text.indexOf('"', end);
      if (this.#atBoundary && fields) {
        this.#sink.record(fields, line, false);
        continue;
      }
      this.#atBoundary = false;
      this.#pending += text.slice(start, end + 1);
      // Back to splitting if csv-parse stands at a boundary here, unless a quote follows closely.
      if (!fields || (quote >= 0 && quote - end < RESUME_DISTANCE)) continue;
      this.#flush();
      if (this.#sink.lastLine() !== line - 1) continue;
      this.#atBoundary = true;
      this.#sink.record(fields, line, true);
    }
    this.#rest = text.slice(start);
    if (this.#rest.length > this.#maxLength) return this.#toRaw(this.#rest);
    this.#flush();
  }

  /** The end of the file: its last line if that has no line end. */
  end(): void {
    if (this.#raw) return;
    const last = this.#rest;
    this.#rest = '';
    if (last) {
      const fields = this.#atBoundary && last.indexOf('"') < 0 && last.indexOf('\r') < 0 ? this.#split(last) : undefined;
      if (!fields) this.#pending += last;
      else if (fields.length > 1 || fields[0] !== '') this.#sink.record(fields, ++this.#line, false);
    }
    this.#flush();
  }

  /** The fields of a quote-free line as csv-parse reads them, or undefined if it may read them otherwise. */
  #split(body: string): string[] | undefined {
    if (!body.isWellFormed()) return undefined;
    const fields = body.split(this.#delimiter);
    for (let i = 0; i < fields.length; i++) fields[i] = fields[i].trim();
    return fields;
  }

  #toRaw(text: string): void {
    this.#raw = true;
    this.#rest = '';
    this.#pending += text;
    this.#flush();
  }

  #flush(): void {
    if (!this.#pending) return;
    const text = this.#pending;
    this.#pending = '';
    this.#sink.parse(text);
  }
}
