/**
 * Propstack's API on 127.0.0.1 as the REST CRM preset uses it. The spec is issue 7's text (the
 * Propstack/3CX seed), as Propstack's public API reference was not at hand:
 *
 * - `GET /v1/contacts?with_meta=1&phone_number=…` → `{ data: [{ id, first_name, last_name, company,
 *   email, office_phone, home_cell, home_phone }], meta: { total_count } }`. Model of the phone match:
 *   the last 9 digits of the query equal those of one of the three phone fields (Propstack stores
 *   numbers as typed).
 * - `POST /v1/calls/3cx` with a JSON body `{ duration, direction: "in"|"out", from, to }`, plus
 *   `hangup_cause: "notAnswered"` for calls nobody answered → 201 `{ id }`.
 * - `GET /v1/calls/phone?event&direction&from&to&duration=mm:ss[&type]` → 200 `{ ok: true }`.
 * - The API key travels in `X-API-KEY`; a wrong one answers 401. `fail()` answers 429 with
 *   Retry-After (RFC 9110) or 5xx for fault tests; `delayMs` makes every answer slow.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type PropstackContact = { id: number; first_name: string | null; last_name: string | null; company: string | null; email: string | null; office_phone: string | null; home_cell: string | null; home_phone: string | null };

export class PropstackSimulator {
  readonly apiKey = 'ps-key-123';
  readonly contacts: PropstackContact[] = [];
  /** Journaling requests as received: the exact body (POST) or the query (GET). */
  readonly calls: Array<{ method: string; path: string; body: string; query: Record<string, string> }> = [];
  readonly log: Array<{ method: string; path: string; status: number }> = [];
  delayMs = 0;
  #faults: Array<{ status: number; retryAfter?: string }> = [];
  #server: Server | null = null;
  #base = '';
  #seq = 0;

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
    let body = '';
    for await (const chunk of req) body += chunk;
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      this.log.push({ method: req.method ?? 'GET', path: url.pathname, status });
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(value));
    };
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const fault = this.#faults.shift();
    if (fault) return json(fault.status, { errors: ['simulated'] }, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
    if (req.headers['x-api-key'] !== this.apiKey) return json(401, { errors: ['Unauthorized'] });
    if (url.pathname === '/v1/contacts' && req.method === 'GET') {
      const tail = (url.searchParams.get('phone_number') ?? '').replace(/\D/g, '').slice(-9);
      const data = tail.length < 6 ? [] : this.contacts.filter((c) => [c.office_phone, c.home_cell, c.home_phone].some((p) => p && p.replace(/\D/g, '').slice(-9) === tail));
      return url.searchParams.get('with_meta') === '1' ? json(200, { data, meta: { total_count: data.length } }) : json(200, data);
    }
    if (url.pathname === '/v1/calls/3cx' && req.method === 'POST') {
      if (!/^application\/json/.test(req.headers['content-type'] ?? '')) return json(415, { errors: ['JSON expected'] });
      this.calls.push({ method: 'POST', path: url.pathname, body, query: {} });
      return json(201, { id: ++this.#seq });
    }
    if (url.pathname === '/v1/calls/phone' && req.method === 'GET') {
      this.calls.push({ method: 'GET', path: url.pathname, body: '', query: Object.fromEntries(url.searchParams) });
      return json(200, { ok: true });
    }
    return json(404, { errors: ['Not found'] });
  }
}
