/**
 * Bytes → text for CSV files as people export them: UTF-8 with or without a byte order mark,
 * Windows-1252 (German Excel's "CSV (Trennzeichen-getrennt)" and Outlook's export on Windows),
 * ISO-8859-1, UTF-16 LE with a BOM (Excel's "Unicode-Text"). Decoding streams: only the first
 * 64 KB are looked at to choose the encoding, and nothing is held beyond one chunk after that.
 */
import iconv from 'iconv-lite';

export const CSV_ENCODINGS = ['auto', 'utf-8', 'windows-1252', 'iso-8859-1', 'utf-16le', 'utf-16be'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

export const CSV_DELIMITERS = [',', ';', '\t', '|'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

const SNIFF_BYTES = 64 * 1024;

/**
 * The encoding of a file from its first bytes: a BOM decides; otherwise valid UTF-8 is UTF-8, zero
 * bytes at odd offsets are UTF-16 LE without BOM, and anything else is Windows-1252 (a superset of
 * ISO-8859-1 for every printable character). `complete` says the sample is the whole file, so a
 * multi-byte sequence cut at its end is not a reason to doubt UTF-8.
 */
export function sniffEncoding(sample: Uint8Array, complete: boolean): Exclude<CsvEncoding, 'auto'> {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return 'utf-8';
  if (sample[0] === 0xff && sample[1] === 0xfe) return 'utf-16le';
  if (sample[0] === 0xfe && sample[1] === 0xff) return 'utf-16be';
  let oddZeros = 0;
  for (let i = 1; i < Math.min(sample.length, 4096); i += 2) if (sample[i] === 0) oddZeros++;
  if (sample.length >= 4 && oddZeros > Math.min(sample.length, 4096) / 4) return 'utf-16le';
  // A UTF-8 sequence is at most 4 bytes: trimming 3 bytes off an incomplete sample avoids judging a
  // character cut by the sample's end.
  const body = complete ? sample : sample.subarray(0, Math.max(0, sample.length - 3));
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

/**
 * Decodes a byte stream into text chunks; the BOM is dropped. `onEncoding` learns the encoding
 * chosen (for the run report).
 */
export async function* decodeCsv(bytes: AsyncIterable<Uint8Array>, encoding: CsvEncoding, onEncoding?: (chosen: string) => void): AsyncGenerator<string> {
  const head: Uint8Array[] = [];
  let headLength = 0;
  const iterator = bytes[Symbol.asyncIterator]();
  let ended = false;
  while (headLength < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    headLength += next.value.length;
  }
  const sample = Buffer.concat(head);
  const chosen = encoding === 'auto' ? sniffEncoding(sample, ended) : encoding;
  onEncoding?.(chosen);
  const decoder = iconv.getDecoder(chosen === 'iso-8859-1' ? 'latin1' : chosen, { stripBOM: true });
  const first = decoder.write(sample);
  if (first) yield first;
  if (!ended) {
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      const text = decoder.write(Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength));
      if (text) yield text;
    }
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

/**
 * The delimiter the header line uses most outside quotes: `,` by default, `;` from German Excel,
 * tab from copy-and-paste or Excel's Unicode text, `|` from some database exports.
 */
export function detectDelimiter(text: string): CsvDelimiter {
  const counts = new Map<string, number>(CSV_DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best: CsvDelimiter = ',';
  for (const d of CSV_DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}
