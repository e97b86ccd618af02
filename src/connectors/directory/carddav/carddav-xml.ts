/**
 * The WebDAV XML a CardDAV reader sends and reads: PROPFIND bodies, the sync-collection REPORT
 * (RFC 6578 §3.2), addressbook-multiget (RFC 6352 §8.7), and multistatus answers (RFC 4918 §13).
 *
 * Namespace prefixes differ per server (`d:`, `D:`, none); they are dropped, and the local names we
 * read do not collide across DAV:, CardDAV and CalendarServer namespaces. Character references
 * (`&#13;`, as servers write the CR of a vCard's CRLF) are resolved.
 */
import { XMLParser } from 'fast-xml-parser';

const parser = new XMLParser({
  removeNSPrefix: true,
  parseTagValue: false,
  htmlEntities: true,
  ignoreAttributes: true,
  isArray: (name) => name === 'response' || name === 'propstat' || name === 'href',
});

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const HEAD = '<?xml version="1.0" encoding="utf-8"?>';
const NS = 'xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:cs="http://calendarserver.org/ns/"';

/** PROPFIND for discovery and for the collection's change markers. */
export const PROPFIND_DISCOVERY = `${HEAD}<d:propfind ${NS}><d:prop><d:resourcetype/><d:displayname/><d:current-user-principal/><card:addressbook-home-set/><d:sync-token/><cs:getctag/></d:prop></d:propfind>`;

/** PROPFIND Depth 1 listing the members of a collection (the full run without sync-collection). */
export const PROPFIND_MEMBERS = `${HEAD}<d:propfind ${NS}><d:prop><d:resourcetype/><d:getetag/></d:prop></d:propfind>`;

/** sync-collection REPORT; an empty token asks for every member (the initial sync). */
export function syncCollectionBody(token: string | null): string {
  return `${HEAD}<d:sync-collection ${NS}><d:sync-token>${token ? escape(token) : ''}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;
}

/** addressbook-multiget REPORT for the cards of these hrefs (paths as the server wrote them). */
export function multigetBody(hrefs: string[]): string {
  return `${HEAD}<card:addressbook-multiget ${NS}><d:prop><d:getetag/><card:address-data/></d:prop>${hrefs.map((h) => `<d:href>${escape(h)}</d:href>`).join('')}</card:addressbook-multiget>`;
}

/** One `<response>`: its href, its own status (removed members, 507 truncation) and the props found (200). */
export type DavResponse = { href: string; status: number | null; props: Record<string, unknown> };

export type Multistatus = { responses: DavResponse[]; syncToken: string | null };

function statusCode(text: unknown): number | null {
  const m = typeof text === 'string' ? /HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(text) : null;
  return m ? Number(m[1]) : null;
}

type RawResponse = { href?: unknown[]; status?: unknown; propstat?: Array<{ prop?: Record<string, unknown>; status?: unknown }> };

/** Parses a 207 body; throws when it is not a multistatus (the caller names the server). */
export function parseMultistatus(xml: string): Multistatus {
  const doc = parser.parse(xml) as { multistatus?: { response?: RawResponse[]; 'sync-token'?: unknown } };
  const ms = doc.multistatus;
  if (!ms || typeof ms !== 'object') throw new Error('the answer is not a WebDAV multistatus');
  const responses = (ms.response ?? []).map((r): DavResponse => {
    const props: Record<string, unknown> = {};
    for (const ps of r.propstat ?? []) {
      if (statusCode(ps.status) === 200 && ps.prop && typeof ps.prop === 'object') Object.assign(props, ps.prop);
    }
    return { href: String(r.href?.[0] ?? ''), status: statusCode(r.status), props };
  });
  const token = ms['sync-token'];
  return { responses, syncToken: typeof token === 'string' && token !== '' ? token : null };
}

/** The first `<href>` inside a property such as current-user-principal, or null. */
export function hrefIn(value: unknown): string | null {
  const hrefs = (value as { href?: unknown[] } | undefined)?.href;
  return Array.isArray(hrefs) && typeof hrefs[0] === 'string' ? hrefs[0] : null;
}

/** A text property (`displayname`, `getetag`, `sync-token`, `getctag`), or null when empty or absent. */
export function textOf(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

export function isAddressBook(props: Record<string, unknown>): boolean {
  const type = props.resourcetype;
  return typeof type === 'object' && type !== null && 'addressbook' in type;
}

export function isCollection(props: Record<string, unknown>): boolean {
  const type = props.resourcetype;
  return typeof type === 'object' && type !== null && 'collection' in type;
}
