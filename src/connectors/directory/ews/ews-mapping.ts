/**
 * Exchange contact items (EWS `t:Contact`, as parsed by ews-client.ts) → phonebook contacts. Pure.
 *
 * Phone numbers are an indexed collection, `PhoneNumbers/Entry[@Key]`, with the keys of
 * `PhoneNumberKeyType` (learn.microsoft.com/exchange/client-developer/web-service-reference/
 * entry-phonenumber): AssistantPhone, BusinessFax, BusinessPhone, BusinessPhone2, Callback, CarPhone,
 * CompanyMainPhone, HomeFax, HomePhone, HomePhone2, Isdn, MobilePhone, OtherFax, OtherTelephone,
 * Pager, PrimaryPhone, RadioPhone, Telex, TtyTddPhone. E-mail addresses likewise,
 * `EmailAddresses/Entry[@Key=EmailAddress1..3]`.
 */
import type { SourceContact } from '../directory-source.ts';

export type EwsContactItem = {
  id: string;
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
  companyName: string | null;
  phones: Array<{ key: string; number: string }>;
  emails: string[];
};

export type EwsMapped = { ok: true; contact: SourceContact } | { ok: false; reason: string };

type NumberType = SourceContact['numbers'][number]['type'];

/** The phone keys read, in the order they are listed on the entry; the rest are not phone-book numbers. */
export const EWS_PHONE_KEYS: Record<string, { type: NumberType; switchboard?: true }> = {
  BusinessPhone: { type: 'business' },
  BusinessPhone2: { type: 'business' },
  CompanyMainPhone: { type: 'business', switchboard: true },
  MobilePhone: { type: 'mobile' },
  CarPhone: { type: 'mobile' },
  HomePhone: { type: 'home' },
  HomePhone2: { type: 'home' },
  BusinessFax: { type: 'fax' },
  HomeFax: { type: 'fax' },
  OtherFax: { type: 'fax' },
  OtherTelephone: { type: 'other' },
  PrimaryPhone: { type: 'other' },
  AssistantPhone: { type: 'other' },
  Callback: { type: 'other' },
  Isdn: { type: 'other' },
  RadioPhone: { type: 'other' },
};

export const EWS_EMAIL_KEYS = ['EmailAddress1', 'EmailAddress2', 'EmailAddress3'];

export function mapEwsContact(item: EwsContactItem): EwsMapped {
  const numbers: SourceContact['numbers'] = [];
  for (const key of Object.keys(EWS_PHONE_KEYS)) {
    const kind = EWS_PHONE_KEYS[key];
    for (const phone of item.phones) {
      const number = phone.key === key ? phone.number.trim() : '';
      if (number && !numbers.some((n) => n.number === number && n.type === kind.type)) numbers.push(kind.switchboard ? { number, type: kind.type, switchboard: true } : { number, type: kind.type });
    }
  }
  const company = clean(item.companyName);
  const name = clean(item.displayName) ?? ([clean(item.givenName), clean(item.surname)].filter(Boolean).join(' ') || company);
  if (!name) return { ok: false, reason: 'no name' };
  if (numbers.length === 0) return { ok: false, reason: 'no phone number' };
  const emails = [...new Set(item.emails.map((e) => e.trim().replace(/^smtp:/i, '')).filter(Boolean))];
  return { ok: true, contact: { name, company, kind: 'person', numbers, emails, notes: null } };
}

function clean(value: string | null): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}
