/**
 * The endpoints a 3CX server (v18/v20) calls through its server-side CRM integration, and the
 * template that points it at them. The scenarios, the request shapes and 3CX's quirks are described
 * in 3cx-crm-mapping.ts and 3cx-crm-template.ts (sources:
 * https://www.3cx.com/docs/server-side-crm-template-xml-description/ and the public templates named
 * there); the admin's side is docs/connectors/3cx-crm.md.
 *
 * - `GET  …/lookup?number=`         scenario "" (caller lookup)      → `{ contacts: [...] }`
 * - `GET  …/lookup-by-email?email=` scenario LookupByEmail           → `{ contacts: [...] }`
 * - `GET  …/search?q=`              scenario SearchContacts          → `{ contacts: [...] }`
 * - `POST …/contacts`               CreateContactRecordFromClient    → `{ contacts: [created] }`
 * - `POST …/report-call`            ReportCall (JSON)                → `{ ok, callId, duplicate }`
 * - `GET  …/template.xml`           the template to import, for this tenant and server
 *
 * Authentication: an API key with role agent or admin, as `X-API-Key` (what the template sends),
 * `Authorization: Bearer`, `Authorization: Basic` (the key as password) or `?key=`.
 *
 * Reply shapes: "no match" is 200 with `{ contacts: [] }`, not 404, because 3CX logs every non-2xx
 * answer as a failed integration call; every other failure is problem+json.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Role } from '../../../auth/api-keys.ts';
import type { Contact, NumberType } from '../../../core/contacts/contact.ts';
import { CallbridgeError } from '../../../core/errors.ts';
import type { AppDeps } from '../../../http/app-deps.ts';
import { ingestEvents } from '../../../http/ingest-reply.ts';
import { presentedKey } from '../../../http/plugins/auth.ts';
import {
  THREECX_CRM_SOURCE,
  classifySearchedNumber,
  numberEndingWith,
  readNewContact,
  restorePlus,
  toThreeCxContact,
  type ThreeCxContactsReply,
} from './3cx-crm-mapping.ts';
import { readReportCall, reportCallEvents } from './3cx-report-call.ts';
import { THREECX_PATHS, renderThreeCxTemplate } from './3cx-crm-template.ts';

const ROLES: readonly Role[] = ['agent', 'admin'];

/** Most contacts one answer carries: 3CX shows a pick list for several, a long one helps nobody. */
const MAX_CONTACTS = 10;

/** How many text matches of the digits are checked for a suffix match. */
const SUFFIX_CANDIDATES = 500;

type Match = { contact: Contact; type: NumberType };

const schema = (summary: string, description: string, query?: Record<string, unknown>) => ({
  tags: ['3cx'],
  summary,
  description,
  security: [{ apiKey: [] }],
  ...(query ? { querystring: { type: 'object', properties: { ...query, key: { type: 'string', maxLength: 200 } } } } : {}),
  response: { '4xx': { $ref: 'Problem#' } },
});

export async function threeCxCrmRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  async function tenantOf(request: FastifyRequest): Promise<string> {
    const principal = await deps.keys.verify(keyOf(request));
    if (!principal) throw new CallbridgeError('CB_UNAUTHORIZED', 'Send a valid API key as "X-API-Key: <key>" (the template parameter ApiKey)');
    if (!ROLES.includes(principal.role)) throw new CallbridgeError('CB_FORBIDDEN', `This needs a key with role agent or admin; yours has role ${principal.role}`);
    return principal.tenantId;
  }

  const origin = (request: FastifyRequest) => `${request.protocol}://${request.host}`;
  const reply = (request: FastifyRequest, matches: Match[], echo: string | null): ThreeCxContactsReply => ({
    contacts: matches.slice(0, MAX_CONTACTS).map(({ contact, type }) =>
      toThreeCxContact(contact, `${origin(request)}/api/v1/contacts/${encodeURIComponent(contact.id)}`, echo === null ? undefined : { number: echo, type }),
    ),
  });

  /** Contacts for a number as 3CX formatted it: whole numbers via lookup, bare digits by suffix. */
  async function matchNumber(tenantId: string, raw: string): Promise<Match[]> {
    const searched = classifySearchedNumber(raw);
    if (searched.kind === 'empty') return [];
    if (searched.kind === 'digits') {
      const found = await deps.phonebook.search(tenantId, searched.digits, { limit: SUFFIX_CANDIDATES });
      const bySuffix = found.flatMap((contact): Match[] => {
        const n = numberEndingWith(contact, searched.digits);
        return n ? [{ contact, type: n.type }] : [];
      });
      // Persons before company entries, as the phonebook's own lookup ranks them.
      bySuffix.sort((a, b) => (a.contact.kind === b.contact.kind ? 0 : a.contact.kind === 'person' ? -1 : 1));
      if (bySuffix.length > 0) return bySuffix;
    }
    const result = await deps.phonebook.lookup(tenantId, searched.kind === 'digits' ? searched.digits : searched.text);
    const matches: Match[] = [];
    for (const candidate of result.candidates.slice(0, MAX_CONTACTS)) {
      const contact = await deps.phonebook.get(tenantId, candidate.contactId);
      if (!contact) continue;
      const type = contact.numbers.find((n) => n.e164 === candidate.number)?.type ?? 'business';
      matches.push({ contact, type });
    }
    return matches;
  }

  app.get<{ Querystring: { number?: string } }>(
    THREECX_PATHS.lookup,
    { schema: schema('3CX: contact by caller number', 'Scenario "" of the template. Bare digits (MaxLength) match by suffix; the searched number is echoed in the phone field.', { number: { type: 'string', maxLength: 64 } }) },
    async (request) => {
      const tenantId = await tenantOf(request);
      const raw = request.query.number ?? '';
      return reply(request, await matchNumber(tenantId, raw), restorePlus(raw));
    },
  );

  app.get<{ Querystring: { email?: string } }>(
    THREECX_PATHS.lookupByEmail,
    { schema: schema('3CX: contact by e-mail', 'Scenario LookupByEmail.', { email: { type: 'string', maxLength: 254 } }) },
    async (request) => {
      const tenantId = await tenantOf(request);
      const found = await deps.phonebook.findByEmail(tenantId, request.query.email ?? '');
      return reply(request, found.map((contact) => ({ contact, type: 'business' as const })), null);
    },
  );

  app.get<{ Querystring: { q?: string } }>(
    THREECX_PATHS.search,
    { schema: schema('3CX: contact search', 'Scenario SearchContacts: name, company, e-mail or number contains q.', { q: { type: 'string', maxLength: 200 } }) },
    async (request) => {
      const tenantId = await tenantOf(request);
      const q = (request.query.q ?? '').trim();
      if (!q) return { contacts: [] };
      const found = await deps.phonebook.search(tenantId, q, { limit: MAX_CONTACTS });
      return reply(request, found.map((contact) => ({ contact, type: 'business' as const })), null);
    },
  );

  app.post(
    THREECX_PATHS.contacts,
    { validatorCompiler: () => () => true, schema: schema('3CX: create a contact', 'Scenario CreateContactRecordFromClient. JSON or form: FirstName, LastName, Company, Email, Number (PhoneBusiness, PhoneMobile).') },
    async (request) => {
      const tenantId = await tenantOf(request);
      const read = readNewContact(request.body);
      if (!read.ok) throw new CallbridgeError('CB_VALIDATION', read.message, read.field);
      const { name, company, email, numbers } = read.contact;
      const contact = await deps.phonebook.create(tenantId, { name, company, numbers, emails: email ? [email] : [] });
      const first = numbers[0];
      return reply(request, [{ contact, type: first?.type ?? 'business' }], first?.number ?? null);
    },
  );

  app.post(
    THREECX_PATHS.reportCall,
    {
      validatorCompiler: () => () => true,
      schema: schema(
        '3CX: journal a call (ReportCall)',
        'CallType (Inbound|Outbound|Missed|Notanswered), Number, Agent, Duration (hh:mm:ss), CallStartTimeUTC, CallEstablishedTimeUTC, CallEndTimeUTC, DateTime, QueueExtension, AgentFirstName, AgentLastName, EntityId. Idempotent: the same report twice changes nothing.',
      ),
    },
    async (request) => {
      const tenantId = await tenantOf(request);
      const read = readReportCall(request.body);
      if (!read.ok) throw new CallbridgeError('CB_VALIDATION', read.message, read.field);
      const events = reportCallEvents(read.report);
      const results = await ingestEvents(deps, tenantId, events, THREECX_CRM_SOURCE);
      return { ok: true, callId: events[0].callId, duplicate: results.every((r) => r.status === 'duplicate') };
    },
  );

  app.get<{ Querystring: { baseUrl?: string } }>(
    THREECX_PATHS.template,
    {
      schema: schema('3CX: CRM template to import', 'The template XML for this tenant. Its URLs point at this server (or ?baseUrl=).', {
        baseUrl: { type: 'string', maxLength: 500, description: 'Where 3CX reaches Callbridge, e.g. https://callbridge.example.com' },
      }),
    },
    async (request, response) => {
      const tenantId = await tenantOf(request);
      const baseUrl = request.query.baseUrl === undefined ? origin(request) : checkBaseUrl(request.query.baseUrl);
      const tenant = await deps.store.tenants.get(tenantId);
      response.type('application/xml; charset=utf-8');
      response.header('content-disposition', 'attachment; filename="callbridge-3cx-crm.xml"');
      return renderThreeCxTemplate({ baseUrl, country: tenant?.defaultCountry ?? 'DE' });
    },
  );
}

/** The key as 3CX can send it: X-API-Key, Bearer, Basic (key as password) or ?key=. */
function keyOf(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (auth && /^basic\s+/i.test(auth)) {
    const decoded = Buffer.from(auth.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1).trim() || undefined;
  }
  const presented = presentedKey(request);
  if (presented) return presented;
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.key === 'string' ? query.key.trim() : undefined;
}

function checkBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CallbridgeError('CB_VALIDATION', 'baseUrl must be an absolute http(s) URL', '/baseUrl');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash || url.username || url.password) {
    throw new CallbridgeError('CB_VALIDATION', 'baseUrl must be an http(s) URL without query, fragment or credentials', '/baseUrl');
  }
  return url.toString().replace(/\/+$/, '');
}
