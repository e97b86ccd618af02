/**
 * 3CX server-side CRM integration (v18/v20): what the 3CX server sends to the endpoints of our
 * template, and what it expects back. Pure: no I/O, never throws on any input.
 *
 * Sources:
 * - https://www.3cx.com/docs/server-side-crm-template-xml-description/ and
 *   https://www.3cx.cn/docs/crm-template-xml-description/ ("CRM Template XML Description"): the
 *   `<Number Prefix MaxLength>` element (AsIs keeps `+`/`00`, Off drops them, Plus/Zeros rewrite them;
 *   MaxLength keeps only the last N digits: `+123456789` ⇒ `456789`), the reserved scenario ids (`""`
 *   lookup by number, `LookupByEmail`, `SearchContacts`, `CreateContactRecordFromClient`, `ReportCall`),
 *   the contact outputs (ContactUrl, FirstName, LastName, CompanyName, Email, PhoneBusiness,
 *   PhoneMobile, EntityId, EntityType) and the "Call Journaling" variables.
 * - Public templates that show what the engine really sends: tierklinik-dobersberg/3cx-support
 *   `contrib/3cx-crm.template.xml` (ReportCall per CallType, `[Duration]`, `[DateTime]`, `[Agent]`),
 *   and the AlgaPSA / Odoo / LeadDrive templates found by code search (`[CallStartTimeUTC]`,
 *   `[CallEstablishedTimeUTC]`, `[CallEndTimeUTC]`, `[QueueExtension]`, `[AgentEmail]`, and their
 *   `.ToString("yyyy-MM-ddTHH:mm:ssZ")` formatting).
 *
 * Quirks and the rules chosen for them:
 * - 3CX accepts a looked-up contact only when one of its phone outputs equals the number it searched
 *   (after its own MaxLength/Prefix formatting). We do the matching and echo the searched number back,
 *   verbatim, in the phone field of the number's type (mobile → phoneMobile, else phoneBusiness).
 * - `+` in a query string arrives as a space (form decoding): a leading space before digits is read
 *   back as `+`.
 * - A number written without `+`, `00` or a trunk `0` may be the last MaxLength digits of a longer
 *   number (or a full number with Prefix="Off"): it is matched by suffix against stored E.164 numbers.
 * - `[CallType]` is Inbound | Outbound | Missed | Notanswered. Inbound and Outbound mean the call was
 *   talked (even with a duration of 00:00:00); Missed is an inbound and Notanswered an outbound call
 *   nobody took. Both unanswered types end with cause noAnswer (outcome missed): 3CX does not say
 *   whether the caller gave up or the callee never picked up.
 * - `[Duration]` is hh:mm:ss (hours may exceed 24); `[DurationSeconds]`-style plain integers are
 *   accepted too. It is the talk time.
 * - Times: the template sends `[CallStartTimeUTC]`, `[CallEstablishedTimeUTC]` and `[CallEndTimeUTC]`
 *   formatted as ISO 8601 UTC. Unformatted .NET values (`11/21/2026 10:00:00`, `21.11.2026 10:00:00`,
 *   with AM/PM) and epoch milliseconds are read too; .NET's DateTime.MinValue (year 1) means "none"
 *   (no established time on a missed call). `[DateTime]` carries no zone: it is only the last resort
 *   and read as UTC.
 * - 3CX sends no call id. The call id is a hash of the start second, the agent extension, the number's
 *   digits and the direction, and every event key derives from it: a repeated ReportCall changes
 *   nothing.
 */
import type { Contact, ContactNumber } from '../../../core/contacts/contact.ts';
import { problem, type FieldProblem } from '../webhook-body.ts';

export const THREECX_CRM_SOURCE = '3cx-crm';

export const THREECX_CALL_TYPES = ['Inbound', 'Outbound', 'Missed', 'Notanswered'] as const;
export type ThreeCxCallType = (typeof THREECX_CALL_TYPES)[number];

// ---------------------------------------------------------------------------------------------------
// Numbers

/** How a number 3CX searched for is to be matched. */
export type SearchedNumber =
  | { kind: 'empty' }
  /** With `+`, `00` or a trunk `0`: a whole number the tenant's numbering settings can read. */
  | { kind: 'full'; text: string }
  /** Bare digits: the last digits of a number (MaxLength), or a whole number without prefix (Prefix="Off"). */
  | { kind: 'digits'; digits: string };

/** Fewer bare digits than this would match too much by suffix; they are read as a whole number. */
export const MIN_SUFFIX_DIGITS = 5;

/** The number from the query as 3CX formatted it, with `+` restored where form decoding made it a space. */
export function restorePlus(raw: string): string {
  return /^\s+\d/.test(raw) ? '+' + raw.trim() : raw.trim();
}

export function classifySearchedNumber(raw: string): SearchedNumber {
  const text = restorePlus(raw ?? '');
  const digits = text.replace(/\D/g, '');
  if (!digits) return { kind: 'empty' };
  if (/^(\+|00|0)/.test(text.replace(/[\s()./-]/g, ''))) return { kind: 'full', text };
  if (digits.length < MIN_SUFFIX_DIGITS) return { kind: 'full', text };
  return { kind: 'digits', digits };
}

/** The contact's number whose E.164 digits end with `digits`, if any. */
export function numberEndingWith(contact: Contact, digits: string): ContactNumber | undefined {
  return contact.numbers.find((n) => n.e164 !== null && n.e164.replace(/\D/g, '').endsWith(digits));
}

// ---------------------------------------------------------------------------------------------------
// Contacts as the template's Variables read them

/** One contact in our answer; the template maps `contacts.<field>` to 3CX's outputs. */
export type ThreeCxContact = {
  id: string;
  firstName: string;
  lastName: string;
  company: string;
  email: string;
  phoneBusiness: string;
  phoneMobile: string;
  phoneHome: string;
  contactUrl: string;
  entityType: 'Contacts';
};

/** `{ contacts: [...] }`: an empty list is "no match" for 3CX (its Rule on contacts.id does not fire). */
export type ThreeCxContactsReply = { contacts: ThreeCxContact[] };

/** "Erika Maria Mustermann" → first "Erika Maria", last "Mustermann"; a company entry has neither. */
export function splitName(contact: Pick<Contact, 'name' | 'kind'>): { firstName: string; lastName: string } {
  if (contact.kind === 'company') return { firstName: '', lastName: '' };
  const parts = contact.name.trim().split(/\s+/);
  if (parts.length < 2) return { firstName: '', lastName: parts[0] ?? '' };
  return { firstName: parts.slice(0, -1).join(' '), lastName: parts[parts.length - 1] };
}

/**
 * A contact as 3CX reads it. `echo` puts the searched number, exactly as 3CX sent it, in the field of
 * the matching number's type, so 3CX's equality check passes.
 */
export function toThreeCxContact(contact: Contact, contactUrl: string, echo?: { number: string; type: ContactNumber['type'] }): ThreeCxContact {
  const first = (type: ContactNumber['type'] | 'fixed') =>
    contact.numbers.find((n) => (type === 'fixed' ? n.type === 'business' || n.type === 'other' : n.type === type));
  const shown = (n: ContactNumber | undefined) => (n ? (n.e164 ?? n.raw) : '');
  const fixed = shown(first('fixed') ?? contact.numbers.find((n) => n.type !== 'mobile' && n.type !== 'home' && n.type !== 'fax'));
  let phoneBusiness = fixed;
  let phoneMobile = shown(first('mobile'));
  let phoneHome = shown(first('home'));
  if (echo) {
    if (echo.type === 'mobile') phoneMobile = echo.number;
    else if (echo.type === 'home') phoneHome = echo.number;
    else phoneBusiness = echo.number;
  }
  const { firstName, lastName } = splitName(contact);
  return {
    id: contact.id,
    firstName,
    lastName,
    company: contact.company ?? (contact.kind === 'company' ? contact.name : ''),
    email: contact.emails[0] ?? '',
    phoneBusiness,
    phoneMobile,
    phoneHome,
    contactUrl,
    entityType: 'Contacts',
  };
}

/** What CreateContactRecordFromClient posts, checked; numbers stay raw for the phonebook to read. */
export type NewThreeCxContact = { name: string; company: string | null; email: string | null; numbers: Array<{ number: string; type: 'business' | 'mobile' }> };

export function readNewContact(body: unknown): { ok: true; contact: NewThreeCxContact } | FieldProblem {
  const b = asRecord(body);
  if (!b) return problem('', 'the body must be a JSON object or a form');
  const raw = (k: string) => (typeof b[k] === 'string' ? (b[k] as string) : typeof b[k] === 'number' ? String(b[k]) : '');
  const text = (k: string) => raw(k).trim();
  const firstName = text('FirstName');
  const lastName = text('LastName');
  const company = text('Company') || text('CompanyName');
  const name = [firstName, lastName].filter(Boolean).join(' ') || company;
  if (!name) return problem('/LastName', 'FirstName, LastName or Company is needed');
  const numbers: NewThreeCxContact['numbers'] = [];
  const seen = new Set<string>();
  const add = (number: string, type: 'business' | 'mobile') => {
    const n = restorePlus(number);
    if (!n || seen.has(n)) return;
    seen.add(n);
    numbers.push({ number: n, type });
  };
  // Untrimmed: a leading space is a `+` a form decoder took for a space.
  add(raw('PhoneMobile'), 'mobile');
  add(raw('PhoneBusiness'), 'business');
  add(raw('Number'), 'business');
  const email = text('Email') || null;
  return { ok: true, contact: { name, company: company || null, email, numbers } };
}

/** The body as an object (JSON or form), or null. */
export function asRecord(body: unknown): Record<string, unknown> | null {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
}
