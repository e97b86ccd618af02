/** The per-tenant employee integration settings (one row per tenant; none = off). */
import type { Kysely } from 'kysely';
import type { EmployeeIntegration } from '../../integrations/employee/employee-config.ts';
import type { Database } from '../schema.ts';

export class EmployeeIntegrationsRepository {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async get(tenantId: string): Promise<EmployeeIntegration | undefined> {
    const row = await this.#db.selectFrom('employee_integrations').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
    if (!row) return undefined;
    return {
      method: row.method as EmployeeIntegration['method'],
      accountId: row.account_id,
      urls: { answered: row.url_answered, ended: row.url_ended, outgoing: row.url_outgoing, incoming: row.url_incoming },
      updatedAt: row.updated_at,
    };
  }

  async put(tenantId: string, config: EmployeeIntegration): Promise<void> {
    const values = {
      method: config.method,
      account_id: config.accountId,
      url_answered: config.urls.answered,
      url_ended: config.urls.ended,
      url_outgoing: config.urls.outgoing,
      url_incoming: config.urls.incoming,
      updated_at: config.updatedAt,
    };
    await this.#db
      .insertInto('employee_integrations')
      .values({ tenant_id: tenantId, ...values })
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet(values))
      .execute();
  }
}
