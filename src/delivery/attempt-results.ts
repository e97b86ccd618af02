/**
 * Turns finished attempts into what the store records: the row's next state (delivered, pending at the
 * next retry time, or dead), the attempt log line, and each endpoint's failure streak (auto-disable).
 * Written in one transaction per batch of results: at thousands of deliveries a second, one commit per
 * delivery would be the bottleneck.
 */
import type { AttemptRecord, ClaimedDelivery, DeliveryUpdate } from '../storage/repositories/deliveries-repository.ts';
import type { Store } from '../storage/store.ts';
import type { AttemptOutcome } from './delivery.ts';
import { nextAttempt } from './retry-policy.ts';

export type FinishedAttempt = { delivery: ClaimedDelivery; outcome: AttemptOutcome; startedAt: Date; durationMs: number };

export type ResultPolicy = {
  retrySchedule: readonly number[];
  /** Consecutive failed attempts after which an endpoint is disabled. */
  disableAfterFailures: number;
  random?: () => number;
};

/** The row update and log line for one attempt (pure). */
export function settle(f: FinishedAttempt, now: Date, policy: ResultPolicy): { update: DeliveryUpdate; attempt: AttemptRecord } {
  const { delivery: d, outcome: o } = f;
  const status = 'status' in o && o.status !== undefined ? o.status : null;
  const error = o.outcome === 'delivered' ? null : o.error;
  let update: DeliveryUpdate;
  if (o.outcome === 'delivered') update = { id: d.id, state: 'delivered', status, error: null };
  else if (o.outcome === 'retry') {
    const next = nextAttempt(d.attempts, now, policy.retrySchedule, o.at ? new Date(o.at) : undefined, policy.random);
    update = next.retry
      ? { id: d.id, state: 'pending', nextAttemptAt: next.at.toISOString(), status, error }
      : { id: d.id, state: 'dead', status, error: `gave up after ${d.attempts} attempts; last: ${error}` };
  } else update = { id: d.id, state: 'dead', status, error };
  const attempt: AttemptRecord = {
    deliveryId: d.id,
    n: d.attempts,
    at: f.startedAt.toISOString(),
    request: o.request ?? null,
    outcome: o.outcome,
    status,
    durationMs: Math.round(f.durationMs),
    error,
  };
  return { update, attempt };
}

/** Writes a batch of finished attempts; returns the endpoints it disabled. */
export async function recordResults(store: Store, owner: string, batch: readonly FinishedAttempt[], policy: ResultPolicy, now: Date = new Date()): Promise<string[]> {
  const at = now.toISOString();
  const settled = batch.map((f) => settle(f, now, policy));
  // Per endpoint, in completion order: a success resets the streak, every other outcome extends it.
  const streaks = new Map<string, { tenantId: string; handler: string; reset: boolean; failures: number; gone: string | null; last: string }>();
  for (const [i, f] of batch.entries()) {
    const d = f.delivery;
    let s = streaks.get(d.endpointId);
    if (!s) streaks.set(d.endpointId, (s = { tenantId: d.tenantId, handler: d.handler, reset: false, failures: 0, gone: null, last: '' }));
    if (f.outcome.outcome === 'delivered') {
      s.reset = true;
      s.failures = 0;
    } else {
      s.failures++;
      s.last = settled[i].attempt.error ?? f.outcome.outcome;
      if (f.outcome.outcome === 'gone') s.gone = f.outcome.error;
    }
  }
  const disabled: string[] = [];
  await store.dialect.db.transaction().execute(async (trx) => {
    await store.deliveries.complete(trx, owner, settled.map((s) => s.update), settled.map((s) => s.attempt), at);
    for (const [endpointId, s] of streaks) {
      // Producers may use endpoints without a row (see Outbox.enqueue): make one to count on. Webhook
      // endpoints are made by the API only: a missing one was deleted and must not come back.
      if ((s.failures > 0 || s.gone) && s.handler !== 'webhook') {
        await store.deliveryEndpoints.ensure(
          { id: endpointId, tenantId: s.tenantId, kind: s.handler, name: endpointId, url: null, secret: null, config: {}, enabled: true, disabledReason: null, consecutiveFailures: 0, maxConcurrency: 0, createdAt: at, updatedAt: at },
          trx,
        );
      }
      if (s.gone) {
        await store.deliveryEndpoints.disable(trx, endpointId, s.gone, at);
        disabled.push(endpointId);
        continue;
      }
      if (!s.reset && s.failures === 0) continue;
      const reason = `disabled after ${policy.disableAfterFailures} consecutive failed attempts (last: ${s.last}); enable it again once the receiver works`;
      if (await store.deliveryEndpoints.recordStreak(trx, endpointId, s.reset, s.failures, policy.disableAfterFailures, reason, at)) disabled.push(endpointId);
    }
  });
  return disabled;
}
