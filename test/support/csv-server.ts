/**
 * A local HTTP server for source tests: serves a CSV that a test changes between runs, behind basic
 * auth, and on other paths fails the ways real servers fail (a socket destroyed mid-body, a stall).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type CsvServer = {
  url(path?: string): string;
  /** The body `/phonebook.csv` serves from now on. */
  body: string | Buffer;
  requests: number;
  close(): Promise<void>;
};

export const USER = 'sync';
export const PASSWORD = 'right-password';

export async function startCsvServer(initial: string): Promise<CsvServer> {
  const state = { body: initial as string | Buffer, requests: 0 };
  const open = new Set<import('node:net').Socket>();
  const server: Server = createServer((req, res) => {
    state.requests++;
    if (req.headers.authorization !== 'Basic ' + Buffer.from(`${USER}:${PASSWORD}`).toString('base64')) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="phonebook"' }).end();
      return;
    }
    const body = Buffer.from(state.body);
    if (req.url === '/cut.csv') {
      // Half the file, then the socket dies: the download must fail and change nothing.
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': String(body.length) });
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      setTimeout(() => res.socket?.destroy(), 30);
      return;
    }
    if (req.url === '/stall.csv') {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      return; // never ends
    }
    res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' }).end(body);
  });
  server.on('connection', (s) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (path = '/phonebook.csv') => base + path,
    get body() {
      return state.body;
    },
    set body(value) {
      state.body = value;
    },
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
