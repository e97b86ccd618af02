import type { Kysely } from 'kysely';
import type { ConnectorTable, Database } from '../schema.ts';

export type ConnectorRecord = {
  id: string;
  tenantId: string;
  type: string;
  name: string;
  enabled: boolean;
  /** Options without secrets. */
  options: Record<string, unknown>;
  /** Sealed JSON of the secret options, or null. */
  secrets: string | null;
  /** Last status the running instance reported (ConnectionStatus), or null. */
  status: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
};

export class ConnectorsRepository {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async list(tenantId?: string): Promise<ConnectorRecord[]> {
    let q = this.#db.selectFrom('connectors').selectAll().orderBy('tenant_id').orderBy('name');
    if (tenantId) q = q.where('tenant_id', '=', tenantId);
    return (await q.execute()).map(toRecord);
  }

  async get(tenantId: string, id: string): Promise<ConnectorRecord | undefined> {
    const row = await this.#db.selectFrom('connectors').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  /** By id or, within the tenant, by name (for the CLI). */
  async find(idOrName: string, tenantId?: string): Promise<ConnectorRecord | undefined> {
    let q = this.#db.selectFrom('connectors').selectAll().where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]));
    if (tenantId) q = q.where('tenant_id', '=', tenantId);
    const rows = await q.execute();
    return rows.length === 1 ? toRecord(rows[0]) : rows.map(toRecord).find((r) => r.id === idOrName);
  }

  /** Inserts; false when the tenant already has a connector of that name. */
  async insert(c: ConnectorRecord): Promise<boolean> {
    const result = await this.#db
      .insertInto('connectors')
      .values(toRow(c))
      .onConflict((oc) => oc.columns(['tenant_id', 'name']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async update(c: ConnectorRecord): Promise<void> {
    const { id, tenant_id, created_at, status, ...values } = toRow(c);
    await this.#db.updateTable('connectors').set(values).where('id', '=', id).where('tenant_id', '=', tenant_id).execute();
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('connectors').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Records what the running instance sees; does not touch `updated_at` (that marks configuration changes). */
  async reportStatus(id: string, status: object): Promise<void> {
    await this.#db.updateTable('connectors').set({ status: JSON.stringify(status) }).where('id', '=', id).execute();
  }
}

function toRow(c: ConnectorRecord): ConnectorTable {
  return {
    id: c.id,
    tenant_id: c.tenantId,
    type: c.type,
    name: c.name,
    enabled: c.enabled ? 1 : 0,
    options: JSON.stringify(c.options),
    secrets: c.secrets,
    status: c.status ? JSON.stringify(c.status) : null,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

function toRecord(row: ConnectorTable): ConnectorRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    type: row.type,
    name: row.name,
    enabled: Number(row.enabled) === 1,
    options: JSON.parse(row.options) as Record<string, unknown>,
    secrets: row.secrets,
    status: row.status ? (JSON.parse(row.status) as Record<string, unknown>) : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
