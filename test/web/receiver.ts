/**
 * A local HTTP receiver on 127.0.0.1 for the browser tests: webhooks (paths under /hook) are answered
 * with a status the test can change mid-way, everything else (CRM API, pages an action opens) with a
 * JSON result the test can change too (by default: nobody found). Every request is logged with its headers and body.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';

export type Received = { method: string; url: string; headers: IncomingMessage['headers']; body: string };

/** An answer of a CRM API that knows nobody (Pipedrive's shape). */
export const EMPTY = '{"success":true,"data":{"items":[]}}';

export async function startReceiver() {
  const received: Received[] = [];
  // crmStatus / crmBody: what the CRM API (every path but /hook…) answers; the default finds nobody.
  const state: { hookStatus: number; crmStatus: number; crmBody: string } = { hookStatus: 400, crmStatus: 200, crmBody: EMPTY };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const hook = req.url!.startsWith('/hook');
      res.writeHead(hook ? state.hookStatus : state.crmStatus, { 'content-type': 'application/json' });
      res.end(hook ? '{}' : state.crmBody);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, state, close: () => server.close() };
}

/** Accepts the page's next confirm() (delete asks first). */
export const acceptNextDialog = (page: Page) => page.once('dialog', (d) => void d.accept());
