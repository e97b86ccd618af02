import type { Contact } from './contact.ts';

/** Lower-cased name, company, e-mails and number digits: what the phonebook's `search` matches (also written by source sync). */
export function contactSearchText(c: Pick<Contact, 'name' | 'company' | 'emails' | 'numbers'>): string {
  return [c.name, c.company ?? '', ...c.emails, ...c.numbers.flatMap((n) => [n.raw.replace(/\D/g, ''), (n.e164 ?? '').replace(/\D/g, '')])].join(' ').toLowerCase();
}
