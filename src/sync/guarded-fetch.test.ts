import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startStaleConnectionServer } from '../../test/support/stale-connection-server.ts';
import { SafeDispatchers } from '../delivery/safe-dispatcher.ts';
import { guardedFetch } from './guarded-fetch.ts';

let server: Awaited<ReturnType<typeof startStaleConnectionServer>>;
const dispatchers = new SafeDispatchers({ connectMs: 5_000, totalMs: 10_000 });
before(async () => {
  server = await startStaleConnectionServer();
});
after(async () => {
  await dispatchers.close();
  await server.close();
});

it('sends a safe request once more when the connection closed before any answer; never an unsafe one', async () => {
  const fetch = guardedFetch(dispatchers, ['127.0.0.1']);
  const url = `${server.url}/file.csv`;
  server.reset();
  const response = await fetch(url);
  assert.equal(await response.text(), 'ok');
  assert.equal(server.connections, 2);
  server.reset();
  await assert.rejects(fetch(url, { method: 'POST', body: 'grant_type=password' }));
  assert.equal(server.connections, 1);
});
