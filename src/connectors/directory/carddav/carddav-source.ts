/**
 * The `carddav` source type: an address book on a CardDAV server (RFC 6352: Nextcloud, Radicale,
 * Baïkal/SabreDAV, iCloud, Google, Zimbra …), read incrementally where the server allows.
 *
 * Plain WebDAV requests through `ctx.fetch` rather than tsdav: tsdav sends through its own fetch
 * (cross-fetch), which would bypass the engine's guarded fetch (timeouts, the tenant's SSRF policy),
 * and it buffers every card of a collection in one array; here cards are fetched and streamed one
 * multiget batch at a time.
 *
 * How a run reads (the state stored after a good run is JSON: the collection URL plus the
 * collection's sync-token or its ctag):
 * - The collection has a `sync-token` (RFC 6578): the first run sends sync-collection with an empty
 *   token (every member: a full run); later runs send the stored token and get only the members
 *   changed since (multiget for their cards) and the removed ones (`<response>` with status 404):
 *   an incremental run. A token the server no longer accepts (403/409 with the `valid-sync-token`
 *   precondition, §3.2; servers expire old tokens) means a full run from an empty token. A 507 on
 *   the collection's own href means the answer was truncated (§3.6): ask again from the token given.
 * - No sync-token but a CalendarServer `getctag` (older servers): an unchanged ctag means nothing
 *   changed (an empty incremental run); a changed one, a full run over PROPFIND Depth 1.
 * - Neither: every run is full.
 * Record ids are the cards' hrefs (paths), which is what sync-collection names removed members by.
 */
import { SourceError, type DirectorySourceType, type ReadContext, type SourceItem, type SourceRun } from '../directory-source.ts';
import { checkSourceOptions } from '../source-options.ts';
import { readCards } from '../vcard/vcard-lines.ts';
import { cardToItem } from '../vcard/vcard-mapping.ts';
import { answerError, davRequest, discoverAddressBook, type AddressBook, type DavContext } from './carddav-client.ts';
import { carddavOptionsSchema, type CarddavOptions } from './carddav-config.ts';
import { isCollection, multigetBody, PROPFIND_MEMBERS, syncCollectionBody, textOf } from './carddav-xml.ts';

type StoredState = { collection: string; syncToken?: string; ctag?: string };

function previousState(state: string | null, collection: string): StoredState | null {
  try {
    const parsed = state ? (JSON.parse(state) as StoredState) : null;
    return parsed && parsed.collection === collection ? parsed : null;
  } catch {
    return null;
  }
}

/** The members a run must fetch and those it must remove. */
type Changes = { full: boolean; changed: string[]; removed: string[]; state: StoredState };

const path = (href: string, base: string) => new URL(href, base).pathname;

/** sync-collection from `token` (null: all members), following 507 truncation; null when the token is refused. */
async function syncCollection(ctx: DavContext, book: AddressBook, token: string | null): Promise<Changes | null> {
  const changed = new Set<string>();
  const removed = new Set<string>();
  let current = token;
  for (let round = 0; round < 1000; round++) {
    const answer = await davRequest(ctx, 'REPORT', book.url, '1', syncCollectionBody(current));
    if (!answer.ok) {
      if (current && (answer.status === 403 || answer.status === 409) && /valid-sync-token/.test(answer.body)) return null;
      throw answerError(answer, book.url, 'the sync-collection REPORT');
    }
    const { responses, syncToken } = answer.multistatus;
    const self = path(book.url, book.url);
    let truncated = false;
    for (const r of responses) {
      const href = path(r.href, book.url);
      if (href === self) {
        truncated ||= r.status === 507;
        continue;
      }
      if (r.status === 404) {
        changed.delete(href);
        removed.add(href);
      } else if (!isCollection(r.props)) {
        removed.delete(href);
        changed.add(href);
      }
    }
    if (!syncToken) throw new SourceError('remote', `${new URL(book.url).host} answered sync-collection without a sync-token`);
    current = syncToken;
    if (!truncated) return { full: token === null, changed: [...changed], removed: token === null ? [] : [...removed], state: { collection: book.url, syncToken } };
  }
  throw new SourceError('remote', `${new URL(book.url).host} kept truncating the sync-collection answer`);
}

async function listMembers(ctx: DavContext, book: AddressBook): Promise<string[]> {
  const answer = await davRequest(ctx, 'PROPFIND', book.url, '1', PROPFIND_MEMBERS);
  if (!answer.ok) throw answerError(answer, book.url, 'PROPFIND');
  const self = path(book.url, book.url);
  return answer.multistatus.responses.map((r) => ({ href: path(r.href, book.url), r })).filter(({ href, r }) => href !== self && !isCollection(r.props)).map(({ href }) => href);
}

async function changesSince(ctx: DavContext, book: AddressBook, previous: StoredState | null): Promise<Changes> {
  if (book.syncToken) {
    if (previous?.syncToken) {
      const incremental = await syncCollection(ctx, book, previous.syncToken);
      if (incremental) return incremental;
    }
    const all = await syncCollection(ctx, book, null);
    if (all) return all;
  }
  const state: StoredState = book.ctag ? { collection: book.url, ctag: book.ctag } : { collection: book.url };
  if (book.ctag && previous?.ctag === book.ctag) return { full: false, changed: [], removed: [], state };
  return { full: true, changed: await listMembers(ctx, book), removed: [], state };
}

async function* fetchCards(ctx: DavContext, book: AddressBook, changes: Changes, options: CarddavOptions, context: ReadContext): AsyncGenerator<SourceItem> {
  for (const recordId of changes.removed) yield { type: 'removed', recordId };
  const total = changes.changed.length;
  let read = 0;
  for (let i = 0; i < total; i += options.batchSize) {
    const batch = changes.changed.slice(i, i + options.batchSize);
    const answer = await davRequest(ctx, 'REPORT', book.url, '1', multigetBody(batch));
    if (!answer.ok) throw answerError(answer, book.url, 'the addressbook-multiget REPORT');
    for (const r of answer.multistatus.responses) {
      const recordId = path(r.href, book.url);
      const data = textOf(r.props['address-data']);
      if (!data) {
        // Gone between the listing and the multiget: the next run's listing settles it.
        if (!changes.full && r.status === 404) yield { type: 'removed', recordId };
        continue;
      }
      let card;
      try {
        for await (const c of readCards([data])) card ??= c;
      } catch (err) {
        yield { type: 'skipped', recordId, reason: `not a readable vCard: ${(err as Error).message}` };
        continue;
      }
      if (card) yield cardToItem(card, recordId);
    }
    read += batch.length;
    context.progress(read, total);
  }
  if (total === 0) context.progress(0, 0);
}

export const carddavSourceType: DirectorySourceType = {
  id: 'carddav',
  optionsSchema: carddavOptionsSchema,
  secretOptions: ['password'],
  check: (input) =>
    checkSourceOptions(carddavOptionsSchema, input, (o) => {
      if (o.password && !o.username) return { field: '/username', message: 'username is required with a password' };
    }),
  async open(input, context): Promise<SourceRun> {
    const options = input as CarddavOptions;
    const ctx: DavContext = { fetch: context.fetch, signal: context.signal, auth: options, timeoutSeconds: options.timeoutSeconds };
    const book = await discoverAddressBook(ctx, options.url, options.addressBook);
    const changes = await changesSince(ctx, book, previousState(context.state, book.url));
    return { full: changes.full, items: fetchCards(ctx, book, changes, options, context), state: () => JSON.stringify(changes.state) };
  },
};
