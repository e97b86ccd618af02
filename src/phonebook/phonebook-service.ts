/**
 * The phonebook: contacts in the store, lookups from an in-memory index per tenant.
 *
 * Consistency: a write here updates this instance's index as soon as it commits. Every write also
 * appends to `contact_changes`; `refresh()` (run every second by `start()`) reloads the contacts other
 * instances changed, so several instances on one PostgreSQL agree within a second. An index is built
 * on a tenant's first lookup (or at start), page by page, never holding the whole table twice.
 */
import type { Contact, LookupResult } from '../core/contacts/contact.ts';
import { readContactNumber } from '../core/contacts/contact-number.ts';
import { PhonebookIndex } from '../core/contacts/phonebook-index.ts';
import { NUMBER_TYPES } from '../core/contacts/contact.ts';
import { CallbridgeError } from '../core/errors.ts';
import { uuidv7 } from '../core/ids.ts';
import type { TenantSettingsCache } from '../journal/tenant-settings.ts';
import { RELOAD_TENANT } from '../storage/repositories/contacts-repository.ts';
import type { Store } from '../storage/store.ts';
import type { ContactInput, LookupOptions, Phonebook } from './phonebook.ts';

const MAX_NUMBERS = 20;
const MAX_EMAILS = 20;

export class PhonebookService implements Phonebook {
  #store: Store;
  #settings: TenantSettingsCache;
  #indexes = new Map<string, Promise<PhonebookIndex>>();
  /** The same indexes once built, for synchronous reads. */
  #built = new Map<string, PhonebookIndex>();
  #seq = 0;
  #seqReady: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(store: Store, settings: TenantSettingsCache) {
    this.#store = store;
    this.#settings = settings;
  }

  /** Builds every tenant's index and follows other instances' changes until `stop()`. */
  async start(intervalMs = 1_000): Promise<void> {
    await this.#baseline();
    for (const tenant of await this.#store.tenants.list()) await this.#index(tenant.id);
    this.#timer = setInterval(() => void this.refresh().catch(() => {}), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Applies changes made through other instances since the last refresh. */
  async refresh(): Promise<void> {
    await this.#baseline();
    for (;;) {
      const changes = await this.#store.contacts.changesSince(this.#seq, 5_000);
      if (changes.length === 0) return;
      const byTenant = new Map<string, Set<string>>();
      for (const c of changes) {
        if (!byTenant.has(c.tenantId)) byTenant.set(c.tenantId, new Set());
        byTenant.get(c.tenantId)!.add(c.contactId);
      }
      for (const [tenantId, ids] of byTenant) {
        const index = this.#indexes.get(tenantId);
        if (!index) continue; // built from the table on first use
        if (ids.has(RELOAD_TENANT)) {
          await this.#rebuild(tenantId);
          continue;
        }
        const current = await this.#store.contacts.getMany(tenantId, [...ids]);
        const idx = await index;
        const present = new Set(current.map((c) => c.id));
        for (const c of current) idx.upsert(c);
        for (const id of ids) if (!present.has(id)) idx.remove(id);
      }
      this.#seq = changes[changes.length - 1].seq;
    }
  }

  async lookup(tenantId: string, rawNumber: string, options: LookupOptions = {}): Promise<LookupResult> {
    const now = this.lookupNow(tenantId, rawNumber, options);
    if (now) return now;
    const read = await this.#settings.reader(tenantId);
    const number = read(rawNumber ?? '');
    if (number.withheld || !number.e164) return { number: null, match: null, candidates: [] };
    const index = this.#built.get(tenantId) ?? (await this.#index(tenantId));
    return index.lookup(number.e164, { ownerUserId: options.ownerUserId ?? null, suffixDigits: await this.#settings.suffixDigits(tenantId) });
  }

  /**
   * `lookup` without any I/O or promise when the tenant's index and settings are at hand (the hot
   * path of the lookup and CNAM routes); undefined otherwise, and then `lookup` answers.
   */
  lookupNow(tenantId: string, rawNumber: string, options: LookupOptions = {}): LookupResult | undefined {
    const index = this.#built.get(tenantId);
    const settings = index && this.#settings.peek(tenantId);
    if (!settings) return undefined;
    const number = settings.read(rawNumber ?? '');
    if (number.withheld || !number.e164) return { number: null, match: null, candidates: [] };
    return index.lookup(number.e164, { ownerUserId: options.ownerUserId ?? null, suffixDigits: settings.suffixDigits });
  }

  /** Builds the tenant's index if it is not built yet (call outside any transaction). */
  async ready(tenantId: string): Promise<void> {
    await this.#index(tenantId);
  }

  /**
   * The index answer for a number already in E.164, without any I/O: the journal asks inside its
   * transaction. Undefined when the tenant's index is not built (see `ready`).
   */
  identify(tenantId: string, e164: string, ownerUserId: string | null): LookupResult | undefined {
    return this.#built.get(tenantId)?.lookup(e164, { ownerUserId, suffixDigits: null });
  }

  search(tenantId: string, query: string, options: { limit?: number; offset?: number; ownerUserId?: string | null } = {}): Promise<Contact[]> {
    return this.#store.contacts.search(tenantId, query, { limit: Math.min(options.limit ?? 50, 1000), offset: options.offset, ownerUserId: options.ownerUserId ?? null });
  }

  async findByEmail(tenantId: string, email: string): Promise<Contact[]> {
    const wanted = email.trim().toLowerCase();
    if (!wanted) return [];
    const found = await this.#store.contacts.search(tenantId, wanted, { limit: 50 });
    return found.filter((c) => c.emails.some((e) => e.toLowerCase() === wanted));
  }

  get(tenantId: string, id: string): Promise<Contact | undefined> {
    return this.#store.contacts.get(tenantId, id);
  }

  async create(tenantId: string, input: ContactInput, options: { ownerUserId?: string | null } = {}): Promise<Contact> {
    const now = new Date().toISOString();
    const contact = await this.#build(tenantId, input, {
      id: uuidv7(),
      ownerUserId: options.ownerUserId ?? null,
      origin: 'manual',
      sourceId: null,
      sourceRecordId: null,
      createdAt: now,
      updatedAt: now,
    });
    await this.#write(contact);
    return contact;
  }

  /**
   * Creates many manual company contacts at once: every input is validated first (the error names
   * the input's index), then all are written in one transaction.
   */
  async importMany(tenantId: string, inputs: ContactInput[]): Promise<Contact[]> {
    const now = new Date().toISOString();
    const contacts: Contact[] = [];
    for (const [i, input] of inputs.entries()) {
      try {
        contacts.push(await this.#build(tenantId, input, { id: uuidv7(), ownerUserId: null, origin: 'manual', sourceId: null, sourceRecordId: null, createdAt: now, updatedAt: now }));
      } catch (err) {
        if (err instanceof CallbridgeError) throw new CallbridgeError(err.code, err.message, `/${i}${err.field ?? ''}`);
        throw err;
      }
    }
    await this.#store.contacts.saveMany(contacts);
    const index = await this.#indexes.get(tenantId);
    for (const c of contacts) index?.upsert(c);
    return contacts;
  }

  /** Changes a manual contact; synced ones are read-only (copy them first). */
  async update(tenantId: string, id: string, patch: Partial<ContactInput>): Promise<Contact> {
    const current = await this.#editable(tenantId, id);
    const merged: ContactInput = {
      name: patch.name ?? current.name,
      company: patch.company !== undefined ? patch.company : current.company,
      kind: patch.kind ?? current.kind,
      numbers: patch.numbers ?? current.numbers.map((n) => ({ number: n.raw, type: n.type, switchboard: n.switchboard })),
      emails: patch.emails ?? current.emails,
      notes: patch.notes !== undefined ? patch.notes : current.notes,
      forwardingTarget: patch.forwardingTarget ?? current.forwardingTarget,
    };
    const contact = await this.#build(tenantId, merged, { ...current, updatedAt: new Date().toISOString() });
    await this.#write(contact);
    return contact;
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.#editable(tenantId, id);
    await this.#store.contacts.delete(tenantId, id);
    (await this.#indexes.get(tenantId))?.remove(id);
  }

  /** A manual (editable) copy of any contact; the original stays as it is. */
  async copyToManual(tenantId: string, id: string): Promise<Contact> {
    const source = await this.get(tenantId, id);
    if (!source) throw new CallbridgeError('CB_NOT_FOUND', 'No contact with this id', '/id');
    return this.create(
      tenantId,
      {
        name: source.name,
        company: source.company,
        kind: source.kind,
        numbers: source.numbers.map((n) => ({ number: n.raw, type: n.type, switchboard: n.switchboard })),
        emails: source.emails,
        notes: source.notes,
      },
      { ownerUserId: source.ownerUserId },
    );
  }

  async #editable(tenantId: string, id: string): Promise<Contact> {
    const current = await this.get(tenantId, id);
    if (!current) throw new CallbridgeError('CB_NOT_FOUND', 'No contact with this id', '/id');
    if (current.origin === 'synced') {
      throw new CallbridgeError('CB_CONFLICT', `this contact is synced from a source and read-only here; copy it to a manual entry first (POST /api/v1/contacts/${id}/copy)`, '/id');
    }
    return current;
  }

  async #write(contact: Contact): Promise<void> {
    await this.#store.contacts.save(contact);
    (await this.#indexes.get(contact.tenantId))?.upsert(contact);
  }

  /** Validates input (naming the field) and reads every number under the tenant's settings. */
  async #build(tenantId: string, input: ContactInput, base: Omit<Contact, 'tenantId' | 'kind' | 'name' | 'company' | 'numbers' | 'emails' | 'notes' | 'forwardingTarget'>): Promise<Contact> {
    const numbering = await this.#settings.numbering(tenantId);
    if (typeof input.name !== 'string' || !input.name.trim() || input.name.length > 200) throw invalid('/name', 'name must be 1 to 200 characters');
    if (input.company != null && (typeof input.company !== 'string' || input.company.length > 200)) throw invalid('/company', 'company must be a string of at most 200 characters');
    if (!Array.isArray(input.numbers) || input.numbers.length > MAX_NUMBERS) throw invalid('/numbers', `numbers must be a list of at most ${MAX_NUMBERS}`);
    const numbers = input.numbers.map((n, i) => {
      if (typeof n?.number !== 'string' || !n.number.trim() || n.number.length > 64) throw invalid(`/numbers/${i}/number`, 'number must be a phone number');
      if (n.type !== undefined && !(NUMBER_TYPES as readonly string[]).includes(n.type)) throw invalid(`/numbers/${i}/type`, `type must be one of ${NUMBER_TYPES.join(', ')}`);
      const read = readContactNumber(n.number, n.type, n.switchboard, numbering);
      if (!read.e164) throw invalid(`/numbers/${i}/number`, `"${n.number}" is not a phone number Callbridge can read (country ${numbering.defaultCountry})`);
      return read;
    });
    const emails = input.emails ?? [];
    if (!Array.isArray(emails) || emails.length > MAX_EMAILS) throw invalid('/emails', `emails must be a list of at most ${MAX_EMAILS}`);
    emails.forEach((e, i) => {
      if (typeof e !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(e) || e.length > 254) throw invalid(`/emails/${i}`, 'not an e-mail address');
    });
    if (input.notes != null && (typeof input.notes !== 'string' || input.notes.length > 4000)) throw invalid('/notes', 'notes must be text of at most 4000 characters');
    const forwardingTarget = Boolean(input.forwardingTarget);
    if (forwardingTarget && base.origin !== 'manual') throw invalid('/forwardingTarget', 'only manual entries may be call-forwarding targets');
    const company = input.company?.trim() || null;
    return {
      ...base,
      tenantId,
      kind: input.kind ?? (company && company === input.name.trim() ? 'company' : 'person'),
      name: input.name.trim(),
      company,
      numbers,
      emails: emails.map((e) => e.trim()),
      notes: input.notes ?? null,
      forwardingTarget,
    };
  }

  async #baseline(): Promise<void> {
    this.#seqReady ??= this.#store.contacts.maxChangeSeq().then((seq) => {
      this.#seq = seq;
    });
    await this.#seqReady;
  }

  /**
   * A fresh index of the tenant from the table, swapped in once complete (lookups use the old one
   * meanwhile). Every change up to the feed entry being applied committed before this reads.
   */
  async #rebuild(tenantId: string): Promise<void> {
    const idx = new PhonebookIndex();
    for await (const page of this.#store.contacts.all(tenantId)) for (const c of page) idx.upsert(c);
    this.#built.set(tenantId, idx);
    this.#indexes.set(tenantId, Promise.resolve(idx));
  }

  #index(tenantId: string): Promise<PhonebookIndex> {
    let index = this.#indexes.get(tenantId);
    if (!index) {
      index = this.#baseline().then(async () => {
        const idx = new PhonebookIndex();
        for await (const page of this.#store.contacts.all(tenantId)) for (const c of page) idx.upsert(c);
        this.#built.set(tenantId, idx);
        return idx;
      });
      index.catch(() => this.#indexes.delete(tenantId));
      this.#indexes.set(tenantId, index);
    }
    return index;
  }
}

function invalid(field: string, message: string): CallbridgeError {
  return new CallbridgeError('CB_VALIDATION', message, field);
}
