/**
 * Contacts, their numbers, and the change feed (`contact_changes`) that tells every instance which
 * contacts to reload into its in-memory index. A write and its change row share one transaction.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Contact, NumberType } from '../../core/contacts/contact.ts';
import { contactSearchText } from '../../core/contacts/search-text.ts';
import type { ContactNumberTable, ContactTable, Database } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;


/**
 * A `contact_changes` entry with this contact id means "reload every contact of the tenant": a sync
 * run that changes tens of thousands of contacts writes it once instead of one entry per contact
 * (a million-row import would otherwise write, and every instance read back, a million entries).
 */
export const RELOAD_TENANT = '*';

export class ContactsRepository {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Inserts or replaces a contact (by id) with its numbers, and records the change. */
  async save(contact: Contact): Promise<void> {
    await this.saveMany([contact]);
  }

  /** Several contacts in one transaction: all of them or none. */
  async saveMany(contacts: Contact[]): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      for (const contact of contacts) await this.#saveIn(trx, contact);
    });
  }

  async #saveIn(trx: Transaction<Database>, contact: Contact): Promise<void> {
    {
      const row = toRow(contact);
      const { id, tenant_id, created_at, ...rest } = row;
      const updated = await trx.updateTable('contacts').set(rest).where('id', '=', id).where('tenant_id', '=', tenant_id).executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) await trx.insertInto('contacts').values(row).execute();
      await trx.deleteFrom('contact_numbers').where('contact_id', '=', id).execute();
      if (contact.numbers.length) await trx.insertInto('contact_numbers').values(numberRows(contact)).execute();
      await trx.insertInto('contact_changes').values({ tenant_id: contact.tenantId, contact_id: id }).execute();
    }
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const r = await trx.deleteFrom('contacts').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) return false;
      await trx.insertInto('contact_changes').values({ tenant_id: tenantId, contact_id: id }).execute();
      return true;
    });
  }

  async get(tenantId: string, id: string): Promise<Contact | undefined> {
    const [contact] = await this.#load(this.#db.selectFrom('contacts').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id));
    return contact;
  }

  async getMany(tenantId: string, ids: string[]): Promise<Contact[]> {
    if (ids.length === 0) return [];
    return this.#load(this.#db.selectFrom('contacts').selectAll().where('tenant_id', '=', tenantId).where('id', 'in', ids));
  }

  /**
   * Company contacts plus the owner's personal ones whose name, company, e-mail or number digits
   * contain `query`; by name. An empty query lists them all.
   */
  async search(tenantId: string, query: string, options: { limit: number; offset?: number; ownerUserId?: string | null }): Promise<Contact[]> {
    let q = this.#db.selectFrom('contacts').selectAll().where('tenant_id', '=', tenantId);
    const owner = options.ownerUserId ?? null;
    q = owner === null ? q.where('owner_user_id', 'is', null) : q.where((eb) => eb.or([eb('owner_user_id', 'is', null), eb('owner_user_id', '=', owner)]));
    const needle = query.trim().toLowerCase();
    if (needle) {
      const pattern = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) => eb(eb.ref('search_text'), 'like', eb.val(pattern)));
    }
    return this.#load(q.orderBy('name').orderBy('id').limit(options.limit).offset(options.offset ?? 0));
  }

  /** Every contact of a tenant, in pages (for building an index without holding two copies). */
  async *all(tenantId: string, pageSize = 5_000): AsyncGenerator<Contact[]> {
    let after = '';
    for (;;) {
      const page = await this.#load(contactsPageQuery(this.#db, tenantId, after, pageSize));
      if (page.length === 0) return;
      yield page;
      after = page[page.length - 1].id;
    }
  }

  async maxChangeSeq(): Promise<number> {
    const row = await this.#db.selectFrom('contact_changes').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  /** See RELOAD_TENANT: a change-feed entry that stands for every contact of its tenant. */
  async changesSince(seq: number, limit = 10_000): Promise<Array<{ seq: number; tenantId: string; contactId: string }>> {
    const rows = await this.#db.selectFrom('contact_changes').selectAll().where('seq', '>', seq).orderBy('seq').limit(limit).execute();
    return rows.map((r) => ({ seq: Number(r.seq), tenantId: r.tenant_id, contactId: r.contact_id }));
  }

  async #load(query: { execute(): Promise<ContactTable[]> }): Promise<Contact[]> {
    const rows = await query.execute();
    if (rows.length === 0) return [];
    const numbers = await this.#numbersOf(this.#db, rows.map((r) => r.id));
    return rows.map((r) => toContact(r, numbers.get(r.id) ?? []));
  }

  async #numbersOf(db: Db, ids: string[]): Promise<Map<string, ContactNumberTable[]>> {
    const out = new Map<string, ContactNumberTable[]>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await db.selectFrom('contact_numbers').selectAll().where('contact_id', 'in', ids.slice(i, i + 500)).orderBy('position').execute();
      for (const r of rows) {
        const list = out.get(r.contact_id);
        if (list) list.push(r);
        else out.set(r.contact_id, [r]);
      }
    }
    return out;
  }
}

function toRow(c: Contact): ContactTable {
  const text = contactSearchText(c);
  return {
    id: c.id,
    tenant_id: c.tenantId,
    owner_user_id: c.ownerUserId,
    kind: c.kind,
    name: c.name,
    company: c.company,
    emails: JSON.stringify(c.emails),
    notes: c.notes,
    origin: c.origin,
    source_id: c.sourceId,
    source_record_id: c.sourceRecordId,
    forwarding_target: c.forwardingTarget ? 1 : 0,
    search_text: text,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

function numberRows(c: Contact): ContactNumberTable[] {
  return c.numbers.map((n, position) => ({
    contact_id: c.id,
    position,
    tenant_id: c.tenantId,
    raw: n.raw,
    e164: n.e164,
    type: n.type,
    switchboard: n.switchboard ? 1 : 0,
  }));
}

function toContact(r: ContactTable, numbers: ContactNumberTable[]): Contact {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    ownerUserId: r.owner_user_id,
    kind: r.kind === 'company' ? 'company' : 'person',
    name: r.name,
    company: r.company,
    numbers: numbers.map((n) => ({ raw: n.raw, e164: n.e164, type: n.type as NumberType, switchboard: Number(n.switchboard) === 1 })),
    emails: JSON.parse(r.emails) as string[],
    notes: r.notes,
    origin: r.origin === 'synced' ? 'synced' : 'manual',
    sourceId: r.source_id,
    sourceRecordId: r.source_record_id,
    forwardingTarget: Number(r.forwarding_target) === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** One page of a tenant's contacts by id: a range read of `contacts_tenant_id` (checked by a test). */
export function contactsPageQuery(db: Kysely<Database>, tenantId: string, after: string, pageSize: number) {
  return db.selectFrom('contacts').selectAll().where('tenant_id', '=', tenantId).where('id', '>', after).orderBy('id').limit(pageSize);
}
