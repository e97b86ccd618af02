/**
 * What every desk-phone directory shares: XML text that the phones' small parsers accept, and the
 * flattening of contacts into dialable entries.
 *
 * The phones parse UTF-8 (all four vendors' guides ask for `encoding="UTF-8"` in the declaration),
 * choke on control characters (Snom: "don't enter any control character"), and dial the
 * `Telephone` text as it stands (Snom turns a space into `%20` in the SIP URI), so numbers are
 * reduced to dialable characters.
 */
import type { Contact, ContactNumber, NumberType } from '../../core/contacts/contact.ts';

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/**
 * Characters XML 1.0 forbids (C0 controls except tab/newline/CR, lone surrogates, U+FFFE/U+FFFF);
 * DEL and the C1 controls are allowed by XML but shown as garbage by the phones, so they go too.
 */
const UNWANTED = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text safe in element content and in double- or single-quoted attributes. */
export function escapeXml(text: string): string {
  return text.replace(UNWANTED, '').replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** `<name>text</name>`, one line; text is escaped, tabs and line breaks become spaces. */
export function element(name: string, text: string, attributes: Record<string, string> = {}): string {
  const attrs = Object.entries(attributes).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  return `<${name}${attrs}>${escapeXml(text.replace(/[\t\r\n]+/g, ' ').trim())}</${name}>`;
}

/** Indents child lines one level. */
export function indent(lines: string[], depth = 1): string[] {
  const pad = '  '.repeat(depth);
  return lines.map((l) => pad + l);
}

/** A document: the declaration, the root element, its children indented, a final newline. */
export function documentOf(root: string, children: string[], attributes: Record<string, string> = {}): string {
  const attrs = Object.entries(attributes).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  return [XML_DECLARATION, `<${root}${attrs}>`, ...indent(children), `</${root}>`, ''].join('\n');
}

/**
 * What the phone dials: E.164 when the number could be read (unambiguous wherever the phone
 * stands), otherwise the written form without spaces, dashes and brackets. Empty when nothing
 * dialable is left.
 */
export function dialString(n: ContactNumber): string {
  if (n.e164) return n.e164;
  const raw = n.raw.trim();
  const plus = raw.startsWith('+') ? '+' : '';
  return plus + raw.replace(/[^0-9*#]/g, '');
}

/** One dialable line of a flat directory (Yealink, Snom, Cisco: one `DirectoryEntry` each). */
export type DirectoryLine = { name: string; telephone: string; type: NumberType };

/**
 * Flattens contacts into one line per dialable number, in the contacts' order (best first).
 * A contact with several numbers gets the type label on each line ("Erika Muster (Mobil)"); a
 * contact with one number keeps its plain name, which is also what the phone shows for a call
 * from that number. Contacts without a dialable number are left out.
 */
export function directoryLines(contacts: Contact[], labels: Record<NumberType, string>): DirectoryLine[] {
  const lines: DirectoryLine[] = [];
  for (const c of contacts) {
    const numbers = c.numbers.map((n) => ({ n, telephone: dialString(n) })).filter((x) => x.telephone !== '');
    const name = displayName(c);
    for (const { n, telephone } of numbers) {
      lines.push({ name: numbers.length > 1 ? `${name} (${labels[n.type]})` : name, telephone, type: n.type });
    }
  }
  return lines;
}

/** The name as shown: a person's name, with the company when there is one and it differs. */
export function displayName(c: Contact): string {
  const name = c.name.trim();
  if (c.kind === 'person' && c.company && c.company.trim() && c.company.trim() !== name) return `${name}, ${c.company.trim()}`;
  return name;
}

/** A 1-based page of `items`, with whether more follow. Pages past the end are empty. */
export function pageOf<T>(items: T[], page: number, size: number): { items: T[]; page: number; pages: number; hasNext: boolean; hasPrevious: boolean } {
  const pages = Math.max(1, Math.ceil(items.length / size));
  const p = Math.max(1, Math.floor(page));
  const start = (p - 1) * size;
  return { items: items.slice(start, start + size), page: p, pages, hasNext: p < pages, hasPrevious: p > 1 };
}

/** How many pages of `size` lines the contacts fill. */
export function linePages(contacts: Contact[], labels: Record<NumberType, string>, size: number): number {
  return pageOf(directoryLines(contacts, labels), 1, size).pages;
}

/** Words the phone shows besides the type labels. */
export type DirectoryWords = { search: string; query: string; next: string; previous: string; dial: string; editDial: string; exit: string };

export const WORDS_DE: DirectoryWords = { search: 'Suchen', query: 'Name oder Nummer', next: 'Weiter', previous: 'Zurück', dial: 'Wählen', editDial: 'Bearb.', exit: 'Ende' };

/** Options every renderer takes. */
export type DirectoryOptions = {
  title: string;
  labels: Record<NumberType, string>;
  /** The URL of this format's search form (`renderSearch`), for a "Suchen" soft key where the format has soft keys. */
  searchUrl?: string;
  /** The page to render (1-based) for formats that page; others ignore it. */
  page?: number;
  /** The URL of another page, for paging soft keys. */
  pageUrl?: (page: number) => string;
  words?: DirectoryWords;
};

/** Options of a search form: where the phone sends the entered text (as `q`). */
export type SearchFormOptions = {
  title: string;
  /** The directory URL of the same format; the phone adds the query. */
  targetUrl: string;
  /** Pre-filled text (the last query). */
  query?: string;
  words?: DirectoryWords;
};
