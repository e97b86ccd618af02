/**
 * Table types for Kysely, the outbound half: the delivery outbox and its endpoints, actions, the
 * employee integration, CRM connections, and the web UI's logins and sessions. Same conventions as
 * schema.ts (which re-exports these and assembles `Database`).
 */
import type { Generated } from 'kysely';

/** Where deliveries go: a webhook subscription, an employee-integration URL set, an action, a CRM connection. */
export type DeliveryEndpointTable = {
  id: string;
  tenant_id: string;
  /** webhook, employee, action, crm … */
  kind: string;
  name: string;
  url: string | null;
  /** Signing secret sealed with the SecretBox, or null. */
  secret: string | null;
  /** Kind-specific settings as JSON (webhooks: event types and filters). */
  config: string;
  /** 1 or 0. Deliveries of a disabled endpoint wait (pending) until it is enabled again. */
  enabled: number;
  disabled_reason: string | null;
  consecutive_failures: number;
  max_concurrency: number;
  created_at: string;
  updated_at: string;
};

/** The outbox: one row per thing to send. */
export type DeliveryTable = {
  /** Enqueue order; ordering per (endpoint, order key) follows it (uuidv7 ids are not monotonic within a millisecond). */
  seq: Generated<number>;
  id: string;
  tenant_id: string;
  endpoint_id: string;
  handler: string;
  order_key: string | null;
  call_id: string | null;
  event_type: string;
  /** Handler input as JSON. */
  payload: string;
  /** pending | delivering | delivered | dead */
  state: string;
  attempts: number;
  next_attempt_at: string;
  /** The worker instance holding the row while `delivering`, until `lease_until` (then anyone may take it). */
  lease_owner: string | null;
  lease_until: string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
};

/** One attempt of a delivery. Bodies are never stored: they hold personal data. */
export type DeliveryAttemptTable = {
  delivery_id: string;
  n: number;
  at: string;
  /** The request line sent (method and URL without query), or null when nothing was sent. */
  request: string | null;
  /** delivered | retry | failed | gone | blocked */
  outcome: string;
  status: number | null;
  duration_ms: number;
  error: string | null;
};

/** An action (core `Action`); target, request and trigger as JSON. */
export type ActionTable = {
  id: string;
  tenant_id: string;
  /** null: tenant-wide. */
  owner_user_id: string | null;
  name: string;
  enabled: number;
  /** 1 when the trigger is automatic: the ingest path reads only these. */
  automatic: number;
  execution: string;
  target: string;
  request: string | null;
  trigger: string;
  created_at: string;
  updated_at: string;
};

/** Each user's favourite action (the invariant is kept by the actions service). */
export type ActionFavouriteTable = {
  tenant_id: string;
  user_id: string;
  action_id: string;
};

/** The tenant's employee integration (PBXAdmin-style URLs); an empty URL is off. */
export type EmployeeIntegrationTable = {
  tenant_id: string;
  method: string;
  account_id: string | null;
  url_answered: string;
  url_ended: string;
  url_outgoing: string;
  url_incoming: string;
  updated_at: string;
};

/** A configured CRM connection (a connection of a CRM type, see connectors/crm/). */
export type CrmConnectionTable = {
  id: string;
  tenant_id: string;
  /** CRM type id, e.g. `salesforce`, `rest`. */
  type: string;
  name: string;
  enabled: number;
  /** The type's options without secrets, as JSON. */
  options: string;
  /** The secret options as JSON, sealed with the SecretBox. */
  secrets: string | null;
  /** JSON JournalRules: which calls are journaled, language, account creation. */
  journal: string;
  /** 1: consulted as a live lookup when the phonebook has no match. */
  lookup: number;
  created_at: string;
  updated_at: string;
};

/** Per extension: the CRM user its calls belong to and which of them are logged. */
export type CrmUserMappingTable = {
  connection_id: string;
  extension: string;
  crm_user_id: string;
  /** answered | lost | both */
  log_calls: string;
};

/** An activity written for a call (what makes retries and replays no-ops). */
export type CrmActivityTable = {
  connection_id: string;
  call_id: string;
  external_id: string | null;
  logged_at: string;
};

/** Users who may sign in to the web UI: scrypt password hash and role (admin | agent). */
export type WebLoginTable = {
  user_id: string;
  tenant_id: string;
  password_hash: string;
  role: string;
  updated_at: string;
  /** 1: the screen pop runs the user's favourite action when a call rings (migration 009). */
  auto_run_favourite: Generated<number>;
};

/** Web UI sessions: only the SHA-256 of the cookie's token is stored. */
export type WebSessionTable = {
  id: string;
  token_hash: string;
  tenant_id: string;
  user_id: string;
  created_at: string;
  expires_at: string;
};
