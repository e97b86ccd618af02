/**
 * One content line of a vCard → a property with its parameters and its decoded text
 * (RFC 6350 §3.3 for 4.0, RFC 2426 for 3.0, the vCard 2.1 spec of the Internet Mail Consortium).
 *
 * Tolerated beyond 4.0: 2.1's bare parameters (`TEL;WORK;VOICE:`, `;QUOTED-PRINTABLE`), the
 * ENCODING and CHARSET parameters of 2.1 (`ENCODING=QUOTED-PRINTABLE;CHARSET=windows-1252`, what
 * Outlook exports), lower-case names and parameter values, quoted parameter values with `:` or `,`.
 * Text without a CHARSET is UTF-8 when it is valid UTF-8, else Windows-1252 (older exports).
 */
import iconv from 'iconv-lite';

export type VcardProperty = {
  /** Upper case, group prefix removed (`item1.TEL` → `TEL`). */
  name: string;
  /** Parameter names upper case; TYPE values lower case and split (`TYPE=WORK,VOICE` → work, voice). */
  params: Map<string, string[]>;
  /** The value as text: charset and quoted-printable decoded, escapes NOT yet resolved. */
  raw: string;
};

const ENCODINGS = new Set(['QUOTED-PRINTABLE', 'BASE64', 'B', '8BIT', '7BIT']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Splits at `separator` outside double quotes. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === separator && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

/** Decodes quoted-printable (soft line breaks already joined by the unfolder) to bytes. */
export function decodeQuotedPrintable(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c & 0xff);
  }
  return Buffer.from(bytes);
}

/** Bytes → text under a declared charset, or UTF-8 falling back to Windows-1252. */
export function decodeText(bytes: Buffer, charset: string | undefined): string {
  if (charset && iconv.encodingExists(charset)) return iconv.decode(bytes, charset);
  try {
    return utf8.decode(bytes);
  } catch {
    return iconv.decode(bytes, 'windows-1252');
  }
}

/** Parses a content line given as a binary string (vcard-lines.ts); null when it has no `:`. */
export function parseProperty(line: string): VcardProperty | null {
  let colon = -1;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === ':' && !quoted) {
      colon = i;
      break;
    }
  }
  if (colon < 0) return null;
  const [head, ...rawParams] = splitOutsideQuotes(line.slice(0, colon), ';');
  const name = head.slice(head.lastIndexOf('.') + 1).trim().toUpperCase();
  if (name === '') return null;
  const params = new Map<string, string[]>();
  const add = (key: string, values: string[]) => params.set(key, [...(params.get(key) ?? []), ...values]);
  for (const param of rawParams) {
    const eq = param.indexOf('=');
    if (eq < 0) {
      const bare = param.trim().toUpperCase();
      if (bare === '') continue;
      if (ENCODINGS.has(bare)) add('ENCODING', [bare]);
      else add('TYPE', [bare.toLowerCase()]);
      continue;
    }
    const key = param.slice(0, eq).trim().toUpperCase();
    const values = splitOutsideQuotes(param.slice(eq + 1), ',').map((v) => decodeText(Buffer.from(unquote(v.trim()), 'latin1'), undefined));
    if (key === 'TYPE') add(key, values.flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase()).filter(Boolean));
    else add(key, key === 'ENCODING' ? values.map((v) => v.toUpperCase()) : values);
  }
  const value = line.slice(colon + 1);
  const encoding = params.get('ENCODING')?.[0];
  const bytes = encoding === 'QUOTED-PRINTABLE' ? decodeQuotedPrintable(value) : Buffer.from(value, 'latin1');
  return { name, params, raw: decodeText(bytes, params.get('CHARSET')?.[0]) };
}

/** Resolves text escapes (RFC 6350 §3.4): `\n` `\N` → line break, `\,` `\;` `\\` `\:` → the character. */
export function unescapeText(text: string): string {
  return text.replace(/\\([\s\S])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

/** A structured value (N, ORG, ADR) → its components, split at unescaped `;` and unescaped. */
export function components(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[++i];
    } else if (c === ';') {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts.map((p) => unescapeText(p).trim());
}
