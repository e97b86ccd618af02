/**
 * HubSpot's CRM API on 127.0.0.1 as the REST CRM preset uses it, from HubSpot's documentation:
 *
 * - Search (developers.hubspot.com/docs/api/crm/search): `POST /crm/v3/objects/contacts/search` with
 *   `{ filterGroups: [{ filters: [{ propertyName, operator: "EQ", value }] }], properties, limit }` —
 *   filters within a group are ANDed, groups ORed → `{ total, results: [{ id, properties, createdAt,
 *   updatedAt, archived }] }`. EQ compares the stored text exactly.
 * - Calls (developers.hubspot.com/docs/api/crm/calls): `POST /crm/v3/objects/calls` with
 *   `{ properties: { hs_timestamp (required), hs_call_title, hs_call_direction INBOUND|OUTBOUND,
 *   hs_call_status (COMPLETED, NO_ANSWER, …), hs_call_duration (ms), hs_call_from_number,
 *   hs_call_to_number }, associations: [{ to: { id }, types: [{ associationCategory:
 *   "HUBSPOT_DEFINED", associationTypeId: 194 }] }] }` → 201 `{ id, properties, … }`; 194 is
 *   call → contact (docs "Associations v4", association type IDs).
 * - Errors (developers.hubspot.com/docs/api/error-handling): `{ status: "error", message,
 *   correlationId, category }`; 401 for a missing or expired token; 429 (rate limits) with
 *   Retry-After for fault tests; 400 VALIDATION_ERROR.
 * - Auth: a private app's access token (`Authorization: Bearer`). For the connector's OAuth 2.0
 *   client-credentials path the simulator also answers `POST /oauth/v1/token` with
 *   `grant_type=client_credentials` as RFC 6749 §4.4 describes (HubSpot's own apps use the
 *   authorization-code flow; the request and answer shapes are the same) — tokens expire after
 *   `tokenTtlSeconds`, and `expireTokens()` ends them at once.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type HubSpotContact = { id: string; properties: Record<string, string | null> };

export class HubSpotSimulator {
  readonly privateAppToken = 'pat-eu1-sim';
  readonly client = { id: 'hs-client', secret: 'hs-secret' };
  readonly contacts: HubSpotContact[] = [];
  readonly calls: Array<{ id: string; properties: Record<string, unknown>; associations: unknown }> = [];
  readonly log: Array<{ method: string; path: string; status: number }> = [];
  tokenTtlSeconds = 1800;
  tokensIssued = 0;
  #tokens = new Map<string, number>();
  #faults: Array<{ status: number; retryAfter?: string }> = [];
  #server: Server | null = null;
  #base = '';

  async start(): Promise<string> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.#base = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.#base;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }

  expireTokens(): void {
    this.#tokens.clear();
  }

  fail(...faults: Array<{ status: number; retryAfter?: string }>): void {
    this.#faults.push(...faults);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#base);
    let text = '';
    for await (const chunk of req) text += chunk;
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      this.log.push({ method: req.method ?? 'GET', path: url.pathname, status });
      res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...headers });
      res.end(JSON.stringify(value));
    };
    const error = (status: number, category: string, message: string, headers: Record<string, string> = {}) => json(status, { status: 'error', message, correlationId: 'sim-' + Date.now(), category }, headers);
    if (url.pathname === '/oauth/v1/token' && req.method === 'POST') {
      const form = new URLSearchParams(text);
      if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== this.client.id || form.get('client_secret') !== this.client.secret) return json(400, { status: 'BAD_CLIENT_ID', message: 'invalid client credentials' });
      const token = `hs-at-${++this.tokensIssued}`;
      this.#tokens.set(token, Date.now() + this.tokenTtlSeconds * 1000);
      return json(200, { access_token: token, token_type: 'bearer', expires_in: this.tokenTtlSeconds });
    }
    const fault = this.#faults.shift();
    if (fault) return error(fault.status, fault.status === 429 ? 'RATE_LIMITS' : 'INTERNAL_ERROR', 'simulated', fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const until = this.#tokens.get(token);
    if (token !== this.privateAppToken && !(until && until > Date.now())) return error(401, 'INVALID_AUTHENTICATION', 'Authentication credentials not found or expired.');
    let body: Record<string, any>;
    try {
      body = JSON.parse(text || '{}');
    } catch {
      return error(400, 'VALIDATION_ERROR', 'Invalid input JSON');
    }
    if (url.pathname === '/crm/v3/objects/contacts/search' && req.method === 'POST') {
      const groups = (body.filterGroups ?? []) as Array<{ filters: Array<{ propertyName: string; operator: string; value: string }> }>;
      if (groups.some((g) => g.filters.some((f) => f.operator !== 'EQ'))) return error(400, 'VALIDATION_ERROR', 'the simulator knows EQ only');
      const hits = this.contacts.filter((c) => groups.some((g) => g.filters.every((f) => c.properties[f.propertyName] === f.value)));
      const wanted = (body.properties ?? []) as string[];
      const results = hits.slice(0, body.limit ?? 10).map((c) => ({ id: c.id, properties: Object.fromEntries(wanted.map((p) => [p, c.properties[p] ?? null])), createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', archived: false }));
      return json(200, { total: hits.length, results });
    }
    if (url.pathname === '/crm/v3/objects/calls' && req.method === 'POST') {
      const p = (body.properties ?? {}) as Record<string, unknown>;
      if (!p.hs_timestamp) return error(400, 'VALIDATION_ERROR', 'Property values were not valid: hs_timestamp is required');
      if (p.hs_call_direction && !['INBOUND', 'OUTBOUND'].includes(p.hs_call_direction as string)) return error(400, 'VALIDATION_ERROR', 'hs_call_direction: invalid option');
      for (const a of (body.associations ?? []) as Array<{ to: { id: string } }>) {
        if (!this.contacts.some((c) => c.id === a.to.id)) return error(400, 'VALIDATION_ERROR', `association target ${a.to.id} does not exist`);
      }
      const call = { id: String(90_000 + this.calls.length), properties: p, associations: body.associations ?? [] };
      this.calls.push(call);
      return json(201, { id: call.id, properties: p, createdAt: new Date().toISOString(), archived: false });
    }
    return error(404, 'OBJECT_NOT_FOUND', 'resource not found');
  }
}
