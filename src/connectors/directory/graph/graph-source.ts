/**
 * The `microsoft-365` source type: Microsoft 365 / Exchange Online through Microsoft Graph, app-only
 * (client credentials). Reads the organization's users (`/users/delta`), its organizational contacts
 * (`/contacts/delta`) and, optionally, one mailbox's contacts folder (`/users/{id}/contacts`).
 *
 * Vendor behaviour this relies on (learn.microsoft.com/graph/delta-query-overview, …/delta-query-users,
 * …/api/user-delta, …/api/orgcontact-delta, …/api/user-list-contacts):
 * - The first round of a delta query returns every current record, page by page through
 *   `@odata.nextLink`, and ends with an `@odata.deltaLink`. So a full run *is* a delta round, and
 *   its last page gives the state for the next, incremental run. `$select` is given once, in the
 *   first request; the links carry it.
 * - A later round from the delta link returns only records changed since, each with all selected
 *   properties (the default without `Prefer: return=minimal`; properties never set are absent), and
 *   deleted ones as `{ id, "@removed": { reason: "changed" | "deleted" } }` — "changed" is a soft
 *   delete (restorable for 30 days), but gone from the directory either way.
 * - Delta tokens of directory objects expire after 7 days; the next run then starts over in full.
 * - A mailbox's contacts folder has no delta link at the folder root here, so a source that reads a
 *   mailbox always runs in full (all records each time; the engine diffs).
 */
import Type, { type Static } from 'typebox';
import type { DirectorySourceType, ReadContext, SourceItem, SourceOptions, SourceRun } from '../directory-source.ts';
import { checkSourceOptions } from '../source-options.ts';
import { GraphClient, type GraphItem, type GraphPage } from './graph-client.ts';
import { graphRecordId, mapGraphRecord, type GraphCollection } from './graph-mapping.ts';

export const graphOptionsSchema = Type.Object(
  {
    tenantId: Type.String({ minLength: 1, maxLength: 200, description: 'Directory (tenant) ID or a verified domain, e.g. contoso.onmicrosoft.com' }),
    clientId: Type.String({ minLength: 1, maxLength: 200, description: 'Application (client) ID of the app registration' }),
    clientSecret: Type.String({ minLength: 1, maxLength: 500, description: 'A client secret of the app registration; write-only' }),
    users: Type.Boolean({ default: true, description: 'Read the organization\'s users (permission User.Read.All)' }),
    orgContacts: Type.Boolean({ default: true, description: 'Read the organizational contacts (permission OrgContact.Read.All)' }),
    mailbox: Type.Optional(Type.String({ minLength: 1, maxLength: 320, description: 'Also read the contacts folder of this mailbox (user id or user principal name; permission Contacts.Read)' })),
    authorityUrl: Type.String({ default: 'https://login.microsoftonline.com', pattern: '^https?://', maxLength: 200, description: 'Microsoft Entra authority (national clouds: https://login.microsoftonline.us …)' }),
    graphUrl: Type.String({ default: 'https://graph.microsoft.com', pattern: '^https?://', maxLength: 200, description: 'Microsoft Graph endpoint (national clouds: https://graph.microsoft.us …)' }),
    pageSize: Type.Integer({ minimum: 1, maximum: 999, default: 999, description: 'Records per page of the mailbox contacts ($top); delta pages are sized by Graph' }),
  },
  { additionalProperties: false },
);

export type GraphOptions = Static<typeof graphOptionsSchema>;

const USER_FIELDS = 'id,displayName,givenName,surname,companyName,mail,businessPhones,mobilePhone,faxNumber';
const ORG_CONTACT_FIELDS = 'id,displayName,givenName,surname,companyName,mail,phones';
const MAILBOX_FIELDS = 'id,displayName,givenName,surname,companyName,emailAddresses,businessPhones,homePhones,mobilePhone,personalNotes';

const PERMISSIONS: Record<GraphCollection, string> = { users: 'User.Read.All', contacts: 'OrgContact.Read.All', mailbox: 'Contacts.Read' };

/** What the source stores between runs: the delta link of each delta collection. */
type GraphState = { v: 1; links: Partial<Record<GraphCollection, string>> };

export const microsoft365Source: DirectorySourceType = {
  id: 'microsoft-365',
  optionsSchema: graphOptionsSchema,
  secretOptions: ['clientSecret'],
  check: (input) =>
    checkSourceOptions(graphOptionsSchema, input, (o) => {
      if (!o.users && !o.orgContacts && !o.mailbox) return { field: '/users', message: 'choose at least one of users, orgContacts or mailbox' };
    }),
  open: openGraphRun,
};

async function openGraphRun(options: SourceOptions, ctx: ReadContext): Promise<SourceRun> {
  const o = options as GraphOptions;
  const graph = o.graphUrl.replace(/\/+$/, '');
  const client = new GraphClient(o, ctx);
  await client.token(); // wrong credentials or an unreachable tenant fail before streaming

  const deltaCollections: GraphCollection[] = [...(o.users ? (['users'] as const) : []), ...(o.orgContacts ? (['contacts'] as const) : [])];
  const startUrls: Record<GraphCollection, string> = {
    users: `${graph}/v1.0/users/delta?$select=${USER_FIELDS}`,
    contacts: `${graph}/v1.0/contacts/delta?$select=${ORG_CONTACT_FIELDS}`,
    mailbox: `${graph}/v1.0/users/${encodeURIComponent(o.mailbox ?? '')}/contacts?$select=${MAILBOX_FIELDS}&$top=${o.pageSize}`,
  };
  const what = (c: GraphCollection) => ({ resource: c === 'mailbox' ? `the contacts of mailbox ${o.mailbox}` : `/${c}`, permission: PERMISSIONS[c] });

  // An incremental run needs a stored link for exactly the collections read now. Its first pages
  // are fetched here, so a link Graph no longer knows turns this into a full run before any item.
  const firstPages = new Map<GraphCollection, GraphPage>();
  const stored = readState(ctx.state);
  let incremental = !o.mailbox && stored !== null && sameKeys(stored.links, deltaCollections) && deltaCollections.every((c) => stored.links[c]?.startsWith(`${graph}/`));
  if (incremental) {
    for (const c of deltaCollections) {
      const got = await client.get(stored!.links[c]!, what(c), true);
      if (got.gone) {
        incremental = false;
        firstPages.clear();
        break;
      }
      firstPages.set(c, got.page);
    }
  }

  const links: Partial<Record<GraphCollection, string>> = {};
  const collections: GraphCollection[] = [...deltaCollections, ...(o.mailbox ? (['mailbox'] as const) : [])];
  async function* items(): AsyncGenerator<SourceItem> {
    let read = 0;
    for (const c of collections) {
      let page = firstPages.get(c) ?? (await fetchPage(client, startUrls[c], what(c)));
      for (;;) {
        for (const record of page.value) {
          const item = toItem(c, record, incremental);
          if (item) yield item;
          ctx.progress(++read);
        }
        if (!page.nextLink) break;
        page = await fetchPage(client, page.nextLink, what(c));
      }
      if (page.deltaLink) links[c] = page.deltaLink;
    }
  }
  return {
    full: !incremental,
    items: items(),
    state: () => (o.mailbox || !deltaCollections.every((c) => links[c]) ? null : JSON.stringify({ v: 1, links } satisfies GraphState)),
  };
}

async function fetchPage(client: GraphClient, url: string, what: { resource: string; permission: string }): Promise<GraphPage> {
  const got = await client.get(url, what);
  if (got.gone) throw new Error('unreachable: resync is only asked for delta links');
  return got.page;
}

/**
 * A record or removal becomes an item. In an incremental run a record that no longer maps (its last
 * number deleted) is reported as removed, so the entry it made before disappears too.
 */
function toItem(collection: GraphCollection, record: GraphItem, incremental: boolean): SourceItem | null {
  const recordId = graphRecordId(collection, String(record.id));
  if (record['@removed']) return incremental ? { type: 'removed', recordId } : null;
  const mapped = mapGraphRecord(collection, record);
  if (mapped.ok) return { type: 'record', recordId, contact: mapped.contact };
  return incremental ? { type: 'removed', recordId } : { type: 'skipped', recordId, reason: mapped.reason };
}

function readState(state: string | null): GraphState | null {
  if (!state) return null;
  try {
    const parsed = JSON.parse(state) as GraphState;
    return parsed?.v === 1 && typeof parsed.links === 'object' && parsed.links !== null ? parsed : null;
  } catch {
    return null;
  }
}

function sameKeys(links: GraphState['links'], collections: GraphCollection[]): boolean {
  const keys = Object.keys(links).sort();
  return keys.length === collections.length && [...collections].sort().every((c, i) => keys[i] === c);
}
