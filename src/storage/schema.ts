/**
 * Table types for Kysely. Timestamps are ISO 8601 UTC strings (`toISOString()`), which sort correctly
 * as text in every dialect; structured values are JSON text.
 */
import type { Generated } from 'kysely';

export type TenantTable = {
  id: string;
  name: string;
  default_country: string;
  area_code: string | null;
  /** Encrypted (secret-box) Placetel notify secret, or null when signatures are not checked. */
  placetel_secret: string | null;
  /** When set, an unknown number may match a contact ending in the same last N digits. */
  lookup_suffix_digits: number | null;
  created_at: string;
  updated_at: string;
};

export type ApiKeyTable = {
  id: string;
  tenant_id: string;
  name: string;
  role: string;
  /** The public part of the key, shown in listings and used to find the row. */
  prefix: string;
  /** SHA-256 of the whole key (keys are 190 random bits: a slow hash adds nothing). */
  hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  /** For agent keys: the extension the key acts for (click-to-dial, screen pop). */
  extension: string | null;
};

export type UserTable = {
  id: string;
  tenant_id: string;
  extension: string;
  name: string;
  email: string | null;
  created_at: string;
  updated_at: string;
};

export type CallTable = {
  id: string;
  tenant_id: string;
  pbx_call_id: string;
  direction: string;
  kind: string;
  state: string;
  outcome: string | null;
  from_e164: string | null;
  to_e164: string | null;
  from_raw: string;
  to_raw: string;
  answered_by: string | null;
  queue: string | null;
  started_at: string;
  ended_at: string | null;
  version: number;
  updated_at: string;
  /** The whole call (core `Call`) as JSON; the columns above are its indexed projection. */
  data: string;
};

export type CallLegTable = {
  tenant_id: string;
  leg_id: string;
  call_id: string;
};

export type CallExtensionTable = {
  call_id: string;
  tenant_id: string;
  extension: string;
  started_at: string;
};

export type CallEventTable = {
  seq: Generated<number>;
  tenant_id: string;
  call_id: string;
  event_key: string;
  type: string;
  at: string;
  received_at: string;
  /** Which ingest path delivered it: api, cti, placetel, … */
  source: string;
  /** applied | unchanged | late */
  status: string;
  /** The normalized event (core `CallEvent`) as JSON. */
  data: string;
};

export type ConnectorTable = {
  id: string;
  tenant_id: string;
  /** Connector type id, e.g. `asterisk-ami`. */
  type: string;
  name: string;
  /** 1 or 0 (one representation in every dialect). */
  enabled: number;
  /** The type's options without secrets, as JSON. */
  options: string;
  /** The secret options as JSON, sealed with the SecretBox. */
  secrets: string | null;
  /** Last reported ConnectionStatus as JSON, written by the instance running it. */
  status: string | null;
  created_at: string;
  updated_at: string;
};

export type ContactTable = {
  id: string;
  tenant_id: string;
  owner_user_id: string | null;
  kind: string;
  name: string;
  company: string | null;
  /** JSON array of strings. */
  emails: string;
  notes: string | null;
  origin: string;
  source_id: string | null;
  source_record_id: string | null;
  forwarding_target: number;
  /** Lower-cased name, company, e-mails and number digits, for search. */
  search_text: string;
  created_at: string;
  updated_at: string;
};

export type ContactNumberTable = {
  contact_id: string;
  position: number;
  tenant_id: string;
  raw: string;
  e164: string | null;
  type: string;
  switchboard: number;
};

export type ContactChangeTable = {
  seq: Generated<number>;
  tenant_id: string;
  contact_id: string;
};

export type Database = {
  tenants: TenantTable;
  api_keys: ApiKeyTable;
  users: UserTable;
  calls: CallTable;
  call_legs: CallLegTable;
  call_extensions: CallExtensionTable;
  call_events: CallEventTable;
  connectors: ConnectorTable;
  contacts: ContactTable;
  contact_numbers: ContactNumberTable;
  contact_changes: ContactChangeTable;
};
