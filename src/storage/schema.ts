/**
 * Table types for Kysely. Timestamps are ISO 8601 UTC strings (`toISOString()`), which sort correctly
 * as text in every dialect; structured values are JSON text.
 */
import type { Generated } from 'kysely';
import type { ActionFavouriteTable, ActionTable, CrmActivityTable, CrmConnectionTable, CrmUserMappingTable, DeliveryAttemptTable, DeliveryEndpointTable, DeliveryTable, EmployeeIntegrationTable, WebLoginTable, WebSessionTable } from './schema-outbound.ts';

export type { ActionFavouriteTable, ActionTable, CrmActivityTable, CrmConnectionTable, CrmUserMappingTable, DeliveryAttemptTable, DeliveryEndpointTable, DeliveryTable, EmployeeIntegrationTable, WebLoginTable, WebSessionTable } from './schema-outbound.ts';

export type TenantTable = {
  id: string;
  name: string;
  default_country: string;
  area_code: string | null;
  /** Encrypted (secret-box) Placetel notify secret, or null when signatures are not checked. */
  placetel_secret: string | null;
  /** When set, an unknown number may match a contact ending in the same last N digits. */
  lookup_suffix_digits: number | null;
  /** JSON array of CIDRs and host names deliveries may reach although private (SSRF allow-list); null = none. */
  delivery_allow_list: string | null;
  /** Days call records and delivery logs are kept; null = for ever (migration 010, src/maintenance/retention.ts). */
  retention_days: number | null;
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

/** A configured directory source (a connection of a source type, see connectors/directory/). */
export type SourceTable = {
  id: string;
  tenant_id: string;
  /** Source type id, e.g. `csv`. */
  type: string;
  name: string;
  description: string | null;
  /** The type's options without secrets, as JSON. */
  options: string;
  /** The secret options as JSON, sealed with the SecretBox. */
  secrets: string | null;
  /** 15m | 1h | 1d | off */
  interval: string;
  enabled: number;
  /** What the source type stored after its last successful run (sync token …). */
  state: string | null;
  /** When the scheduler runs it next; null when off or disabled. */
  next_run_at: string | null;
  /** The instance running it now, until `lease_until` (renewed while running; then anyone may take over). */
  lease_owner: string | null;
  lease_until: string | null;
  run_id: string | null;
  run_started_at: string | null;
  /** JSON `{read, total?}` of the running run. */
  progress: string | null;
  last_success_at: string | null;
  /** The last failed run's error in words a person understands; cleared by a successful run. */
  last_error: string | null;
  last_error_at: string | null;
  /** JSON SyncReport of the last run (success or failure). */
  last_report: string | null;
  created_at: string;
  updated_at: string;
};

/** What a source delivered last time: record id → contact and content hash. */
export type SourceRecordTable = {
  source_id: string;
  record_id: string;
  contact_id: string;
  hash: string;
};

/** A run's records before they are applied (deleted after the run). Contact columns only when added or changed. */
export type SourceStagingTable = {
  run_id: string;
  record_id: string;
  source_id: string;
  /** added | changed | removed (unchanged records are not staged) */
  status: string;
  hash: string;
  contact_id: string;
  kind: string | null;
  name: string | null;
  company: string | null;
  emails: string | null;
  notes: string | null;
  search_text: string | null;
};

/** Numbers of the staged added and changed contacts. */
export type SourceStagingNumberTable = {
  run_id: string;
  contact_id: string;
  position: number;
  raw: string;
  e164: string | null;
  type: string;
  switchboard: number;
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
  delivery_endpoints: DeliveryEndpointTable;
  deliveries: DeliveryTable;
  delivery_attempts: DeliveryAttemptTable;
  actions: ActionTable;
  action_favourites: ActionFavouriteTable;
  employee_integrations: EmployeeIntegrationTable;
  sources: SourceTable;
  crm_connections: CrmConnectionTable;
  crm_user_mappings: CrmUserMappingTable;
  crm_activities: CrmActivityTable;
  source_records: SourceRecordTable;
  source_staging: SourceStagingTable;
  source_staging_numbers: SourceStagingNumberTable;
  web_logins: WebLoginTable;
  web_sessions: WebSessionTable;
};
