/**
 * SugarCRM Contacts and Accounts records (REST v11 JSON) → phonebook contacts. Pure: no I/O.
 *
 * Fields as Sugar's module vardefs name them (support.sugarcrm.com, Sugar Developer Guide,
 * "REST API / Endpoints / <module> GET" response examples): Contacts `first_name`, `last_name`,
 * `name`, `account_name`, `phone_work`, `phone_mobile`, `phone_home`, `phone_other`, `phone_fax`;
 * Accounts `name`, `phone_office`, `phone_alternate`, `phone_fax`; both `email1` (the primary
 * address, legacy) and `email` (every address: `[{ email_address, primary_address, invalid_email,
 * opt_out }]`). Empty fields come as "" rather than null.
 */
import type { SourceContact } from '../directory-source.ts';

export type SugarModule = 'Contacts' | 'Accounts';

type SugarEmail = { email_address?: string | null; primary_address?: boolean | string | null; invalid_email?: boolean | string | null };

export type SugarRecord = {
  id: string;
  name?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  account_name?: string | null;
  phone_work?: string | null;
  phone_mobile?: string | null;
  phone_home?: string | null;
  phone_other?: string | null;
  phone_fax?: string | null;
  phone_office?: string | null;
  phone_alternate?: string | null;
  email1?: string | null;
  email?: SugarEmail[] | null;
};

export type SugarMapped = { ok: true; contact: SourceContact } | { ok: false; reason: string };

/** The `fields` argument per module: exactly what the mapping reads. */
export const SUGAR_FIELDS: Record<SugarModule, string> = {
  Contacts: 'name,first_name,last_name,account_name,phone_work,phone_mobile,phone_home,phone_other,phone_fax,email1,email',
  Accounts: 'name,phone_office,phone_alternate,phone_fax,email1,email',
};

export function sugarRecordId(module: SugarModule, id: string): string {
  return `${module}:${id}`;
}

export function mapSugarRecord(module: SugarModule, record: SugarRecord): SugarMapped {
  const numbers: SourceContact['numbers'] = [];
  const add = (value: string | null | undefined, type: SourceContact['numbers'][number]['type'], switchboard = false) => {
    const number = clean(value);
    if (number) numbers.push(switchboard ? { number, type, switchboard } : { number, type });
  };
  if (module === 'Contacts') {
    add(record.phone_work, 'business');
    add(record.phone_mobile, 'mobile');
    add(record.phone_home, 'home');
    add(record.phone_other, 'other');
    add(record.phone_fax, 'fax');
  } else {
    // An account's office number is its switchboard: unknown extensions of it match the company.
    add(record.phone_office, 'business', true);
    add(record.phone_alternate, 'business');
    add(record.phone_fax, 'fax');
  }
  const personal = [clean(record.first_name), clean(record.last_name)].filter(Boolean).join(' ');
  const name = module === 'Contacts' ? personal || clean(record.name) : clean(record.name);
  if (!name) return { ok: false, reason: 'no name' };
  if (numbers.length === 0) return { ok: false, reason: 'no phone number' };
  return {
    ok: true,
    contact: {
      name,
      company: module === 'Contacts' ? clean(record.account_name) : name,
      kind: module === 'Contacts' ? 'person' : 'company',
      numbers,
      emails: emails(record),
      notes: null,
    },
  };
}

/** The primary address first, invalid ones left out, no duplicates. */
function emails(record: SugarRecord): string[] {
  const list = [...(record.email ?? [])].filter((e) => !truthy(e.invalid_email)).sort((a, b) => Number(truthy(b.primary_address)) - Number(truthy(a.primary_address)));
  const out: string[] = [];
  for (const address of [...list.map((e) => e.email_address), record.email1]) {
    const trimmed = clean(address);
    if (trimmed && !out.includes(trimmed)) out.push(trimmed);
  }
  return out;
}

function truthy(value: boolean | string | null | undefined): boolean {
  return value === true || value === '1' || value === 'true';
}

function clean(value: string | null | undefined): string | null {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  return trimmed ? trimmed : null;
}
