/**
 * The delivery seam: everything Callbridge sends out (signed webhooks, employee-integration requests,
 * server-side URL actions, CRM journaling) is a *delivery*: a row in our own outbox, written in the
 * same transaction as the call change that causes it, then attempted by the worker until it is
 * delivered, given up (dead letter) or blocked.
 *
 * Producers never send anything themselves. They turn a committed-to-be call change into
 * `DeliveryRequest`s inside the ingest transaction (`ChangeConsumer` in journal/call-journal.ts) or,
 * for a manual start, in their own transaction. The worker claims due rows (PostgreSQL: `FOR UPDATE
 * SKIP LOCKED`; SQLite: the one process), hands each to the handler registered for its `handler`
 * kind, and records the attempt.
 *
 * Guarantees: at-least-once; order kept per (endpoint, orderKey) — a later delivery for the same call
 * and endpoint waits until the earlier one is delivered or dead; stable delivery ids (the receiver's
 * idempotency key, e.g. `webhook-id`).
 */
import type { Transaction } from 'kysely';
import type { Database } from '../storage/schema.ts';

/** What a producer asks to be delivered. Plain data; stored as is in the outbox row. */
export type DeliveryRequest = {
  tenantId: string;
  /**
   * The endpoint it goes to (a webhook subscription, the tenant's employee-integration URL set, an
   * action, a CRM connection): retries, ordering, the concurrency cap and auto-disable are per endpoint.
   */
  endpointId: string;
  /** Which handler attempts it: `http` (a prepared HTTP request) or a connector's own kind (`crm`). */
  handler: string;
  /** Order is kept per (endpointId, orderKey); usually the call id. Null: no ordering. */
  orderKey: string | null;
  /** The call it is about, for the journal's "deliveries this call caused". */
  callId: string | null;
  /** What happened, e.g. `call.answered`; shown in the delivery log. */
  eventType: string;
  /** Handler input. For `http`: `HttpDeliveryPayload`. Must be JSON. */
  payload: unknown;
  /** Earliest first attempt (ISO time); default now. */
  notBefore?: string;
};

/** The `http` handler's input: a request rendered by the producer. */
export type HttpDeliveryPayload = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body: string | null;
  /** Sign per Standard Webhooks with the endpoint's secret (`webhook-id`, `-timestamp`, `-signature`). */
  sign: boolean;
};

/**
 * The result of one attempt, as a handler reports it (STYLE.md: expected outcomes are tagged).
 * - delivered: done (2xx for HTTP).
 * - retry: try again, at `at` when the receiver said so (Retry-After), else by the retry schedule.
 * - failed: this delivery cannot succeed (4xx other than 408/429): dead letter at once.
 * - gone: the endpoint is gone for good (HTTP 410): dead letter and disable the endpoint.
 * - blocked: refused before sending (SSRF guard, endpoint disabled): dead letter, nothing was sent.
 */
export type AttemptOutcome = (
  | { outcome: 'delivered'; status?: number }
  | { outcome: 'retry'; status?: number; at?: string; error: string }
  | { outcome: 'failed'; status?: number; error: string }
  | { outcome: 'gone'; status?: number; error: string }
  | { outcome: 'blocked'; error: string }
) & {
  /** For the attempt log: the request line sent (`POST https://host/path`, no query: it may hold personal data). */
  request?: string;
};

/** What the worker hands a handler for one attempt. */
export type DeliveryAttempt = {
  id: string;
  tenantId: string;
  endpointId: string;
  attempt: number;
  eventType: string;
  callId: string | null;
  payload: unknown;
  signal: AbortSignal;
};

/**
 * Sends one kind of delivery. Must not throw for expected failures (return an outcome); a throw is
 * recorded as a retry with the error's message. Must honour `signal` (the worker's total timeout).
 * Reports, for the attempt log, the request line it sent (`AttemptOutcome.request`).
 */
export interface DeliveryHandler {
  readonly kind: string;
  attempt(delivery: DeliveryAttempt): Promise<AttemptOutcome>;
}

/** Producers write through this, inside the transaction of the change that causes the deliveries. */
export interface Outbox {
  /**
   * Adds the deliveries in `trx`. Nothing is sent before that transaction commits. An `endpointId`
   * without a row in `delivery_endpoints` is delivered as an enabled endpoint with the default
   * concurrency cap; its row is created when failures are first counted (so auto-disable works too).
   */
  enqueue(trx: Transaction<Database>, deliveries: readonly DeliveryRequest[]): Promise<void>;
}
