/**
 * Exchange Web Services (SOAP over HTTPS) over `ctx.fetch`: `FindItem` pages of a contacts folder.
 *
 * - Authentication is HTTP Basic (UPN/e-mail or DOMAIN\user and the password). Exchange on-premises
 *   offers Basic on the EWS virtual directory when an administrator enables it; NTLM and Negotiate
 *   (Kerberos) are connection-bound handshakes that `fetch` cannot hold, so they are not supported:
 *   a server that offers only those is named as such in the error.
 * - `FindItem` with `Traversal="Shallow"`, `BaseShape IdOnly` plus the properties read, phone numbers
 *   and e-mail addresses by `IndexedFieldURI`, and `IndexedPageItemView MaxEntriesReturned Offset
 *   BasePoint="Beginning"`; the response's `RootFolder` gives `IndexedPagingOffset` (the next offset)
 *   and `IncludesLastItemInRange` (learn.microsoft.com/exchange/client-developer/web-service-reference/
 *   finditem-operation, …/indexedpageitemview, …/rootfolder-finditemresponsemessage).
 * - Another mailbox's folder: `DistinguishedFolderId Id="contacts"` with `Mailbox/EmailAddress`
 *   (the account needs FullAccess or folder permission on it).
 * - Throttling: `ErrorServerBusy`, as a SOAP fault (HTTP 500) or a response message, with
 *   `MessageXml/Value[@Name="BackOffMilliseconds"]` (learn.microsoft.com/exchange/client-developer/
 *   exchange-web-services/ews-throttling-in-exchange): waited out like Retry-After, bounded.
 */
import { XMLParser } from 'fast-xml-parser';
import { apiRequest, authHeader, origin, waitOutThrottle } from '../api-request.ts';
import { SourceError, type ReadContext } from '../directory-source.ts';
import { EWS_EMAIL_KEYS, EWS_PHONE_KEYS, type EwsContactItem } from './ews-mapping.ts';

export type EwsAuth = { url: string; username: string; password: string; mailbox?: string; exchangeVersion: string };

export type EwsPage = { items: EwsContactItem[]; nextOffset: number | null; total: number | null };

const SERVICE = 'Exchange';

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => name === 'Contact' || name === 'Entry' || name === 'FindItemResponseMessage' || name === 'Value',
});

export class EwsClient {
  #auth: EwsAuth;
  #ctx: ReadContext;

  constructor(auth: EwsAuth, ctx: ReadContext) {
    this.#auth = auth;
    this.#ctx = ctx;
  }

  /** One page of the contacts folder from `offset`. */
  async page(offset: number, pageSize: number): Promise<EwsPage> {
    for (let attempt = 0; ; attempt++) {
      const answer = await this.#findItem(offset, pageSize);
      if (answer.kind === 'page') return answer.page;
      // The same bounds as a 429 with Retry-After (apiRequest's defaults: 5 retries, 120 s a wait).
      await waitOutThrottle(this.#ctx.signal, { service: SERVICE }, attempt, answer.backOffMs ?? 1000 * 2 ** attempt, { kept: 'answering ErrorServerBusy', cause: 'ErrorServerBusy' });
    }
  }

  async #findItem(offset: number, pageSize: number): Promise<{ kind: 'page'; page: EwsPage } | { kind: 'busy'; backOffMs: number | null }> {
    const { url, username, password } = this.#auth;
    const response = await apiRequest(
      this.#ctx,
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8', accept: 'text/xml', ...authHeader({ username, password }) },
        body: findItemRequest(this.#auth, offset, pageSize),
      },
      { service: SERVICE },
    );
    const text = await response.text();
    if (response.status === 401) {
      const offered = response.headers.get('www-authenticate') ?? '';
      const schemes = [...new Set([...offered.matchAll(/(?:^|,)\s*(Basic|NTLM|Negotiate|Bearer)\b/gi)].map((m) => m[1]))];
      const basic = schemes.some((s) => s.toLowerCase() === 'basic');
      throw new SourceError('auth', basic || schemes.length === 0
        ? `${SERVICE} at ${origin(url)} refused the user name or password (HTTP 401)`
        : `${SERVICE} at ${origin(url)} does not offer Basic authentication on EWS (it offers ${schemes.join(', ')}); enable Basic authentication on the EWS virtual directory — NTLM and Kerberos are not supported`);
    }
    let envelope: Record<string, any>;
    try {
      envelope = parser.parse(text) as Record<string, any>;
    } catch {
      throw new SourceError('remote', `${SERVICE} answered HTTP ${response.status} with a body that is not XML`);
    }
    const body = envelope?.Envelope?.Body;
    if (!body) throw new SourceError('remote', `${SERVICE} answered HTTP ${response.status} without a SOAP envelope; is ${origin(url)} an EWS endpoint (…/EWS/Exchange.asmx)?`);
    if (body.Fault) {
      const code = String(body.Fault.detail?.ResponseCode ?? body.Fault.faultcode ?? '').replace(/^\w+:/, '');
      if (code === 'ErrorServerBusy') return { kind: 'busy', backOffMs: backOff(body.Fault.detail?.MessageXml) };
      throw new SourceError(/AccessDenied|Unauthorized/.test(code) ? 'auth' : 'remote', `${SERVICE} refused FindItem (${code || `HTTP ${response.status}`}: ${body.Fault.faultstring?.['#text'] ?? body.Fault.faultstring ?? 'no message'})`);
    }
    const message = body.FindItemResponse?.ResponseMessages?.FindItemResponseMessage?.[0];
    if (!message) throw new SourceError('remote', `${SERVICE} answered HTTP ${response.status} without a FindItem response`);
    if (message['@_ResponseClass'] !== 'Success') {
      const code = String(message.ResponseCode ?? 'unknown');
      if (code === 'ErrorServerBusy') return { kind: 'busy', backOffMs: backOff(message.MessageXml) };
      const kind = code === 'ErrorAccessDenied' ? 'auth' : 'remote';
      throw new SourceError(kind, `${SERVICE} refused reading the contacts folder${this.#auth.mailbox ? ` of ${this.#auth.mailbox}` : ''} (${code}: ${message.MessageText ?? 'no message'})`);
    }
    const root = message.RootFolder ?? {};
    const items = ((root.Items?.Contact ?? []) as Array<Record<string, any>>).map(toItem);
    const last = String(root['@_IncludesLastItemInRange']) !== 'false';
    const next = Number(root['@_IndexedPagingOffset']);
    if (!last && !(next > offset)) throw new SourceError('remote', `${SERVICE} returned IndexedPagingOffset ${root['@_IndexedPagingOffset']} after offset ${offset}`);
    const total = Number(root['@_TotalItemsInView']);
    return { kind: 'page', page: { items, nextOffset: last ? null : next, total: Number.isFinite(total) ? total : null } };
  }
}

function findItemRequest(auth: EwsAuth, offset: number, pageSize: number): string {
  const fields = ['DisplayName', 'GivenName', 'Surname', 'CompanyName'].map((f) => `<t:FieldURI FieldURI="contacts:${f}"/>`);
  const phones = Object.keys(EWS_PHONE_KEYS).map((k) => `<t:IndexedFieldURI FieldURI="contacts:PhoneNumber" FieldIndex="${k}"/>`);
  const emails = EWS_EMAIL_KEYS.map((k) => `<t:IndexedFieldURI FieldURI="contacts:EmailAddress" FieldIndex="${k}"/>`);
  const mailbox = auth.mailbox ? `<t:Mailbox><t:EmailAddress>${escapeXml(auth.mailbox)}</t:EmailAddress></t:Mailbox>` : '';
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">',
    `<soap:Header><t:RequestServerVersion Version="${escapeXml(auth.exchangeVersion)}"/></soap:Header>`,
    '<soap:Body><m:FindItem Traversal="Shallow">',
    `<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>${[...fields, ...phones, ...emails].join('')}</t:AdditionalProperties></m:ItemShape>`,
    `<m:IndexedPageItemView MaxEntriesReturned="${pageSize}" Offset="${offset}" BasePoint="Beginning"/>`,
    `<m:ParentFolderIds><t:DistinguishedFolderId Id="contacts">${mailbox}</t:DistinguishedFolderId></m:ParentFolderIds>`,
    '</m:FindItem></soap:Body></soap:Envelope>',
  ].join('');
}

function toItem(contact: Record<string, any>): EwsContactItem {
  const text = (v: unknown) => (typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as Record<string, unknown>)['#text'] === 'string' ? ((v as Record<string, string>)['#text']) : null);
  const entries = (v: unknown) => ((v as { Entry?: unknown[] } | undefined)?.Entry ?? []) as Array<Record<string, unknown>>;
  return {
    id: String(contact.ItemId?.['@_Id'] ?? ''),
    displayName: text(contact.DisplayName),
    givenName: text(contact.GivenName),
    surname: text(contact.Surname),
    companyName: text(contact.CompanyName),
    phones: entries(contact.PhoneNumbers).flatMap((e) => (text(e) ? [{ key: String(e['@_Key']), number: text(e)! }] : [])),
    emails: entries(contact.EmailAddresses).flatMap((e) => (text(e) ? [text(e)!] : [])),
  };
}

function backOff(messageXml: { Value?: Array<Record<string, unknown>> } | undefined): number | null {
  const value = messageXml?.Value?.find((v) => v['@_Name'] === 'BackOffMilliseconds');
  const ms = Number(value?.['#text']);
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
}

function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}
