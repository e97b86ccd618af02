/**
 * The `salesforce` source type: Contacts (people, with their account's name as the company) and
 * Accounts (companies, their main number a switchboard) of one Salesforce org, read with jsforce.
 *
 * Every run is full: SOQL pages of up to 2,000 records (`nextRecordsUrl` until `done`,
 * developer.salesforce.com/docs/platform/api-rest/guide/resources-query) and the engine diffs them
 * against the last run. Deleted records are simply absent; no getDeleted/SystemModstamp bookkeeping.
 * Protocol details and login flows: salesforce-client.ts.
 */
import Type, { type Static } from 'typebox';
import type { DirectorySourceType, ReadContext, SourceItem, SourceOptions, SourceRun } from '../directory-source.ts';
import { checkSourceOptions } from '../source-options.ts';
import { SalesforceClient, type QueryPage, type SalesforceAuth } from './salesforce-client.ts';
import { mapSalesforceAccount, mapSalesforceContact, salesforceRecordId, SOQL, type SalesforceAccountRecord, type SalesforceContactRecord, type SalesforceObject } from './salesforce-mapping.ts';

export const salesforceOptionsSchema = Type.Object(
  {
    auth: Type.Union([Type.Literal('password'), Type.Literal('client-credentials')], { default: 'password', description: 'password: a user\'s username, password and security token; client-credentials: a connected app running as its integration user' }),
    loginUrl: Type.String({ default: 'https://login.salesforce.com', pattern: '^https?://', maxLength: 200, description: 'https://login.salesforce.com, https://test.salesforce.com for sandboxes, or the org\'s My Domain URL (required for client-credentials)' }),
    apiVersion: Type.String({ default: '62.0', pattern: '^\\d{2,3}\\.0$', description: 'REST API version; SOAP login() needs 64.0 or lower' }),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Write-only' })),
    securityToken: Type.Optional(Type.String({ maxLength: 100, description: 'Appended to the password; not needed from trusted IP ranges. Write-only' })),
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'Consumer key of a connected app (OAuth; optional with password)' })),
    clientSecret: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'Consumer secret of the connected app; write-only' })),
    contacts: Type.Boolean({ default: true, description: 'Read Contacts' }),
    accounts: Type.Boolean({ default: true, description: 'Read Accounts' }),
  },
  { additionalProperties: false },
);

export type SalesforceOptions = Static<typeof salesforceOptionsSchema>;

export const salesforceSource: DirectorySourceType = {
  id: 'salesforce',
  optionsSchema: salesforceOptionsSchema,
  secretOptions: ['password', 'securityToken', 'clientSecret'],
  check: (input) =>
    checkSourceOptions(salesforceOptionsSchema, input, (o) => {
      if (o.auth === 'password' && !o.username) return { field: '/username', message: 'username is required with auth "password"' };
      if (o.auth === 'password' && !o.password) return { field: '/password', message: 'password is required with auth "password"' };
      if (o.auth === 'client-credentials' && !o.clientId) return { field: '/clientId', message: 'clientId is required with auth "client-credentials"' };
      if ((o.auth === 'client-credentials' || o.clientId) && !o.clientSecret) return { field: '/clientSecret', message: 'clientSecret is required with a clientId' };
      if (!o.contacts && !o.accounts) return { field: '/contacts', message: 'choose at least one of contacts or accounts' };
    }),
  open: openSalesforceRun,
};

function authOf(o: SalesforceOptions): SalesforceAuth {
  const base = { loginUrl: o.loginUrl.replace(/\/+$/, ''), apiVersion: o.apiVersion };
  if (o.auth === 'client-credentials') return { auth: 'client-credentials', ...base, clientId: o.clientId!, clientSecret: o.clientSecret! };
  return { auth: 'password', ...base, username: o.username!, password: o.password!, securityToken: o.securityToken, clientId: o.clientId, clientSecret: o.clientSecret };
}

async function openSalesforceRun(options: SourceOptions, ctx: ReadContext): Promise<SourceRun> {
  const o = options as SalesforceOptions;
  const client = new SalesforceClient(authOf(o), ctx);
  await client.login();
  const objects: SalesforceObject[] = [...(o.contacts ? (['Contact'] as const) : []), ...(o.accounts ? (['Account'] as const) : [])];

  async function* items(): AsyncGenerator<SourceItem> {
    let read = 0;
    let total = 0;
    for (const object of objects) {
      let page: QueryPage = await client.page({ soql: SOQL[object] });
      total += page.totalSize;
      for (;;) {
        for (const record of page.records) {
          const recordId = salesforceRecordId(object, String(record.Id));
          const mapped = object === 'Contact' ? mapSalesforceContact(record as SalesforceContactRecord) : mapSalesforceAccount(record as SalesforceAccountRecord);
          yield mapped.ok ? { type: 'record', recordId, contact: mapped.contact } : { type: 'skipped', recordId, reason: mapped.reason };
          ctx.progress(++read, total);
        }
        if (!page.nextRecordsUrl) break;
        page = await client.page({ next: page.nextRecordsUrl });
      }
    }
  }
  return { full: true, items: items(), state: () => null };
}
