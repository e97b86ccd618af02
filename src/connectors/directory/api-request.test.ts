import assert from 'node:assert/strict';
import { it } from 'node:test';
import { apiRequest, retryAfterMs } from './api-request.ts';
import { SourceError } from './directory-source.ts';

it('reads Retry-After as seconds or an HTTP date', () => {
  const now = Date.parse('2026-12-01T10:00:00Z');
  assert.equal(retryAfterMs('7', now), 7000);
  assert.equal(retryAfterMs('Tue, 01 Dec 2026 10:00:30 GMT', now), 30_000);
  assert.equal(retryAfterMs('Tue, 01 Dec 2026 09:00:00 GMT', now), 0);
  assert.equal(retryAfterMs('soon', now), null);
  assert.equal(retryAfterMs(null, now), null);
});

it('retries 429/503 a bounded number of times, then fails with a readable error', async () => {
  let calls = 0;
  const fetch = (async () => {
    calls++;
    return new Response('{}', { status: calls <= 2 ? 503 : 200, headers: { 'retry-after': '0' } });
  }) as typeof globalThis.fetch;
  const ok = await apiRequest({ fetch, signal: new AbortController().signal }, 'https://x.example/a', {}, { service: 'X' });
  assert.deepEqual([ok.status, calls], [200, 3]);

  const always = (async () => new Response('', { status: 429, headers: { 'retry-after': '0' } })) as typeof globalThis.fetch;
  await assert.rejects(apiRequest({ fetch: always, signal: new AbortController().signal }, 'https://x.example/a', {}, { service: 'X', maxRetries: 2 }), (err: unknown) => err instanceof SourceError && err.kind === 'remote' && /after 2 retries/.test(err.message));
});

it('names only the origin of an unreachable URL', async () => {
  const refused = (async () => {
    throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
  }) as typeof globalThis.fetch;
  await assert.rejects(apiRequest({ fetch: refused, signal: new AbortController().signal }, 'https://x.example/secret/path?token=abc', {}, { service: 'X' }), (err: unknown) => {
    assert.ok(err instanceof SourceError && err.kind === 'unreachable');
    assert.equal(err.message, 'X at https://x.example is unreachable (ECONNREFUSED)');
    return true;
  });
});
