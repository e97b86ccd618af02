/**
 * A byte stream of vCards → one card at a time, as unfolded content lines, without holding the file.
 *
 * Lines are kept as "binary strings" (latin1: one char per byte) so that a card's bytes survive
 * until its properties are decoded with their own CHARSET (vCard 2.1, as Outlook writes it) or as
 * UTF-8 (3.0 and 4.0); the syntax characters (`:` `;` `,` `=` `\`) are ASCII either way.
 *
 * Unfolding (RFC 6350 §3.2, RFC 2425 §5.8.1): a line starting with a space or tab continues the one
 * before it, minus that one character. vCard 2.1 QUOTED-PRINTABLE values continue instead with a
 * soft line break, `=` at the end of the line (RFC 2045 §6.7). Binary properties (PHOTO, LOGO,
 * SOUND, KEY) can be megabytes of base64 the phonebook never uses: their continuations are dropped.
 */

/** One card: its unfolded content lines (binary strings, BEGIN/END excluded) and where it starts. */
export type RawCard = { line: number; lines: string[] };

const BINARY = /^(?:[\w-]+\.)?(?:PHOTO|LOGO|SOUND|KEY)[;:]/i;
const QP = /^[^:]*QUOTED-PRINTABLE/i;
/** A card bigger than this is not a contact but a broken file (an END:VCARD missing, say). */
const MAX_CARD_CHARS = 4 * 1024 * 1024;

export class VcardSyntaxError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.line = line;
  }
}

/**
 * The line and card state machine, fed chunk by chunk synchronously (an async generator per line
 * costs more than the parsing). Text chunks (a CardDAV address-data element) are taken as their
 * UTF-8 bytes. CRLF, LF and a lone CR all end a physical line.
 */
class CardSplitter {
  #rest = '';
  #physical = 0;
  #first = true;
  #pending: string | null = null;
  #pendingLine = 0;
  #binary = false;
  #card: RawCard | null = null;
  #depth = 0;
  #size = 0;
  seen = 0;
  anyText = false;

  push(chunk: Uint8Array | string, out: RawCard[]): void {
    let text = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8').toString('latin1') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    if (this.#first && text.length > 0) {
      if (text.startsWith('\xef\xbb\xbf')) text = text.slice(3); // UTF-8 byte order mark
      this.#first = false;
    }
    const rest = this.#rest + text;
    const ends = /\r\n|\n|\r/g;
    let start = 0;
    for (let m = ends.exec(rest); m; m = ends.exec(rest)) {
      if (m[0] === '\r' && m.index === rest.length - 1) break; // Its \n may come with the next chunk.
      this.#physicalLine(rest.slice(start, m.index), ++this.#physical, out);
      start = m.index + m[0].length;
    }
    this.#rest = rest.slice(start);
    if (this.#rest.length > MAX_CARD_CHARS) throw new VcardSyntaxError('a line longer than 4 MB: this is not a vCard file', this.#physical + 1);
  }

  end(out: RawCard[]): void {
    const rest = this.#rest.endsWith('\r') ? this.#rest.slice(0, -1) : this.#rest;
    if (rest !== '') this.#physicalLine(rest, ++this.#physical, out);
    if (this.#pending !== null) this.#logicalLine(this.#pending, this.#pendingLine, out);
    if (this.#card) throw new VcardSyntaxError(`the card starting at line ${this.#card.line} has no END:VCARD (the file is cut off or broken)`, this.#card.line);
    if (this.seen === 0 && this.anyText) throw new VcardSyntaxError('no BEGIN:VCARD found: this is not a vCard file', 1);
  }

  #physicalLine(text: string, number: number, out: RawCard[]): void {
    const pending = this.#pending;
    if (pending !== null && (text.startsWith(' ') || text.startsWith('\t'))) {
      if (!this.#binary) this.#pending = pending + text.slice(1);
      return;
    }
    if (pending !== null && pending.endsWith('=') && QP.test(pending)) {
      this.#pending = pending.slice(0, -1) + text;
      return;
    }
    if (pending !== null) this.#logicalLine(pending, this.#pendingLine, out);
    this.#pending = text.trim() === '' ? null : text;
    this.#pendingLine = number;
    this.#binary = this.#pending !== null && BINARY.test(this.#pending);
  }

  #logicalLine(line: string, number: number, out: RawCard[]): void {
    this.anyText = true;
    const upper = line.length <= 12 ? line.trim().toUpperCase() : '';
    if (upper === 'BEGIN:VCARD') {
      if (this.#depth++ === 0) {
        this.#card = { line: number, lines: [] };
        this.#size = 0;
        return;
      }
    } else if (upper === 'END:VCARD' && this.#depth > 0) {
      if (--this.#depth === 0 && this.#card) {
        this.seen++;
        out.push(this.#card);
        this.#card = null;
        return;
      }
    }
    if (this.#card && this.#depth === 1) {
      this.#size += line.length;
      if (this.#size > MAX_CARD_CHARS) throw new VcardSyntaxError('a card larger than 4 MB (is an END:VCARD missing?)', this.#card.line);
      this.#card.lines.push(line);
    }
  }
}

/**
 * The cards of a stream, in order. Lines outside BEGIN/END are ignored; a nested card (2.1 AGENT)
 * stays inside its parent. Throws VcardSyntaxError when the stream ends inside a card (a cut-off
 * download) or holds no card at all.
 */
export async function* readCards(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): AsyncGenerator<RawCard> {
  const splitter = new CardSplitter();
  const out: RawCard[] = [];
  for await (const chunk of chunks) {
    splitter.push(chunk, out);
    yield* out;
    out.length = 0;
  }
  splitter.end(out);
  yield* out;
}
