/**
 * The `sugarcrm` source type: Contacts (people; their account's name as the company) and Accounts
 * (companies; the office number a switchboard) of a SugarCRM (Sugar Sell/Serve/Enterprise 7+)
 * instance over REST v11 with the OAuth2 password grant.
 *
 * Every run is full: offset pages until `next_offset` is -1, and the engine diffs them against the
 * last run; records deleted in Sugar are simply absent. Protocol details: sugarcrm-client.ts.
 */
import Type, { type Static } from 'typebox';
import { SourceError, type DirectorySourceType, type ReadContext, type SourceItem, type SourceOptions, type SourceRun } from '../directory-source.ts';
import { checkSourceOptions } from '../source-options.ts';
import { SugarClient } from './sugarcrm-client.ts';
import { mapSugarRecord, sugarRecordId, type SugarModule } from './sugarcrm-mapping.ts';

export const sugarcrmOptionsSchema = Type.Object(
  {
    url: Type.String({ pattern: '^https?://', maxLength: 300, description: 'The Sugar instance, e.g. https://acme.sugarondemand.com' }),
    username: Type.String({ minLength: 1, maxLength: 200, description: 'A Sugar user allowed to read Contacts and Accounts' }),
    password: Type.String({ minLength: 1, maxLength: 200, description: 'Write-only' }),
    clientId: Type.String({ default: 'sugar', minLength: 1, maxLength: 200, description: 'OAuth key (Admin > OAuth Keys); "sugar" is built in' }),
    clientSecret: Type.String({ default: '', maxLength: 300, description: 'Secret of that OAuth key; empty for "sugar". Write-only' }),
    platform: Type.String({ default: 'callbridge', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$', description: 'API platform, registered in Admin > Configure API Platforms' }),
    contacts: Type.Boolean({ default: true, description: 'Read Contacts' }),
    accounts: Type.Boolean({ default: true, description: 'Read Accounts' }),
    pageSize: Type.Integer({ minimum: 1, maximum: 1000, default: 200, description: 'Records per request (max_num)' }),
  },
  { additionalProperties: false },
);

export type SugarcrmOptions = Static<typeof sugarcrmOptionsSchema>;

export const sugarcrmSource: DirectorySourceType = {
  id: 'sugarcrm',
  optionsSchema: sugarcrmOptionsSchema,
  secretOptions: ['password', 'clientSecret'],
  check: (input) =>
    checkSourceOptions(sugarcrmOptionsSchema, input, (o) => {
      if (!o.contacts && !o.accounts) return { field: '/contacts', message: 'choose at least one of contacts or accounts' };
    }),
  open: openSugarRun,
};

async function openSugarRun(options: SourceOptions, ctx: ReadContext): Promise<SourceRun> {
  const o = options as SugarcrmOptions;
  const client = new SugarClient(o, ctx);
  await client.login();
  const modules: SugarModule[] = [...(o.contacts ? (['Contacts'] as const) : []), ...(o.accounts ? (['Accounts'] as const) : [])];

  async function* items(): AsyncGenerator<SourceItem> {
    let read = 0;
    for (const module of modules) {
      for (let offset = 0; offset !== -1; ) {
        const page = await client.page(module, offset, o.pageSize);
        for (const record of page.records) {
          const recordId = sugarRecordId(module, String(record.id));
          const mapped = mapSugarRecord(module, record);
          yield mapped.ok ? { type: 'record', recordId, contact: mapped.contact } : { type: 'skipped', recordId, reason: mapped.reason };
          ctx.progress(++read);
        }
        // A server that repeats an offset would loop forever; Sugar only ever moves forward.
        if (page.nextOffset !== -1 && page.nextOffset <= offset) throw new SourceError('remote', `SugarCRM returned next_offset ${page.nextOffset} after offset ${offset}`);
        offset = page.nextOffset;
      }
    }
  }
  return { full: true, items: items(), state: () => null };
}
