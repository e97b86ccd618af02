/**
 * The phonebook seam: everything outside src/phonebook/ (HTTP routes, integrations, the journal's
 * caller enrichment) reads and writes contacts through this interface.
 */
import type { Contact, LookupResult, NumberType } from '../core/contacts/contact.ts';

export type ContactInput = {
  name: string;
  company?: string | null;
  kind?: 'person' | 'company';
  numbers: Array<{ number: string; type?: NumberType; switchboard?: boolean }>;
  emails?: string[];
  notes?: string | null;
  forwardingTarget?: boolean;
};

export type LookupOptions = {
  /** The user whose personal contacts are consulted first (a call to their extension). */
  ownerUserId?: string | null;
};

export interface Phonebook {
  /**
   * Who is calling. Withheld and unreadable numbers give `match: null`, never an error. Answers from
   * memory; consistent with this instance's writes at once, with other instances' within a second.
   */
  lookup(tenantId: string, rawNumber: string, options?: LookupOptions): Promise<LookupResult>;
  /** `lookup` answered synchronously when no I/O is needed (index built, settings cached); else undefined. */
  lookupNow(tenantId: string, rawNumber: string, options?: LookupOptions): LookupResult | undefined;
  /** Contacts whose name, company, e-mail or number contains `query` (case-insensitive), best first. */
  search(tenantId: string, query: string, options?: { limit?: number; ownerUserId?: string | null }): Promise<Contact[]>;
  findByEmail(tenantId: string, email: string): Promise<Contact[]>;
  get(tenantId: string, id: string): Promise<Contact | undefined>;
  /** Creates a manual contact (personal when ownerUserId is given). Validates; throws CallbridgeError naming the field. */
  create(tenantId: string, input: ContactInput, options?: { ownerUserId?: string | null }): Promise<Contact>;
}
