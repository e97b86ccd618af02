/**
 * Grandstream XML phonebook ("phonebook.xml", `AddressBook`), downloaded whole by the phone.
 *
 * Sources:
 * - Grandstream, "GXP Series – XML Phonebook Guide" (GXP16xx/GXP17xx/GXP21xx),
 *   https://documentation.grandstream.com/knowledge-base/gxp-series-xml-phonebook-guide/ (web UI
 *   Phonebook → Phonebook Management; UTF-8 declaration "for correct display"; element names are
 *   case-sensitive: `AddressBook` › `Contact` › `LastName`, `FirstName`, `Phone` › `phonenumber`,
 *   `accountindex`), older edition https://www.manualsdir.com/manuals/770274/grandstream-xml-application-guide.html?page=12
 * - Grandstream, "GVC3200 XML Based Downloadable Phonebook Guide", table 4 `<Phone>`: attribute
 *   `type` = Work/Home/Mobile/Fax/Other, `accountindex` 0–5 for account 1–6,
 *   https://www.manualsdir.com/manuals/770436/grandstream-gvc3200-phone-book-xml-guide.html?page=23
 *   (the GXP2200 guide uses the same `Phone type`).
 *
 * Choices: one `Contact` per contact with one `Phone` per number, typed (the phone shows its own
 * type icons, so the labels are not used); `accountindex` 0 (account 1); a person's name is split
 * at the last space ("Erika von Muster" → FirstName "Erika von", LastName "Muster"; "Muster, Erika"
 * is read as last, first) so that the phone's "First Last" shows the name as written; a company
 * or a one-word name goes whole into FirstName. No paging, no search: the phone keeps the list.
 */
import type { Contact, NumberType } from '../../core/contacts/contact.ts';
import { dialString, documentOf, element, indent, type DirectoryOptions } from './xml.ts';

export const GRANDSTREAM_PHONE_TYPES = {
  business: 'Work',
  mobile: 'Mobile',
  home: 'Home',
  fax: 'Fax',
  other: 'Other',
} as const satisfies Record<NumberType, string>;

export function splitName(contact: Contact): { first: string; last: string } {
  const name = contact.name.trim().replace(/\s+/g, ' ');
  if (contact.kind === 'company') return { first: name, last: '' };
  const comma = name.indexOf(',');
  if (comma > 0) return { first: name.slice(comma + 1).trim(), last: name.slice(0, comma).trim() };
  const space = name.lastIndexOf(' ');
  if (space < 0) return { first: name, last: '' };
  return { first: name.slice(0, space), last: name.slice(space + 1) };
}

export function render(contacts: Contact[], _options: DirectoryOptions): string {
  const children: string[] = [];
  for (const c of contacts) {
    const phones = c.numbers.map((n) => ({ type: n.type, number: dialString(n) })).filter((p) => p.number !== '');
    if (phones.length === 0) continue;
    const { first, last } = splitName(c);
    const body = [element('FirstName', first)];
    if (last) body.push(element('LastName', last));
    for (const p of phones) {
      body.push(`<Phone type="${GRANDSTREAM_PHONE_TYPES[p.type]}">`, ...indent([element('phonenumber', p.number), element('accountindex', '0')]), '</Phone>');
    }
    children.push('<Contact>', ...indent(body), '</Contact>');
  }
  return documentOf('AddressBook', children);
}
