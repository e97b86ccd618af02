import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { causeText } from './cause-text.ts';

test('causeText: the socket error undici nests in cause, in words', async () => {
  // A port nobody listens on: fetch fails with "fetch failed", the ECONNREFUSED in its cause.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const err = await fetch(`http://127.0.0.1:${port}/`).then(() => undefined, (e: unknown) => e);
  assert.equal(causeText(err), 'the connection was refused (is the server running, is the port right?)');
});

test('causeText: an AggregateError (several addresses tried) by its first error; a code not known here as it is', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED ::1:80'), { code: 'ECONNREFUSED' });
  assert.match(causeText(new TypeError('fetch failed', { cause: new AggregateError([refused, refused]) })), /^the connection was refused/);
  assert.equal(causeText(new TypeError('fetch failed', { cause: Object.assign(new Error('odd'), { code: 'EPROTO_ODD' }) })), 'odd');
  assert.equal(causeText(new TypeError('fetch failed', { cause: { code: 'EPROTO_ODD' } })), 'EPROTO_ODD');
  assert.equal(causeText(new TypeError('terminated')), 'the connection broke off');
  assert.equal(causeText('plain'), 'plain');
});
