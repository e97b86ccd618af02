/**
 * Microsoft Graph records → phonebook contacts. Pure: no I/O.
 *
 * Three resources, three phone shapes (learn.microsoft.com/graph/api/resources/…):
 * - `user`: `businessPhones` (string[]), `mobilePhone`, `faxNumber`; the company is `companyName`.
 * - `orgContact`: `phones` as `[{ type, number }]` with type business, businessFax, mobile, home,
 *   homeFax, otherFax, pager, radio, assistant, other.
 * - Outlook `contact` (a mailbox's contacts folder): `businessPhones`, `homePhones`, `mobilePhone`,
 *   `emailAddresses: [{ name, address }]`, `personalNotes`.
 * Properties never set are absent from Graph's JSON, so every field is optional here.
 */
import type { SourceContact } from '../directory-source.ts';

/** Which collection a record came from; its record id is prefixed with it so ids never collide. */
export type GraphCollection = 'users' | 'contacts' | 'mailbox';

export type GraphRecord = {
  id: string;
  displayName?: string | null;
  givenName?: string | null;
  surname?: string | null;
  companyName?: string | null;
  mail?: string | null;
  businessPhones?: string[] | null;
  homePhones?: string[] | null;
  mobilePhone?: string | null;
  faxNumber?: string | null;
  phones?: Array<{ type?: string | null; number?: string | null }> | null;
  emailAddresses?: Array<{ name?: string | null; address?: string | null }> | null;
  personalNotes?: string | null;
};

export type GraphMapped = { ok: true; contact: SourceContact } | { ok: false; reason: string };

type Numbers = SourceContact['numbers'];

const ORG_PHONE_TYPES: Record<string, Numbers[number]['type']> = {
  business: 'business',
  businessFax: 'fax',
  homeFax: 'fax',
  otherFax: 'fax',
  mobile: 'mobile',
  home: 'home',
};

export function graphRecordId(collection: GraphCollection, id: string): string {
  return `${collection}:${id}`;
}

export function mapGraphRecord(collection: GraphCollection, record: GraphRecord): GraphMapped {
  const numbers: Numbers = [];
  const add = (number: string | null | undefined, type: Numbers[number]['type']) => {
    const trimmed = number?.trim();
    if (trimmed && !numbers.some((n) => n.number === trimmed && n.type === type)) numbers.push({ number: trimmed, type });
  };
  for (const n of record.businessPhones ?? []) add(n, 'business');
  add(record.mobilePhone, 'mobile');
  for (const n of record.homePhones ?? []) add(n, 'home');
  add(record.faxNumber, 'fax');
  for (const p of record.phones ?? []) add(p.number, ORG_PHONE_TYPES[p.type ?? ''] ?? 'other');

  const company = clean(record.companyName);
  const personal = [clean(record.givenName), clean(record.surname)].filter(Boolean).join(' ');
  const name = clean(record.displayName) ?? (personal || company);
  if (!name) return { ok: false, reason: 'no name (displayName, givenName and surname are empty)' };
  if (numbers.length === 0) return { ok: false, reason: 'no phone number' };

  const emails: string[] = [];
  for (const address of [record.mail, ...(record.emailAddresses ?? []).map((e) => e.address)]) {
    const trimmed = address?.trim();
    if (trimmed && !emails.includes(trimmed)) emails.push(trimmed);
  }
  return {
    ok: true,
    contact: {
      name,
      company,
      kind: 'person',
      numbers,
      emails,
      notes: collection === 'mailbox' ? clean(record.personalNotes) : null,
    },
  };
}

function clean(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}
