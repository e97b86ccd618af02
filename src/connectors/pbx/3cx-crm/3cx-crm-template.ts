/**
 * The 3CX CRM template (XML) an admin imports under Admin Console → Integrations → CRM → Server side.
 * Pure: renders a string. Element and attribute names follow "CRM Template XML Description"
 * (https://www.3cx.com/docs/server-side-crm-template-xml-description/): `<Crm>` with Number,
 * Connection, Parameters, Authentication and Scenarios; per scenario a `<Request>` (Url, RequestType
 * Get|Post, RequestEncoding UrlEncoded|Json, ResponseType Json, `<Headers>` and `<PostValues>` of
 * `<Value Key Type>`), `<Rules>`, `<Variables>` (`<Variable Name Path>`) and `<Outputs>`.
 *
 * Choices:
 * - `<Number Prefix="AsIs" MaxLength="[MaxLength]">`: we receive what the PBX saw and normalize it
 *   ourselves; the MaxLength parameter is empty by default (whole numbers), and the lookup endpoint
 *   matches truncated numbers by suffix when an admin sets it.
 * - The API key is a Password parameter sent as `X-API-Key` on every request
 *   (`<Authentication Type="No">`: 3CX's Basic authentication would need a user name we do not have).
 * - Our variables are prefixed `Cb` so they never shadow 3CX's own (`[Email]` is LookupByEmail's input).
 * - Times are formatted by 3CX (`[[CallStartTimeUTC].ToString("yyyy-MM-ddTHH:mm:ssZ")]`), since the
 *   unformatted value depends on the PBX's culture.
 */

export const THREECX_API_BASE = '/api/v1/integrations/3cx';

export const THREECX_PATHS = {
  lookup: `${THREECX_API_BASE}/lookup`,
  lookupByEmail: `${THREECX_API_BASE}/lookup-by-email`,
  search: `${THREECX_API_BASE}/search`,
  contacts: `${THREECX_API_BASE}/contacts`,
  reportCall: `${THREECX_API_BASE}/report-call`,
  template: `${THREECX_API_BASE}/template.xml`,
} as const;

/** The scenario ids 3CX reserves, in the order we render them. */
export const THREECX_SCENARIOS = ['', 'LookupByEmail', 'SearchContacts', 'CreateContactRecordFromClient', 'ReportCall'] as const;

export type ThreeCxTemplateInput = {
  /** Where 3CX reaches Callbridge, e.g. `https://callbridge.example.com` (no trailing slash). */
  baseUrl: string;
  /** ISO country of the tenant (mandatory attribute, unused by 3CX). */
  country: string;
  /** Shown in the 3CX CRM list. */
  name?: string;
  /** Bump when the template changes so 3CX sees an update. */
  version?: number;
};

/** Escapes text for an attribute value or element content; drops characters XML 1.0 cannot carry. */
export function xmlEscape(value: string): string {
  return value
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

type Node = { name: string; attrs?: Record<string, string>; children?: Node[]; text?: string };

const el = (name: string, attrs: Record<string, string> = {}, children: Node[] = [], text?: string): Node => ({ name, attrs, children, text });

function render(node: Node, indent: string): string {
  const attrs = Object.entries(node.attrs ?? {})
    .map(([k, v]) => ` ${k}="${xmlEscape(v)}"`)
    .join('');
  if (node.text !== undefined) return `${indent}<${node.name}${attrs}>${xmlEscape(node.text)}</${node.name}>`;
  if (!node.children?.length) return `${indent}<${node.name}${attrs} />`;
  return [`${indent}<${node.name}${attrs}>`, ...node.children.map((c) => render(c, indent + '  ')), `${indent}</${node.name}>`].join('\n');
}

const apiKeyHeader = () => el('Headers', {}, [el('Value', { Key: 'X-API-Key', Type: 'String' }, [], '[ApiKey]')]);

/** `contacts.<field>` of our reply (ThreeCxContact) → 3CX output type. */
const CONTACT_FIELDS: ReadonlyArray<readonly [variable: string, path: string, output: string]> = [
  ['CbId', 'contacts.id', 'EntityId'],
  ['CbFirstName', 'contacts.firstName', 'FirstName'],
  ['CbLastName', 'contacts.lastName', 'LastName'],
  ['CbCompany', 'contacts.company', 'CompanyName'],
  ['CbEmail', 'contacts.email', 'Email'],
  ['CbPhoneBusiness', 'contacts.phoneBusiness', 'PhoneBusiness'],
  ['CbPhoneMobile', 'contacts.phoneMobile', 'PhoneMobile'],
  ['CbPhoneHome', 'contacts.phoneHome', 'PhoneHome'],
  ['CbContactUrl', 'contacts.contactUrl', 'ContactUrl'],
];

function contactResult(): Node[] {
  return [
    el('Rules', {}, [el('Rule', { Type: 'Any' }, [], 'contacts.id')]),
    el('Variables', {}, CONTACT_FIELDS.map(([name, path]) => el('Variable', { Name: name, Path: path }, [el('Filter')]))),
    el('Outputs', { AllowEmpty: 'false' }, [
      ...CONTACT_FIELDS.map(([name, , type]) => el('Output', { Type: type, Passes: '0', Value: `[${name}]` })),
      el('Output', { Type: 'EntityType', Passes: '0', Value: 'Contacts' }),
    ]),
  ];
}

function getScenario(id: string, url: string): Node {
  return el('Scenario', { Id: id, Type: 'REST' }, [
    el('Request', { SkipIf: '', Url: url, MessagePasses: '0', RequestEncoding: 'UrlEncoded', RequestType: 'Get', ResponseType: 'Json' }, [apiKeyHeader()]),
    ...contactResult(),
  ]);
}

function postScenario(id: string, url: string, skipIf: string, values: ReadonlyArray<readonly [string, string]>, result: Node[]): Node {
  return el('Scenario', { Id: id, Type: 'REST' }, [
    el(
      'Request',
      { SkipIf: skipIf, Url: url, MessagePasses: '0', RequestContentType: 'application/json', RequestEncoding: 'Json', RequestType: 'Post', ResponseType: 'Json' },
      [apiKeyHeader(), el('PostValues', { Key: '' }, values.map(([key, value]) => el('Value', { Key: key, Passes: '1', Type: 'String' }, [], value)))],
    ),
    ...result,
  ]);
}

const utc = (variable: string) => `[[${variable}].ToString("yyyy-MM-ddTHH:mm:ssZ")]`;

/** The body keys of ReportCall (what readReportCall reads) and the 3CX variables that fill them. */
export const REPORT_CALL_VALUES: ReadonlyArray<readonly [string, string]> = [
  ['CallType', '[CallType]'],
  ['CallDirection', '[CallDirection]'],
  ['Number', '[Number]'],
  ['Name', '[Name]'],
  ['EntityId', '[EntityId]'],
  ['EntityType', '[EntityType]'],
  ['QueueExtension', '[QueueExtension]'],
  ['Agent', '[Agent]'],
  ['AgentFirstName', '[AgentFirstName]'],
  ['AgentLastName', '[AgentLastName]'],
  ['AgentEmail', '[AgentEmail]'],
  ['Duration', '[Duration]'],
  ['DateTime', '[DateTime]'],
  ['CallStartTimeUTC', utc('CallStartTimeUTC')],
  ['CallEstablishedTimeUTC', utc('CallEstablishedTimeUTC')],
  ['CallEndTimeUTC', utc('CallEndTimeUTC')],
];

export const CREATE_CONTACT_VALUES: ReadonlyArray<readonly [string, string]> = [
  ['FirstName', '[FirstName]'],
  ['LastName', '[LastName]'],
  ['Company', '[Company]'],
  ['Email', '[Email]'],
  ['Number', '[Number]'],
];

export function renderThreeCxTemplate(input: ThreeCxTemplateInput): string {
  const base = input.baseUrl.replace(/\/+$/, '');
  const url = (path: string, query = '') => `${base}${path}${query}`;
  const crm = el('Crm', { Country: input.country || 'DE', Name: input.name ?? 'Callbridge', Version: String(input.version ?? 1), SupportsEmojis: 'true' }, [
    el('Number', { Prefix: 'AsIs', MaxLength: '[MaxLength]' }),
    el('Connection', { MaxConcurrentRequests: '4' }),
    el('Parameters', {}, [
      el('Parameter', { Name: 'ApiKey', Type: 'Password', Parent: 'General Configuration', Editor: 'String', Title: 'Callbridge API key (role agent):' }),
      el('Parameter', { Name: 'MaxLength', Type: 'String', Parent: 'General Configuration', Editor: 'String', Title: 'Digits to compare (empty: whole number):', Default: '' }),
      el('Parameter', { Name: 'ReportCallEnabled', Type: 'Boolean', Editor: 'String', Title: 'Enable Call Journaling', Default: 'True' }),
    ]),
    el('Authentication', { Type: 'No' }),
    el('Scenarios', {}, [
      getScenario('', url(THREECX_PATHS.lookup, '?number=[Number]')),
      getScenario('LookupByEmail', url(THREECX_PATHS.lookupByEmail, '?email=[Email]')),
      getScenario('SearchContacts', url(THREECX_PATHS.search, '?q=[SearchText]')),
      postScenario('CreateContactRecordFromClient', url(THREECX_PATHS.contacts), '', CREATE_CONTACT_VALUES, contactResult()),
      postScenario('ReportCall', url(THREECX_PATHS.reportCall), '[ReportCallEnabled]!=True', REPORT_CALL_VALUES, [el('Variables'), el('Outputs', { AllowEmpty: 'true' })]),
    ]),
  ]);
  return `<?xml version="1.0" encoding="utf-8"?>\n${render(crm, '')}\n`;
}
