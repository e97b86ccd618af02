/**
 * Which column holds what, from the header line: the names Outlook (English and German), Google
 * Contacts and hand-made (German) Excel sheets use, or an explicit mapping. docs/connectors/csv.md
 * lists every alias. Header names are compared without case, accents, spaces and punctuation, so
 * `Telefon geschäftlich`, `TELEFON GESCHAEFTLICH` and `telefon_geschaftlich` are one name.
 */
import type { SourceContact } from '../directory-source.ts';

export type NumberKind = SourceContact['numbers'][number]['type'];
export type CsvField = 'name' | 'firstName' | 'middleName' | 'lastName' | 'company' | 'email' | 'notes' | 'recordId' | NumberKind | 'switchboard';

/** Aliases per field, already in key form (see `headerKey`). */
export const COLUMN_ALIASES: Record<CsvField, readonly string[]> = {
  name: ['name', 'fullname', 'displayname', 'anzeigename', 'kontakt', 'contact', 'kontaktname'],
  firstName: ['firstname', 'givenname', 'vorname'],
  middleName: ['middlename', 'additionalname', 'weiterevornamen', 'zweitervorname'],
  lastName: ['lastname', 'surname', 'familyname', 'nachname'],
  company: ['company', 'organization', 'organisation', 'organizationname', 'organization1name', 'firma', 'unternehmen', 'firmenname'],
  business: [
    'business', 'phone', 'telephone', 'work', 'workphone', 'businessphone', 'businessphone2', 'primaryphone', 'telefon', 'telefonnummer',
    'telefongeschaftlich', 'telefongeschaftlich2', 'geschaftlich', 'buro', 'haupttelefon', 'telefondienstlich', 'tel',
  ],
  mobile: ['mobile', 'mobilephone', 'cell', 'cellphone', 'mobil', 'handy', 'mobiltelefon', 'mobilnummer', 'carphone', 'autotelefon'],
  home: ['home', 'homephone', 'homephone2', 'privat', 'telefonprivat', 'telefonprivat2', 'privattelefon'],
  fax: ['fax', 'telefax', 'businessfax', 'faxgeschaftlich', 'homefax', 'faxprivat', 'otherfax', 'weiteresfax'],
  other: ['other', 'otherphone', 'sonstige', 'weitere', 'weiterestelefon', 'assistantsphone', 'telefonassistent', 'pager', 'radiotelephone'],
  switchboard: ['companymainphone', 'telefonfirma', 'zentrale', 'switchboard', 'hauptnummer'],
  email: ['email', 'mail', 'emailaddress', 'email2address', 'email3address', 'emailadresse', 'email2adresse', 'email3adresse', 'email1value', 'email2value', 'emailadresse2'],
  notes: ['notes', 'note', 'notizen', 'notiz', 'bemerkung', 'bemerkungen', 'kommentar'],
  recordId: ['id', 'recordid', 'externalid', 'kundennummer', 'kontaktid'],
};

/** An explicit mapping: field → header name(s) exactly as in the file (case and spaces ignored). */
export type ColumnMapping = Partial<Record<CsvField, string | string[]>>;

/** The fields found, each with the column indexes holding it in file order. */
export type ColumnPlan = {
  fields: Map<CsvField, number[]>;
  /** Google's `Phone 1 - Label` / `Phone 1 - Value` pairs: the label gives the type. */
  labelled: Array<{ label: number | undefined; value: number }>;
};

export type PlanResult = { ok: true; plan: ColumnPlan } | { ok: false; message: string };

export function headerKey(h: string): string {
  return h.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/ß/g, 'ss').toLowerCase().replace(/[^a-z0-9]/g, '');
}

const NUMBER_FIELDS = ['business', 'mobile', 'home', 'fax', 'other', 'switchboard'] as const;

/** Reads the header line; an explicit mapping replaces the aliases of the fields it names. */
export function planColumns(header: string[], mapping: ColumnMapping = {}, recordIdColumn?: string): PlanResult {
  const keys = header.map(headerKey);
  const fields = new Map<CsvField, number[]>();
  const mapped = { ...mapping, ...(recordIdColumn ? { recordId: recordIdColumn } : {}) };
  for (const [field, names] of Object.entries(mapped) as Array<[CsvField, string | string[] | undefined]>) {
    if (names === undefined) continue;
    for (const name of Array.isArray(names) ? names : [names]) {
      const at = keys.indexOf(headerKey(name));
      if (at < 0) return { ok: false, message: `the column "${name}" (mapping of ${field}) is not in the file; its columns are: ${header.join(', ')}` };
      fields.set(field, [...(fields.get(field) ?? []), at]);
    }
  }
  const labelled: ColumnPlan['labelled'] = [];
  keys.forEach((k, i) => {
    const google = /^phone(\d+)value$/.exec(k);
    if (google) {
      if (!NUMBER_FIELDS.some((f) => mapped[f] !== undefined)) labelled.push({ label: indexOfAny(keys, [`phone${google[1]}label`, `phone${google[1]}type`]), value: i });
      return;
    }
    for (const [field, aliases] of Object.entries(COLUMN_ALIASES) as Array<[CsvField, readonly string[]]>) {
      if (mapped[field] !== undefined || !aliases.includes(k)) continue;
      // One column per single-valued field; numbers and e-mails may come from several.
      const multi = field === 'email' || (NUMBER_FIELDS as readonly string[]).includes(field);
      if (!multi && fields.has(field)) continue;
      fields.set(field, [...(fields.get(field) ?? []), i]);
      return;
    }
  });
  const hasName = ['name', 'firstName', 'lastName', 'company'].some((f) => fields.has(f as CsvField));
  const hasNumber = labelled.length > 0 || NUMBER_FIELDS.some((f) => fields.has(f));
  if (!hasName) return { ok: false, message: `no name column (Name, First Name/Vorname, Last Name/Nachname or Company/Firma); the columns are: ${header.join(', ')}` };
  if (!hasNumber) return { ok: false, message: `no phone number column (Business Phone, Telefon geschäftlich, Mobile Phone, Mobiltelefon, Phone 1 - Value …); the columns are: ${header.join(', ')}` };
  return { ok: true, plan: { fields, labelled } };
}

function indexOfAny(keys: string[], wanted: string[]): number | undefined {
  const at = keys.findIndex((k) => wanted.includes(k));
  return at < 0 ? undefined : at;
}

/** Google writes several values in one cell separated by ` ::: `; people write `,`, `|` or `/` between numbers. */
const NUMBER_SPLIT = /\s*(?::::|[|,;]|\s\/\s)\s*(?=[+0-9(])/;

function labelType(label: string): NumberKind | 'switchboard' {
  const l = label.toLowerCase();
  if (l.includes('fax')) return 'fax';
  if (l.includes('mobile') || l.includes('cell') || l.includes('mobil') || l.includes('handy')) return 'mobile';
  if (l.includes('home') || l.includes('privat')) return 'home';
  if (l.includes('main') || l.includes('zentrale')) return 'switchboard';
  if (l.includes('work') || l.includes('business') || l.includes('arbeit') || l.includes('gesch')) return 'business';
  return 'other';
}

export type RowResult =
  | { ok: true; contact: SourceContact; recordId: string | null }
  | { ok: false; reason: string };

/** One data row → a contact with raw numbers, or why it cannot be one. */
export function readRow(fields: string[], plan: ColumnPlan): RowResult {
  // Runs once per row of every run (a million for a large file): no intermediate arrays or closures.
  const company = firstValue(fields, plan.fields.get('company')) || null;
  const name = (firstValue(fields, plan.fields.get('name')) || personalName(fields, plan) || company || '').replace(/\s+/g, ' ').slice(0, 200);
  const numbers: SourceContact['numbers'] = [];
  for (const kind of NUMBER_FIELDS) {
    const columns = plan.fields.get(kind);
    if (columns) for (const i of columns) addNumbers(numbers, (fields[i] ?? '').trim(), kind);
  }
  for (const { label, value } of plan.labelled) {
    const v = (fields[value] ?? '').trim();
    if (v) addNumbers(numbers, v, labelType(label === undefined ? '' : (fields[label] ?? '')));
  }
  const emails: string[] = [];
  const emailColumns = plan.fields.get('email');
  if (emailColumns) {
    for (const i of emailColumns) {
      const v = (fields[i] ?? '').trim();
      if (!v) continue;
      for (const e of v.split(/\s*(?:::: |[,;\s])\s*/)) if (emails.length < 20 && /^[^@\s]+@[^@\s]+$/.test(e) && e.length <= 254) emails.push(e);
    }
  }
  if (!name) return { ok: false, reason: 'no name' };
  if (numbers.length === 0) return { ok: false, reason: 'no phone number' };
  const notes = firstValue(fields, plan.fields.get('notes')).slice(0, 4000) || null;
  return {
    ok: true,
    recordId: plan.fields.has('recordId') ? firstValue(fields, plan.fields.get('recordId')) || null : null,
    contact: { name, company, kind: company && name === company ? 'company' : 'person', numbers, emails, notes },
  };
}

/** The first non-empty value of the columns, trimmed; '' when none. */
export function firstValue(fields: string[], columns: number[] | undefined): string {
  if (columns) {
    for (const i of columns) {
      const v = fields[i]?.trim();
      if (v) return v;
    }
  }
  return '';
}

/** First, middle and last name joined by single spaces (those present). */
function personalName(fields: string[], plan: ColumnPlan): string {
  const f = firstValue(fields, plan.fields.get('firstName'));
  const m = firstValue(fields, plan.fields.get('middleName'));
  const l = firstValue(fields, plan.fields.get('lastName'));
  return m ? [f, m, l].filter(Boolean).join(' ') : f && l ? `${f} ${l}` : f || l;
}

function addNumbers(numbers: SourceContact['numbers'], value: string, kind: NumberKind | 'switchboard'): void {
  if (!value) return;
  for (const n of value.split(NUMBER_SPLIT)) {
    if (n && numbers.length < 20) numbers.push(kind === 'switchboard' ? { number: n, type: 'business', switchboard: true } : { number: n, type: kind });
  }
}
