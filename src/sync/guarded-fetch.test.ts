import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, it } from 'node:test';
import { SafeDispatchers } from '../delivery/safe-dispatcher.ts';
import { guardedFetch } from './guarded-fetch.ts';

// A server that drops the first connection as soon as a request arrives on it, without answering
// (what a kept-alive connection closed by the server just as it is reused looks like), and answers
// on every later one.
let server: Server;
let connections = 0;
let url = '';
const dispatchers = new SafeDispatchers({ connectMs: 5_000, totalMs: 10_000 });
before(async () => {
  server = createServer((socket: Socket) => {
    const n = ++connections;
    socket.once('data', () => {
      if (n === 1) return socket.destroy();
      socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/file.csv`;
});
after(async () => {
  await dispatchers.close();
  server.close();
});

it('sends a safe request once more when the connection closed before any answer; never an unsafe one', async () => {
  const fetch = guardedFetch(dispatchers, ['127.0.0.1']);
  connections = 0;
  const response = await fetch(url);
  assert.equal(await response.text(), 'ok');
  assert.equal(connections, 2);
  connections = 0;
  await assert.rejects(fetch(url, { method: 'POST', body: 'grant_type=password' }));
  assert.equal(connections, 1);
});
