/**
 * Pipedrive's API v1 on 127.0.0.1 as the REST CRM preset uses it, from Pipedrive's documentation:
 *
 * - Persons search (developers.pipedrive.com/docs/api/v1/Persons#searchPersons):
 *   `GET /v1/persons/search?term=…&fields=phone&exact_match=false&limit=…`, term at least 2
 *   characters → `{ success: true, data: { items: [{ result_score, item: { id, type: "person", name,
 *   phones: [...], emails: [...], primary_email, organization: { id, name } | null } }] },
 *   additional_data: { pagination } }`. Model of the phone match (not exact): the term's digits occur
 *   in the digits of a stored phone.
 * - Call logs (developers.pipedrive.com/docs/api/v1/CallLogs#addCallLog): `POST /v1/callLogs`,
 *   required `outcome` (connected, no_answer, left_message, left_voicemail, wrong_number, busy),
 *   `to_phone_number`, `start_time`, `end_time` ("YYYY-MM-DD HH:MM:SS", UTC); optional `person_id`,
 *   `subject`, `duration` (seconds) → 200 `{ success: true, data: { id, … } }`; invalid → 400
 *   `{ success: false, error, error_info }`.
 * - Auth (developers.pipedrive.com/docs/api/v1 "Authentication"): the API token in the
 *   `x-api-token` header (or `api_token` query parameter); wrong → 401 `{ success: false, error:
 *   "unauthorized access" }`. Rate limiting (…/docs/api/v1 "Rate limiting"): 429, here with
 *   Retry-After for fault tests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type PipedrivePerson = { id: number; name: string; phones: string[]; emails: string[]; organization: { id: number; name: string } | null };

const OUTCOMES = ['connected', 'no_answer', 'left_message', 'left_voicemail', 'wrong_number', 'busy'];
const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

export class PipedriveSimulator {
  readonly apiToken = 'pd-token-abc';
  readonly persons: PipedrivePerson[] = [];
  readonly callLogs: Array<Record<string, unknown>> = [];
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

  fail(...faults: Array<{ status: number; retryAfter?: string }>): void {
    this.#faults.push(...faults);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#base);
    let text = '';
    for await (const chunk of req) text += chunk;
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
    };
    const fault = this.#faults.shift();
    if (fault) return json(fault.status, { success: false, error: 'simulated' }, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
    if ((req.headers['x-api-token'] ?? url.searchParams.get('api_token')) !== this.apiToken) return json(401, { success: false, error: 'unauthorized access', errorCode: 401 });
    if (url.pathname === '/v1/persons/search' && req.method === 'GET') {
      const term = url.searchParams.get('term') ?? '';
      if (term.length < 2) return json(400, { success: false, error: 'term must be at least 2 characters' });
      const digits = term.replace(/\D/g, '');
      const hits = this.persons.filter((p) => p.phones.some((ph) => digits && ph.replace(/\D/g, '').includes(digits)));
      const items = hits.slice(0, Number(url.searchParams.get('limit') ?? 100)).map((p) => ({ result_score: 1, item: { id: p.id, type: 'person', name: p.name, phones: p.phones, emails: p.emails, primary_email: p.emails[0] ?? null, organization: p.organization } }));
      return json(200, { success: true, data: { items }, additional_data: { pagination: { start: 0, limit: 100, more_items_in_collection: false } } });
    }
    if (url.pathname === '/v1/callLogs' && req.method === 'POST') {
      const b = JSON.parse(text || '{}') as Record<string, unknown>;
      const bad = !OUTCOMES.includes(b.outcome as string) ? 'outcome' : !b.to_phone_number ? 'to_phone_number' : !TIME.test(String(b.start_time)) ? 'start_time' : !TIME.test(String(b.end_time)) ? 'end_time' : null;
      if (bad) return json(400, { success: false, error: `Validation failed: ${bad}`, error_info: 'Please check developers.pipedrive.com' });
      if (b.person_id !== undefined && !this.persons.some((p) => p.id === b.person_id)) return json(400, { success: false, error: 'Person not found' });
      const log = { id: `cl-${this.callLogs.length + 1}`, ...b };
      this.callLogs.push(log);
      return json(200, { success: true, data: log });
    }
    return json(404, { success: false, error: 'Unknown method' });
  }
}
