/**
 * Incremental parser of the Asterisk Manager Interface byte stream.
 *
 * The stream is a banner line (`Asterisk Call Manager/11.0.0`), then messages: `Key: Value` lines ended
 * by CRLF, each message ended by an empty line (docs.asterisk.org, "AMI v2 Specification"). The parser
 * takes chunks of any size — a message may be split anywhere, even inside a CRLF or a multi-byte
 * character — and returns every complete message. It never throws on input: lines without a colon are
 * skipped and counted, a message that grows past `maxMessageBytes` without ending is dropped up to its
 * end, and bare LF line ends are accepted.
 */

/** One AMI message: header names as sent, values trimmed. A repeated header keeps every value, joined by '\n'. */
export type AmiMessage = Record<string, string>;

export type AmiParserStats = { messages: number; malformedLines: number; droppedMessages: number };

const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024;

export class AmiParser {
  #decoder = new TextDecoder('utf-8');
  #buffer = '';
  #banner: string | null = null;
  #expectBanner: boolean;
  #current: AmiMessage = {};
  #currentEmpty = true;
  #currentBytes = 0;
  #dropping = false;
  #maxMessageBytes: number;
  readonly stats: AmiParserStats = { messages: 0, malformedLines: 0, droppedMessages: 0 };

  constructor(options: { expectBanner?: boolean; maxMessageBytes?: number } = {}) {
    this.#expectBanner = options.expectBanner ?? true;
    this.#maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /** The banner line (`Asterisk Call Manager/…`), once received. */
  get banner(): string | null {
    return this.#banner;
  }

  /** Feeds a chunk; returns the messages it completed, in order. */
  push(chunk: Uint8Array | string): AmiMessage[] {
    this.#buffer += typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    const out: AmiMessage[] = [];
    let start = 0;
    for (;;) {
      const nl = this.#buffer.indexOf('\n', start);
      if (nl < 0) break;
      const line = this.#buffer.slice(start, nl > start && this.#buffer[nl - 1] === '\r' ? nl - 1 : nl);
      start = nl + 1;
      this.#line(line, out);
    }
    this.#buffer = this.#buffer.slice(start);
    if (this.#buffer.length > this.#maxMessageBytes) {
      // A line that never ends: drop it and the rest of its message.
      this.#buffer = '';
      this.#drop();
    }
    return out;
  }

  #line(line: string, out: AmiMessage[]): void {
    if (this.#expectBanner && this.#banner === null) {
      if (/^Asterisk Call Manager\//i.test(line)) {
        this.#banner = line.trim();
        return;
      }
      this.#banner = '';
    }
    if (line === '') {
      if (this.#dropping) {
        this.#dropping = false;
      } else if (!this.#currentEmpty) {
        out.push(this.#current);
        this.stats.messages++;
      }
      this.#reset();
      return;
    }
    if (this.#dropping) return;
    this.#currentBytes += line.length + 2;
    if (this.#currentBytes > this.#maxMessageBytes) {
      this.#drop();
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      this.stats.malformedLines++;
      return;
    }
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    // Own properties only, defined rather than assigned: a header named `toString` or `__proto__` is
    // a header like any other, not a method or the prototype of the message.
    const prev = Object.hasOwn(this.#current, key) ? this.#current[key] : undefined;
    Object.defineProperty(this.#current, key, { value: prev === undefined ? value : `${prev}\n${value}`, enumerable: true, writable: true, configurable: true });
    this.#currentEmpty = false;
  }

  #drop(): void {
    this.stats.droppedMessages++;
    this.#dropping = true;
    this.#reset();
  }

  #reset(): void {
    this.#current = {};
    this.#currentEmpty = true;
    this.#currentBytes = 0;
  }
}

/** An AMI `Timestamp` header (`1795264512.509063`, seconds since the epoch) as ISO 8601, or null. */
export function amiTimestamp(message: AmiMessage): string | null {
  const t = message.Timestamp;
  if (!t || !/^\d+(\.\d+)?$/.test(t)) return null;
  const ms = Math.round(Number(t) * 1000);
  // Date covers ±8.64e15 ms; a finite value beyond that would throw in toISOString.
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : null;
}
