/**
 * The `exchange-ews` source type: the contacts folder of a mailbox on Exchange Server on-premises
 * (2013, 2016, 2019, Subscription Edition) through Exchange Web Services, the way the seed describes
 * it: the Exchange URL, an e-mail address (or DOMAIN\user) and a password.
 *
 * Every run is full (offset pages of `FindItem` until `IncludesLastItemInRange`); the engine diffs.
 * Distribution lists in the folder are not contacts and are left out. The global address list is
 * not read by this type: `ResolveNames` only answers searches (at most 100 hits) and `FindPeople`
 * needs the GAL's address-list id; Active Directory itself is the better source for it (the `ldap`
 * type). Protocol details and the authentication limits: ews-client.ts.
 */
import Type, { type Static } from 'typebox';
import type { DirectorySourceType, ReadContext, SourceItem, SourceOptions, SourceRun } from '../directory-source.ts';
import { checkSourceOptions } from '../source-options.ts';
import { EwsClient } from './ews-client.ts';
import { mapEwsContact } from './ews-mapping.ts';

export const ewsOptionsSchema = Type.Object(
  {
    url: Type.String({ pattern: '^https?://', maxLength: 300, description: 'The EWS endpoint, e.g. https://mail.example.com/EWS/Exchange.asmx' }),
    username: Type.String({ minLength: 1, maxLength: 320, description: 'E-mail address (UPN) or DOMAIN\\user' }),
    password: Type.String({ minLength: 1, maxLength: 200, description: 'Write-only' }),
    mailbox: Type.Optional(Type.String({ minLength: 3, maxLength: 320, description: 'Read this mailbox\'s contacts folder instead of the user\'s own (needs access to it)' })),
    exchangeVersion: Type.Union([Type.Literal('Exchange2010_SP2'), Type.Literal('Exchange2013'), Type.Literal('Exchange2013_SP1'), Type.Literal('Exchange2016')], { default: 'Exchange2013', description: 'RequestServerVersion' }),
    pageSize: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Contacts per FindItem request (EWSFindCountLimit allows 1000)' }),
  },
  { additionalProperties: false },
);

export type EwsOptions = Static<typeof ewsOptionsSchema>;

export const exchangeEwsSource: DirectorySourceType = {
  id: 'exchange-ews',
  optionsSchema: ewsOptionsSchema,
  secretOptions: ['password'],
  check: (input) => checkSourceOptions(ewsOptionsSchema, input),
  open: openEwsRun,
};

async function openEwsRun(options: SourceOptions, ctx: ReadContext): Promise<SourceRun> {
  const o = options as EwsOptions;
  const client = new EwsClient(o, ctx);
  // The first page is fetched here, so a wrong password or URL fails the run before any item.
  const first = await client.page(0, o.pageSize);

  async function* items(): AsyncGenerator<SourceItem> {
    let read = 0;
    let page = first;
    for (;;) {
      for (const item of page.items) {
        const mapped = mapEwsContact(item);
        yield mapped.ok ? { type: 'record', recordId: item.id, contact: mapped.contact } : { type: 'skipped', recordId: item.id, reason: mapped.reason };
        ctx.progress(++read, page.total ?? undefined);
      }
      if (page.nextOffset === null) return;
      page = await client.page(page.nextOffset, o.pageSize);
    }
  }
  return { full: true, items: items(), state: () => null };
}
