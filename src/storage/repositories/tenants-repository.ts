import type { Kysely } from 'kysely';
import type { Database, TenantTable } from '../schema.ts';

export type Tenant = {
  id: string;
  name: string;
  defaultCountry: string;
  areaCode: string | null;
  /** Sealed secret; open it with the SecretBox. */
  placetelSecret: string | null;
  /** Last-N-digits matching for unknown numbers; null = off. */
  lookupSuffixDigits: number | null;
  /** CIDRs and host names deliveries may reach although private or loopback (SSRF allow-list). */
  deliveryAllowList: string[];
  /** Days call records and delivery logs are kept; null = for ever. */
  retentionDays: number | null;
  createdAt: string;
  updatedAt: string;
};

export type TenantPatch = Partial<Pick<Tenant, 'name' | 'defaultCountry' | 'areaCode' | 'placetelSecret' | 'lookupSuffixDigits' | 'deliveryAllowList' | 'retentionDays'>>;

export class TenantsRepository {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async get(id: string): Promise<Tenant | undefined> {
    const row = await this.#db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toTenant(row);
  }

  async list(): Promise<Tenant[]> {
    const rows = await this.#db.selectFrom('tenants').selectAll().orderBy('id').execute();
    return rows.map(toTenant);
  }

  /** Creates the tenant; returns false when the id is taken. */
  async create(tenant: Pick<Tenant, 'id' | 'name' | 'defaultCountry' | 'areaCode'>, now: string): Promise<boolean> {
    const result = await this.#db
      .insertInto('tenants')
      .values({
        id: tenant.id,
        name: tenant.name,
        default_country: tenant.defaultCountry,
        area_code: tenant.areaCode,
        placetel_secret: null,
        lookup_suffix_digits: null,
        delivery_allow_list: null,
        retention_days: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async update(id: string, patch: TenantPatch, now: string): Promise<Tenant | undefined> {
    const values: Partial<TenantTable> = { updated_at: now };
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.defaultCountry !== undefined) values.default_country = patch.defaultCountry;
    if (patch.areaCode !== undefined) values.area_code = patch.areaCode;
    if (patch.placetelSecret !== undefined) values.placetel_secret = patch.placetelSecret;
    if (patch.lookupSuffixDigits !== undefined) values.lookup_suffix_digits = patch.lookupSuffixDigits;
    if (patch.retentionDays !== undefined) values.retention_days = patch.retentionDays;
    if (patch.deliveryAllowList !== undefined) values.delivery_allow_list = patch.deliveryAllowList.length ? JSON.stringify(patch.deliveryAllowList) : null;
    await this.#db.updateTable('tenants').set(values).where('id', '=', id).execute();
    return this.get(id);
  }
}

function toTenant(row: TenantTable): Tenant {
  return {
    id: row.id,
    name: row.name,
    defaultCountry: row.default_country,
    areaCode: row.area_code,
    placetelSecret: row.placetel_secret,
    lookupSuffixDigits: row.lookup_suffix_digits === null ? null : Number(row.lookup_suffix_digits),
    deliveryAllowList: row.delivery_allow_list ? (JSON.parse(row.delivery_allow_list) as string[]) : [],
    retentionDays: row.retention_days === null ? null : Number(row.retention_days),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
