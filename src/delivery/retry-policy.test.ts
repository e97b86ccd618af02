import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DEFAULT_RETRY_SCHEDULE_MS, MAX_RETRY_AFTER_MS, nextAttempt, parseRetryAfter } from './retry-policy.ts';

const now = new Date('2026-11-21T10:00:00Z');

it('spans about three days by default and gives up after the last delay', () => {
  const total = DEFAULT_RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0);
  assert.ok(total > 2.5 * 86_400_000 && total < 3.5 * 86_400_000, `${total / 3_600_000} h`);
  assert.equal(nextAttempt(DEFAULT_RETRY_SCHEDULE_MS.length + 1, now).retry, false);
  assert.equal(nextAttempt(DEFAULT_RETRY_SCHEDULE_MS.length, now).retry, true);
});

it('jitters within ±20 % of the scheduled delay', () => {
  const low = nextAttempt(2, now, DEFAULT_RETRY_SCHEDULE_MS, undefined, () => 0);
  const high = nextAttempt(2, now, DEFAULT_RETRY_SCHEDULE_MS, undefined, () => 0.999999);
  assert.ok(low.retry && high.retry);
  assert.equal(low.at.getTime() - now.getTime(), 240_000);
  assert.ok(Math.abs(high.at.getTime() - now.getTime() - 360_000) < 5);
});

it('honours Retry-After instead of the schedule, clamped to a day', () => {
  const asked = nextAttempt(1, now, DEFAULT_RETRY_SCHEDULE_MS, new Date(now.getTime() + 120_000));
  assert.ok(asked.retry && asked.at.getTime() === now.getTime() + 120_000);
  const far = nextAttempt(1, now, DEFAULT_RETRY_SCHEDULE_MS, new Date(now.getTime() + 30 * 86_400_000));
  assert.ok(far.retry && far.at.getTime() === now.getTime() + MAX_RETRY_AFTER_MS);
});

it('parses Retry-After as seconds and as an HTTP-date', () => {
  assert.equal(parseRetryAfter('120', now)?.toISOString(), '2026-11-21T10:02:00.000Z');
  assert.equal(parseRetryAfter('Sat, 21 Nov 2026 10:05:00 GMT', now)?.toISOString(), '2026-11-21T10:05:00.000Z');
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter('-5', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});
