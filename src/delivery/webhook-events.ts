/**
 * Webhook subscriptions' data (pure): the event types a subscription can choose, its filters, which
 * events a call change produces, and the versioned payload receivers get.
 */
import type { Call } from '../core/calls/call.ts';
import { extensionsOf } from '../core/calls/lifecycle.ts';

export const WEBHOOK_EVENT_TYPES = ['call.ringing', 'call.answered', 'call.transferred', 'call.ended', 'call.missed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Every filter that is set must match (each lists the values any of which matches). */
export type WebhookFilters = {
  direction?: string[];
  kind?: string[];
  /** Any extension the call rang, was answered or transferred at. */
  extension?: string[];
  queue?: string[];
};

/** What `delivery_endpoints.config` holds for a webhook. */
export type WebhookConfig = { eventTypes: WebhookEventType[]; filters: WebhookFilters };

export const PAYLOAD_VERSION = 1;

/** The payload: `{ type, version, timestamp, data: { call, contact } }`. */
export type WebhookPayload = {
  type: WebhookEventType;
  version: typeof PAYLOAD_VERSION;
  /** When the event happened at the PBX (ISO 8601). */
  timestamp: string;
  data: { call: Omit<Call, 'tenantId'>; contact: Call['caller'] };
};

/** The webhook events a change produces: its own type, and `call.missed` for an ended, missed call. */
export function eventTypesOf(changeType: string, call: Call): WebhookEventType[] {
  const types: WebhookEventType[] = [];
  if ((WEBHOOK_EVENT_TYPES as readonly string[]).includes(changeType)) types.push(changeType as WebhookEventType);
  if (changeType === 'call.ended' && call.outcome === 'missed') types.push('call.missed');
  return types;
}

export function matchesFilters(filters: WebhookFilters, call: Call): boolean {
  if (filters.direction?.length && !filters.direction.includes(call.direction)) return false;
  if (filters.kind?.length && !filters.kind.includes(call.kind)) return false;
  if (filters.queue?.length && !(call.queue !== null && filters.queue.includes(call.queue))) return false;
  if (filters.extension?.length) {
    const touched = extensionsOf(call);
    if (!filters.extension.some((e) => touched.has(e))) return false;
  }
  return true;
}

export function webhookPayload(type: WebhookEventType, call: Call, at: string): WebhookPayload {
  const { tenantId: _tenant, ...rest } = call;
  return { type, version: PAYLOAD_VERSION, timestamp: at, data: { call: rest, contact: call.caller } };
}
