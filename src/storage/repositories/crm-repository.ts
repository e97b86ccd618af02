/**
 * CRM connections, their extension → CRM user mappings, and the activities written per call.
 */
import type { Kysely } from 'kysely';
import type { CrmConnectionTable, Database } from '../schema.ts';

/** Which calls of an extension's user are logged. */
export type LogCalls = 'answered' | 'lost' | 'both';

/** Per connection: which calls become activities, and how they read. */
export type JournalRules = {
  /** Journal calls at all (false: the connection is a lookup source only). */
  enabled: boolean;
  /** Journal calls from/to numbers the CRM does not know. */
  unknownCallers: boolean;
  /** Journal inbound calls nobody answered and outbound calls not answered. */
  missedCalls: boolean;
  /** Language of subjects and created account names. */
  language: 'de' | 'en';
  /** For an unknown caller: create an account ("Anrufer <number>") and link the activity to it. */
  createAccountForUnknown: boolean;
  /** Calls of extensions without a mapping: logged under the connection's own user (true) or not at all. */
  unmappedExtensions: boolean;
};

export const DEFAULT_JOURNAL_RULES: JournalRules = {
  enabled: true,
  unknownCallers: true,
  missedCalls: true,
  language: 'de',
  createAccountForUnknown: false,
  unmappedExtensions: true,
};

export type CrmConnectionRecord = {
  id: string;
  tenantId: string;
  type: string;
  name: string;
  enabled: boolean;
  /** Options without secrets. */
  options: Record<string, unknown>;
  /** Sealed JSON of the secret options, or null. */
  secrets: string | null;
  journal: JournalRules;
  /** Consulted as a live lookup when the phonebook has no match. */
  lookup: boolean;
  createdAt: string;
  updatedAt: string;
};

export type CrmUserMapping = { extension: string; crmUserId: string; logCalls: LogCalls };

export class CrmRepository {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async list(tenantId: string): Promise<CrmConnectionRecord[]> {
    const rows = await this.#db.selectFrom('crm_connections').selectAll().where('tenant_id', '=', tenantId).orderBy('name').execute();
    return rows.map(toRecord);
  }

  async get(tenantId: string, id: string): Promise<CrmConnectionRecord | undefined> {
    const row = await this.#db.selectFrom('crm_connections').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  /** By id only: the delivery handler knows the connection id, not the tenant's API context. */
  async byId(id: string): Promise<CrmConnectionRecord | undefined> {
    const row = await this.#db.selectFrom('crm_connections').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  /** By id or, within the tenant, by name (for the CLI). */
  async find(idOrName: string, tenantId?: string): Promise<CrmConnectionRecord | undefined> {
    let q = this.#db.selectFrom('crm_connections').selectAll().where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]));
    if (tenantId) q = q.where('tenant_id', '=', tenantId);
    const rows = (await q.execute()).map(toRecord);
    return rows.find((r) => r.id === idOrName) ?? (rows.length === 1 ? rows[0] : undefined);
  }

  /** Inserts; false when the tenant already has a connection of that name. */
  async insert(c: CrmConnectionRecord): Promise<boolean> {
    const r = await this.#db.insertInto('crm_connections').values(toRow(c)).onConflict((oc) => oc.columns(['tenant_id', 'name']).doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async update(c: CrmConnectionRecord): Promise<void> {
    const { id, tenant_id, created_at, ...values } = toRow(c);
    await this.#db.updateTable('crm_connections').set(values).where('id', '=', id).where('tenant_id', '=', tenant_id).execute();
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('crm_connections').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async mappings(connectionId: string): Promise<CrmUserMapping[]> {
    const rows = await this.#db.selectFrom('crm_user_mappings').selectAll().where('connection_id', '=', connectionId).orderBy('extension').execute();
    return rows.map((r) => ({ extension: r.extension, crmUserId: r.crm_user_id, logCalls: r.log_calls as LogCalls }));
  }

  /** Replaces the connection's whole mapping (the API sends the full list). */
  async setMappings(connectionId: string, mappings: readonly CrmUserMapping[]): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('crm_user_mappings').where('connection_id', '=', connectionId).execute();
      if (mappings.length === 0) return;
      await trx
        .insertInto('crm_user_mappings')
        .values(mappings.map((m) => ({ connection_id: connectionId, extension: m.extension, crm_user_id: m.crmUserId, log_calls: m.logCalls })))
        .execute();
    });
  }

  /** The activity already written for a call, if any. */
  async activity(connectionId: string, callId: string): Promise<{ externalId: string | null; loggedAt: string } | undefined> {
    const row = await this.#db.selectFrom('crm_activities').selectAll().where('connection_id', '=', connectionId).where('call_id', '=', callId).executeTakeFirst();
    return row && { externalId: row.external_id, loggedAt: row.logged_at };
  }

  /** Records a written activity; a second record for the same call keeps the first. */
  async recordActivity(connectionId: string, callId: string, externalId: string | null, at: string): Promise<void> {
    await this.#db
      .insertInto('crm_activities')
      .values({ connection_id: connectionId, call_id: callId, external_id: externalId, logged_at: at })
      .onConflict((oc) => oc.columns(['connection_id', 'call_id']).doNothing())
      .execute();
  }
}

function toRow(c: CrmConnectionRecord): CrmConnectionTable {
  return {
    id: c.id,
    tenant_id: c.tenantId,
    type: c.type,
    name: c.name,
    enabled: c.enabled ? 1 : 0,
    options: JSON.stringify(c.options),
    secrets: c.secrets,
    journal: JSON.stringify(c.journal),
    lookup: c.lookup ? 1 : 0,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

function toRecord(row: CrmConnectionTable): CrmConnectionRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    type: row.type,
    name: row.name,
    enabled: Number(row.enabled) === 1,
    options: JSON.parse(row.options) as Record<string, unknown>,
    secrets: row.secrets,
    journal: { ...DEFAULT_JOURNAL_RULES, ...(JSON.parse(row.journal) as Partial<JournalRules>) },
    lookup: Number(row.lookup) === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
