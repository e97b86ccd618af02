/**
 * Reads a phonebook CSV (one contact per row: name, company, numbers by type, e-mail, notes) into
 * contact inputs, or into every problem found with its line number. Columns are found by header name
 * in English or German; the numbers themselves are checked by the phonebook when importing.
 */
import type { NumberType } from '../core/contacts/contact.ts';
import type { ContactInput } from '../phonebook/phonebook.ts';
import { detectDelimiter, parseCsv, stripBom } from './csv.ts';

export type ContactsCsvResult = { ok: true; contacts: ContactInput[]; lines: number[] } | { ok: false; problems: string[] };

type Column = 'name' | 'firstName' | 'lastName' | 'company' | NumberType | 'email' | 'notes';

const ALIASES: Record<Column, readonly string[]> = {
  name: ['name', 'fullname', 'displayname', 'anzeigename', 'kontakt', 'contact'],
  firstName: ['firstname', 'givenname', 'vorname'],
  lastName: ['lastname', 'surname', 'familyname', 'nachname'],
  company: ['company', 'organization', 'organisation', 'firma', 'unternehmen'],
  business: ['business', 'phone', 'telephone', 'work', 'businessphone', 'telefon', 'telefongeschaftlich', 'geschaftlich', 'buro'],
  mobile: ['mobile', 'mobilephone', 'cell', 'mobil', 'handy', 'mobiltelefon'],
  home: ['home', 'homephone', 'privat', 'telefonprivat'],
  fax: ['fax', 'telefax'],
  other: ['other', 'otherphone', 'sonstige', 'weitere'],
  email: ['email', 'mail', 'emailaddress', 'emailadresse'],
  notes: ['notes', 'note', 'notizen', 'notiz', 'bemerkung'],
};

const key = (h: string) => h.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]/g, '');

export function readContactsCsv(input: string): ContactsCsvResult {
  const text = stripBom(input);
  const parsed = parseCsv(text, detectDelimiter(text));
  if (!parsed.ok) return { ok: false, problems: [`line ${parsed.line}: ${parsed.message}`] };
  const [header, ...rows] = parsed.records;
  if (!header) return { ok: false, problems: ['the file is empty; the first line must name the columns (Name, Company, Phone, Mobile, Email …)'] };
  const columns = new Map<Column, number>();
  header.fields.forEach((h, i) => {
    for (const [column, aliases] of Object.entries(ALIASES) as Array<[Column, readonly string[]]>) {
      if (aliases.includes(key(h)) && !columns.has(column)) columns.set(column, i);
    }
  });
  const numberColumns = (['business', 'mobile', 'home', 'fax', 'other'] as const).filter((c) => columns.has(c));
  if (!columns.has('name') && !columns.has('lastName') && !columns.has('company')) return { ok: false, problems: ['line 1: no Name (or Nachname, or Company) column'] };
  if (numberColumns.length === 0) return { ok: false, problems: ['line 1: no phone number column (Phone, Telefon, Mobile, Handy, Home, Fax …)'] };
  const get = (fields: string[], c: Column) => (columns.has(c) ? (fields[columns.get(c)!] ?? '').trim() : '');
  const problems: string[] = [];
  const contacts: ContactInput[] = [];
  const lines: number[] = [];
  for (const { line, fields } of rows) {
    const company = get(fields, 'company') || null;
    const name = get(fields, 'name') || [get(fields, 'firstName'), get(fields, 'lastName')].filter(Boolean).join(' ') || company || '';
    const numbers = numberColumns.flatMap((type) =>
      get(fields, type)
        .split(/\s*[|,]\s*(?=[+0-9(])/)
        .filter(Boolean)
        .map((number) => ({ number, type })),
    );
    const emails = get(fields, 'email').split(/[\s,;]+/).filter(Boolean);
    if (!name) problems.push(`line ${line}: no name`);
    if (numbers.length === 0) problems.push(`line ${line}: no phone number`);
    for (const e of emails) if (!/^[^@\s]+@[^@\s]+$/.test(e)) problems.push(`line ${line}: "${e}" is not an e-mail address`);
    contacts.push({ name, company, kind: company && name === company ? 'company' : 'person', numbers, emails, notes: get(fields, 'notes') || null });
    lines.push(line);
  }
  return problems.length ? { ok: false, problems } : { ok: true, contacts, lines };
}
