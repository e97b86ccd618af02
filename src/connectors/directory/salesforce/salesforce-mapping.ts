/**
 * Salesforce Contact and Account records (REST query JSON) → phonebook contacts. Pure: no I/O.
 *
 * Standard fields (developer.salesforce.com/docs/atlas.en-us.object_reference.meta, "Contact" and
 * "Account"): Contact `Phone`, `MobilePhone`, `HomePhone`, `OtherPhone`, `Fax`, `Email`, `Name`
 * (compound of FirstName LastName, read-only), `Account.Name` through the relationship (the
 * `Account` key is `null` when the contact has no account); Account `Name`, `Phone`, `Fax`.
 * Empty fields come as `null`.
 */
import type { SourceContact } from '../directory-source.ts';

export type SalesforceObject = 'Contact' | 'Account';

export type SalesforceContactRecord = {
  Id: string;
  Name?: string | null;
  Phone?: string | null;
  MobilePhone?: string | null;
  HomePhone?: string | null;
  OtherPhone?: string | null;
  Fax?: string | null;
  Email?: string | null;
  Account?: { Name?: string | null } | null;
};

export type SalesforceAccountRecord = { Id: string; Name?: string | null; Phone?: string | null; Fax?: string | null };

export type SalesforceMapped = { ok: true; contact: SourceContact } | { ok: false; reason: string };

/** The SOQL of each object: the fields the mapping reads, nothing more. */
export const SOQL: Record<SalesforceObject, string> = {
  Contact: 'SELECT Id, Name, Phone, MobilePhone, HomePhone, OtherPhone, Fax, Email, Account.Name FROM Contact',
  Account: 'SELECT Id, Name, Phone, Fax FROM Account',
};

export function salesforceRecordId(object: SalesforceObject, id: string): string {
  return `${object}:${id}`;
}

export function mapSalesforceContact(record: SalesforceContactRecord): SalesforceMapped {
  const numbers: SourceContact['numbers'] = [];
  add(numbers, record.Phone, 'business');
  add(numbers, record.MobilePhone, 'mobile');
  add(numbers, record.HomePhone, 'home');
  add(numbers, record.OtherPhone, 'other');
  add(numbers, record.Fax, 'fax');
  const name = clean(record.Name);
  if (!name) return { ok: false, reason: 'no name' };
  if (numbers.length === 0) return { ok: false, reason: 'no phone number' };
  const email = clean(record.Email);
  return { ok: true, contact: { name, company: clean(record.Account?.Name), kind: 'person', numbers, emails: email ? [email] : [], notes: null } };
}

/** An account is a company: its main number is the switchboard, so a caller from any extension matches it. */
export function mapSalesforceAccount(record: SalesforceAccountRecord): SalesforceMapped {
  const numbers: SourceContact['numbers'] = [];
  const phone = clean(record.Phone);
  if (phone) numbers.push({ number: phone, type: 'business', switchboard: true });
  add(numbers, record.Fax, 'fax');
  const name = clean(record.Name);
  if (!name) return { ok: false, reason: 'no name' };
  if (numbers.length === 0) return { ok: false, reason: 'no phone number' };
  return { ok: true, contact: { name, company: name, kind: 'company', numbers, emails: [], notes: null } };
}

function add(numbers: SourceContact['numbers'], value: string | null | undefined, type: SourceContact['numbers'][number]['type']): void {
  const number = clean(value);
  if (number) numbers.push({ number, type });
}

function clean(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}
