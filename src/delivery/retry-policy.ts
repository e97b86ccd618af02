/**
 * When to try a failed delivery again. The default schedule follows the Standard Webhooks
 * recommendation (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) and continues every 10 h, so a receiver
 * that is down over a long weekend still gets its deliveries: about three days in all. Every delay is
 * jittered so that deliveries failed together do not all return together.
 */

/** Delays before attempt 2, 3, … in milliseconds; after the last one the delivery is dead. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

/** Longest wait a receiver can ask for with Retry-After; later dates are clamped to it. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

export type RetryDecision = { retry: true; at: Date } | { retry: false };

/**
 * After failed attempt number `attempt` (1-based): when to try again, or not at all. `requestedAt` is
 * the receiver's Retry-After, honoured (within MAX_RETRY_AFTER_MS) instead of the schedule.
 */
export function nextAttempt(
  attempt: number,
  now: Date,
  schedule: readonly number[] = DEFAULT_RETRY_SCHEDULE_MS,
  requestedAt?: Date,
  random: () => number = Math.random,
): RetryDecision {
  if (attempt > schedule.length) return { retry: false };
  if (requestedAt) {
    const wait = Math.min(Math.max(requestedAt.getTime() - now.getTime(), 0), MAX_RETRY_AFTER_MS);
    return { retry: true, at: new Date(now.getTime() + wait) };
  }
  const base = schedule[attempt - 1];
  // ±20 %: spreads a burst of failures without changing the schedule's shape.
  const jittered = base * (0.8 + 0.4 * random());
  return { retry: true, at: new Date(now.getTime() + Math.round(jittered)) };
}

/**
 * Reads a Retry-After header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Undefined when absent
 * or not understood.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: Date): Date | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  const text = raw.trim();
  if (/^\d+$/.test(text)) return new Date(now.getTime() + Number(text) * 1000);
  const at = Date.parse(text);
  // Only the date forms HTTP allows name a weekday or GMT; a bare number is handled above.
  if (Number.isNaN(at) || !/GMT|[A-Za-z]{3},/.test(text)) return undefined;
  return new Date(at);
}
