/**
 * WebDAV requests of the CardDAV reader through the engine's guarded `ctx.fetch`, and address book
 * discovery (RFC 6352 §7.1, RFC 5397): the configured URL is either the address book itself, or
 * the server (or a principal) from which `current-user-principal` → `addressbook-home-set` → the
 * address book collections below it lead to the one named in the options.
 */
import { authHeader, type HttpAuth } from '../api-request.ts';
import { SourceError, type ReadContext } from '../directory-source.ts';
import { send, statusError, transferError } from '../vcard/vcard-fetch.ts';
import { hrefIn, isAddressBook, parseMultistatus, PROPFIND_DISCOVERY, textOf, type Multistatus } from './carddav-xml.ts';

export type DavContext = Pick<ReadContext, 'fetch' | 'signal'> & { auth: HttpAuth; timeoutSeconds: number };

/** An answer that is not a multistatus, with its status: the caller decides what it means. */
export type DavAnswer = { ok: true; multistatus: Multistatus } | { ok: false; status: number; body: string };

/** PROPFIND or REPORT; 207 → parsed multistatus; any other status → `{ ok: false }` with the body. */
export async function davRequest(ctx: DavContext, method: 'PROPFIND' | 'REPORT', url: string, depth: '0' | '1', body: string): Promise<DavAnswer> {
  const headers = { 'content-type': 'application/xml; charset=utf-8', depth, ...authHeader(ctx.auth) };
  const { response, timeout, host } = await send(ctx, url, { method, headers, body }, ctx.timeoutSeconds);
  let text: string;
  try {
    text = await response.text();
  } catch (err) {
    throw transferError(err, host, ctx.signal, timeout, 'reading the address book');
  }
  if (response.status !== 207) return { ok: false, status: response.status, body: text };
  try {
    return { ok: true, multistatus: parseMultistatus(text) };
  } catch (err) {
    throw new SourceError('remote', `${host} answered ${method} with XML that is not a WebDAV multistatus (${(err as Error).message}): is this a CardDAV URL?`);
  }
}

/** A non-207 answer as the SourceError a person can act on. */
export function answerError(answer: { status: number }, url: string, what: string): SourceError {
  const host = new URL(url).host;
  const failed = statusError(new Response(null, { status: answer.status }), host);
  if (failed) return failed;
  return new SourceError('remote', `${host} answered ${what} with HTTP ${answer.status}: is this a CardDAV URL?`);
}

export type AddressBook = { url: string; name: string; syncToken: string | null; ctag: string | null };

async function propfind(ctx: DavContext, url: string, depth: '0' | '1'): Promise<Multistatus> {
  const answer = await davRequest(ctx, 'PROPFIND', url, depth, PROPFIND_DISCOVERY);
  if (!answer.ok) throw answerError(answer, url, 'PROPFIND');
  return answer.multistatus;
}

function bookOf(url: string, props: Record<string, unknown>): AddressBook {
  const segment = decodeURIComponent(new URL(url).pathname.replace(/\/$/, '').split('/').pop() ?? '');
  return { url, name: textOf(props.displayname) ?? segment, syncToken: textOf(props['sync-token']), ctag: textOf(props.getctag) };
}

/** Finds the address book to read; throws a SourceError naming what was found when it is ambiguous. */
export async function discoverAddressBook(ctx: DavContext, url: string, wanted: string | undefined): Promise<AddressBook> {
  const self = (await propfind(ctx, url, '0')).responses[0];
  if (!self) throw new SourceError('remote', `${new URL(url).host} answered PROPFIND without any property: is this a CardDAV URL?`);
  if (isAddressBook(self.props)) return bookOf(url, self.props);
  let home = hrefIn(self.props['addressbook-home-set']);
  if (!home) {
    const principal = hrefIn(self.props['current-user-principal']);
    if (!principal) throw new SourceError('remote', `no CardDAV address book or principal at ${url}: give the address book's URL`);
    const principalProps = (await propfind(ctx, new URL(principal, url).href, '0')).responses[0]?.props ?? {};
    home = hrefIn(principalProps['addressbook-home-set']);
    if (!home) throw new SourceError('remote', `the account's principal at ${new URL(url).host} names no addressbook-home-set: give the address book's URL`);
  }
  const homeUrl = new URL(home, url).href;
  const books = (await propfind(ctx, homeUrl, '1')).responses
    .filter((r) => isAddressBook(r.props))
    .map((r) => bookOf(new URL(r.href, homeUrl).href, r.props));
  if (books.length === 0) throw new SourceError('remote', `the account has no address book at ${new URL(url).host}`);
  if (wanted) {
    const w = wanted.toLowerCase();
    const book = books.find((b) => b.name.toLowerCase() === w || new URL(b.url).pathname.replace(/\/$/, '').split('/').pop()?.toLowerCase() === w);
    if (!book) throw new SourceError('remote', `no address book "${wanted}"; the account has: ${books.map((b) => b.name).join(', ')}`);
    return book;
  }
  if (books.length > 1) throw new SourceError('remote', `the account has ${books.length} address books (${books.map((b) => b.name).join(', ')}): set addressBook to one of them`);
  return books[0];
}
