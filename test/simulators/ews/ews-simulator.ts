/**
 * An Exchange Server's EWS endpoint (`POST /EWS/Exchange.asmx`) on 127.0.0.1 answering `FindItem` on
 * contacts folders the test controls. Written from Microsoft's EWS reference, not from our reader:
 *
 * - learn.microsoft.com/exchange/client-developer/web-service-reference/finditem-operation — request
 *   `m:FindItem Traversal="Shallow"` with `m:ItemShape` (`t:BaseShape`, `t:AdditionalProperties` of
 *   `t:FieldURI` / `t:IndexedFieldURI FieldURI FieldIndex`), a paging view and `m:ParentFolderIds`;
 *   response `m:FindItemResponse/m:ResponseMessages/m:FindItemResponseMessage[@ResponseClass]` with
 *   `m:ResponseCode` and `m:RootFolder` holding `t:Items`.
 * - …/indexedpageitemview (`MaxEntriesReturned`, `Offset`, `BasePoint="Beginning"`) and
 *   …/rootfolder-finditemresponsemessage (`IndexedPagingOffset`, `TotalItemsInView`,
 *   `IncludesLastItemInRange`).
 * - …/distinguishedfolderid (`Id="contacts"`, optional `t:Mailbox/t:EmailAddress`), …/entry-phonenumber
 *   and …/entry-emailaddress (`t:PhoneNumbers/t:Entry[@Key]`, `t:EmailAddresses/t:Entry[@Key]`; only
 *   the requested, non-empty entries are returned).
 * - …/responsecode: ErrorNonExistentMailbox, ErrorAccessDenied, ErrorServerBusy.
 * - learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange —
 *   throttled requests get HTTP 500 with a SOAP fault `ErrorServerBusy` whose detail carries
 *   `t:MessageXml/t:Value[@Name="BackOffMilliseconds"]`.
 * - IIS in front of EWS answers 401 with one `WWW-Authenticate` header per enabled scheme
 *   (Negotiate, NTLM, and Basic when enabled on the EWS virtual directory).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';

export type SimEwsContact = { id: string; displayName?: string; givenName?: string; surname?: string; companyName?: string; phones?: Record<string, string>; emails?: Record<string, string>; distributionList?: boolean };

const M = 'http://schemas.microsoft.com/exchange/services/2006/messages';
const T = 'http://schemas.microsoft.com/exchange/services/2006/types';

export class EwsSimulator {
  /** Mailbox address → its contacts folder and who may read it (besides its owner, the same address). */
  readonly mailboxes = new Map<string, { contacts: SimEwsContact[]; readers: string[] }>();
  readonly users = new Map<string, string>();
  basicEnabled = true;
  readonly requests: Array<{ status: number; offset?: number; max?: number }> = [];
  #server: Server | null = null;
  #busy = { count: 0, backOffMs: 0 };
  #parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, isArray: (name) => name === 'FieldURI' || name === 'IndexedFieldURI' });

  async start(): Promise<string> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/EWS/Exchange.asmx`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve());
    this.#server?.closeAllConnections();
  }

  /** The next `count` requests are throttled with this BackOffMilliseconds. */
  busy(count: number, backOffMs: number): void {
    this.#busy = { count, backOffMs };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await new Promise<string>((resolve) => {
      let data = '';
      req.on('data', (chunk) => (data += chunk));
      req.on('end', () => resolve(data));
    });
    const send = (status: number, xml: string, extra: { offset?: number; max?: number } = {}) => {
      this.requests.push({ status, ...extra });
      res.writeHead(status, { 'content-type': 'text/xml; charset=utf-8' });
      res.end(xml);
    };
    if (req.url !== '/EWS/Exchange.asmx' || req.method !== 'POST') return send(404, '');
    const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
    const [user, ...rest] = Buffer.from(encoded ?? '', 'base64').toString('utf8').split(':');
    if (!this.basicEnabled || scheme !== 'Basic' || this.users.get(user) !== rest.join(':')) {
      this.requests.push({ status: 401 });
      res.writeHead(401, { 'www-authenticate': ['Negotiate', 'NTLM', ...(this.basicEnabled ? ['Basic realm="127.0.0.1"'] : [])], 'content-length': '0' });
      return void res.end();
    }
    if (this.#busy.count > 0) {
      this.#busy.count--;
      return send(500, envelope(`<s:Fault><faultcode xmlns:a="${T}">a:ErrorServerBusy</faultcode><faultstring xml:lang="en-US">The server cannot service this request right now. Try again later.</faultstring><detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorServerBusy</e:ResponseCode><e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">The server cannot service this request right now. Try again later.</e:Message><t:MessageXml xmlns:t="${T}"><t:Value Name="BackOffMilliseconds">${this.#busy.backOffMs}</t:Value></t:MessageXml></detail></s:Fault>`));
    }
    const find = (this.#parser.parse(raw) as { Envelope?: { Body?: { FindItem?: Record<string, any> } } }).Envelope?.Body?.FindItem;
    if (!find) return send(500, envelope(`<s:Fault><faultcode xmlns:a="${T}">a:ErrorInvalidRequest</faultcode><faultstring xml:lang="en-US">The request is invalid.</faultstring></s:Fault>`));
    const view = find.IndexedPageItemView ?? {};
    const offset = Number(view['@_Offset'] ?? 0);
    const max = Number(view['@_MaxEntriesReturned'] ?? 1000);
    const folder = find.ParentFolderIds?.DistinguishedFolderId ?? {};
    const address = String(folder.Mailbox?.EmailAddress ?? user);
    const mailbox = this.mailboxes.get(address);
    const error = (code: string, text: string) =>
      send(200, envelope(`<m:FindItemResponse xmlns:m="${M}" xmlns:t="${T}"><m:ResponseMessages><m:FindItemResponseMessage ResponseClass="Error"><m:MessageText>${text}</m:MessageText><m:ResponseCode>${code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:FindItemResponseMessage></m:ResponseMessages></m:FindItemResponse>`), { offset, max });
    if (folder['@_Id'] !== 'contacts') return error('ErrorFolderNotFound', 'The specified folder could not be found in the store.');
    if (!mailbox) return error('ErrorNonExistentMailbox', 'The SMTP address has no mailbox associated with it.');
    if (address !== user && !mailbox.readers.includes(user)) return error('ErrorAccessDenied', 'Access is denied. Check credentials and try again.');

    const props = find.ItemShape?.AdditionalProperties ?? {};
    const fields = new Set<string>((props.FieldURI ?? []).map((f: Record<string, string>) => f['@_FieldURI']));
    const indexed = (props.IndexedFieldURI ?? []).map((f: Record<string, string>) => `${f['@_FieldURI']}/${f['@_FieldIndex']}`) as string[];
    const page = mailbox.contacts.slice(offset, offset + max);
    const items = page.map((c) => (c.distributionList ? distributionList(c) : contact(c, fields, indexed))).join('');
    const next = offset + page.length;
    send(200, envelope(`<m:FindItemResponse xmlns:m="${M}" xmlns:t="${T}"><m:ResponseMessages><m:FindItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:RootFolder IndexedPagingOffset="${next}" TotalItemsInView="${mailbox.contacts.length}" IncludesLastItemInRange="${next >= mailbox.contacts.length}"><t:Items>${items}</t:Items></m:RootFolder></m:FindItemResponseMessage></m:ResponseMessages></m:FindItemResponse>`), { offset, max });
  }
}

function contact(c: SimEwsContact, fields: Set<string>, indexed: string[]): string {
  const out = [`<t:ItemId Id="${esc(c.id)}" ChangeKey="EQAAABYAAAA"/>`];
  for (const [field, value] of [['DisplayName', c.displayName], ['GivenName', c.givenName], ['Surname', c.surname], ['CompanyName', c.companyName]] as const) {
    if (fields.has(`contacts:${field}`) && value) out.push(`<t:${field}>${esc(value)}</t:${field}>`);
  }
  const entries = (uri: string, values: Record<string, string> | undefined) =>
    indexed.filter((i) => i.startsWith(`${uri}/`)).map((i) => i.slice(uri.length + 1)).filter((key) => values?.[key]).map((key) => `<t:Entry Key="${key}">${esc(values![key])}</t:Entry>`).join('');
  const emails = entries('contacts:EmailAddress', c.emails);
  const phones = entries('contacts:PhoneNumber', c.phones);
  if (emails) out.push(`<t:EmailAddresses>${emails}</t:EmailAddresses>`);
  if (phones) out.push(`<t:PhoneNumbers>${phones}</t:PhoneNumbers>`);
  return `<t:Contact>${out.join('')}</t:Contact>`;
}

function distributionList(c: SimEwsContact): string {
  return `<t:DistributionList><t:ItemId Id="${esc(c.id)}" ChangeKey="EgAAABYAAAA"/><t:DisplayName>${esc(c.displayName ?? '')}</t:DisplayName></t:DistributionList>`;
}

function envelope(body: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><h:ServerVersionInfo MajorVersion="15" MinorVersion="2" MajorBuildNumber="1544" MinorBuildNumber="4" Version="V2017_07_11" xmlns:h="${T}" xmlns="${T}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/></s:Header><s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">${body}</s:Body></s:Envelope>`;
}

function esc(value: string): string {
  return value.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
