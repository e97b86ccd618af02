import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startStaleConnectionServer } from '../../../test/support/stale-connection-server.ts';
import { SafeDispatchers } from '../../delivery/safe-dispatcher.ts';
import { CrmError } from './crm-error.ts';
import { sendJson } from './crm-http.ts';

let server: Awaited<ReturnType<typeof startStaleConnectionServer>>;
const dispatchers = new SafeDispatchers({ connectMs: 5_000, totalMs: 10_000 });
before(async () => {
  server = await startStaleConnectionServer('{"data":[]}', 'application/json');
});
after(async () => {
  await dispatchers.close();
  await server.close();
});

it('sends a lookup once more when the connection closed before any answer', async () => {
  server.reset();
  const answer = await sendJson(dispatchers, ['127.0.0.1'], { method: 'GET', url: `${server.url}/v1/persons/search?term=%2B4930` }, new AbortController().signal);
  assert.deepEqual(answer, { data: [] });
  assert.equal(server.connections, 2);
});

it('does not resend a journal entry (POST): the outbox tries it again later', async () => {
  server.reset();
  const post = sendJson(dispatchers, ['127.0.0.1'], { method: 'POST', url: `${server.url}/v1/activities`, body: '{}' }, new AbortController().signal);
  await assert.rejects(post, (err: unknown) => err instanceof CrmError && err.kind === 'unavailable');
  assert.equal(server.connections, 1);
});
