/**
 * The company phonebook's data. A contact is manual (M: made in Callbridge, editable) or synced
 * (S: owned by a source such as a CRM or a directory, read-only here). Plain data; matching lives in
 * phonebook-index.ts.
 */

export const NUMBER_TYPES = ['business', 'mobile', 'home', 'fax', 'other'] as const;
export type NumberType = (typeof NUMBER_TYPES)[number];

export type ContactNumber = {
  /** As written by whoever entered it. */
  raw: string;
  /** E.164 under the tenant's numbering settings; null when it cannot be read. */
  e164: string | null;
  type: NumberType;
  /**
   * The company's switchboard (main number): callers from its unknown extensions match this contact
   * as their company. Also inferred from the written form `+49 89 445566-0`.
   */
  switchboard: boolean;
};

export type ContactOrigin = 'manual' | 'synced';

export type Contact = {
  id: string;
  tenantId: string;
  /** A personal contact of this user (only they see it); null for the company phonebook. */
  ownerUserId: string | null;
  /** Person or company entry (matching prefers persons). */
  kind: 'person' | 'company';
  name: string;
  company: string | null;
  numbers: ContactNumber[];
  emails: string[];
  notes: string | null;
  origin: ContactOrigin;
  /** For synced contacts: the source and the record's id there. */
  sourceId: string | null;
  sourceRecordId: string | null;
  /** May serve as a call-forwarding target (manual entries only). */
  forwardingTarget: boolean;
  createdAt: string;
  updatedAt: string;
};

export type MatchType = 'exact' | 'company' | 'suffix';

export type LookupMatch = {
  contactId: string;
  name: string;
  company: string | null;
  matchType: MatchType;
  /** The contact's number that matched, in E.164. */
  number: string;
  origin: ContactOrigin;
  personal: boolean;
};

export type LookupResult = {
  /** The asked number in E.164, or null when withheld or unreadable. */
  number: string | null;
  match: LookupMatch | null;
  /** Every contact that matched, best first (the policy in phonebook-index.ts). */
  candidates: LookupMatch[];
};
