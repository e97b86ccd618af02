/**
 * The CRM connector seam. A CRM *type* (Salesforce, a REST CRM by template) is separate from a
 * configured *connection* (a row in `crm_connections`): two Salesforce orgs are two connections of
 * one type. The core branches on `capabilities`, never on the type's name.
 *
 * Failures: connectors throw `CrmError` (crm-error.ts) with a kind the caller maps — the delivery
 * handler to an attempt outcome, the live lookup to "no answer". Anything else thrown is a bug or
 * broken infrastructure and is retried by the delivery worker.
 */
import type { CrmUserMapping, JournalRules } from '../../storage/repositories/crm-repository.ts';
import type { SafeDispatchers } from '../../delivery/safe-dispatcher.ts';
import type { PhoneForms } from './phone-forms.ts';

/** What a connection can do; the core asks these, never the type's name. */
export type CrmCapabilities = {
  /** Live caller lookup and linking activities to the caller. */
  findContactByPhone: boolean;
  /** Journaling: one activity per call. */
  logCall: boolean;
  /** Creating a record for an unknown caller (an account, a contact). */
  createContact: boolean;
};

/** A record the CRM knows the number by. `accountId` is the company it belongs to, when the CRM has one. */
export type CrmContact = {
  id: string;
  /** contact | account | person | … in the CRM's own words, for the UI. */
  kind: string;
  name: string | null;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  email: string | null;
  accountId: string | null;
};

/** found: the best match (contacts before accounts); not_found: nothing has the number. */
export type CrmLookupResult = { outcome: 'found'; contact: CrmContact } | { outcome: 'not_found' };

/** A call's four journaling kinds (the REST templates have one request each). */
export type CallKindForCrm = 'inbound_answered' | 'outbound_answered' | 'inbound_missed' | 'outbound_not_answered';

/**
 * One customer call as it is journaled — built once, when the call ends (crm-activity.ts), stored in
 * the delivery payload, so a replay writes exactly what the first attempt would have.
 */
export type CallActivity = {
  /** Callbridge's call id: the idempotency key of the activity. */
  callId: string;
  kind: CallKindForCrm;
  direction: 'inbound' | 'outbound';
  answered: boolean;
  /** The external party's number: E.164 when known, else as the PBX sent it. */
  number: string;
  /** Forms of `number` (E.164, national, digits, …) for searches and templates. */
  forms: PhoneForms;
  from: string;
  to: string;
  /** The extension the activity belongs to (answered it, or rang first when missed). */
  extension: string | null;
  /** The CRM user of that extension (mapping); null: the connection's own user. */
  crmUserId: string | null;
  /** The name Callbridge's phonebook gave the caller, if any. */
  callerName: string | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string;
  /** Talk time in seconds (0 when not answered). */
  durationSeconds: number;
  hangupCause: string | null;
  language: 'de' | 'en';
  /** Journal it when the CRM does not know the number. */
  journalUnknown: boolean;
  /** For an unknown caller: create an account and link the activity to it. */
  createAccountForUnknown: boolean;
};

/**
 * logged: written now; already_logged: found in the CRM from an earlier attempt (nothing written);
 * skipped: by the connection's rules (unknown caller not journaled), nothing written.
 */
export type LogCallResult =
  | { outcome: 'logged'; externalId: string | null }
  | { outcome: 'already_logged'; externalId: string | null }
  | { outcome: 'skipped'; reason: string };

/** A request a connection would send, for the test action's preview (secrets masked). */
export type RequestPreview = { method: string; url: string; headers: Record<string, string>; body: string | null };

/** A configured connection, ready to use. Construct through its type's `create`. */
export interface CrmConnector {
  readonly capabilities: CrmCapabilities;
  /**
   * Finds the record a number belongs to. Read-only; safe to call concurrently. Honours `signal`
   * (the lookup budget or the delivery timeout). Throws CrmError.
   */
  findContactByPhone(forms: PhoneForms, signal: AbortSignal): Promise<CrmLookupResult>;
  /**
   * Writes the call's activity. Idempotent per `activity.callId`: when an earlier attempt wrote it
   * (a retry after a lost answer, a replay), it must not write a second one — either the CRM is
   * searched for the activity's marker first (Salesforce: `CallObject`), or the caller's record of
   * written activities (`crm_activities`) is the only guard (REST: documented). Throws CrmError.
   */
  logCall(activity: CallActivity, signal: AbortSignal): Promise<LogCallResult>;
  /**
   * Present when `capabilities.createContact`: creates a record for an unknown caller (Salesforce:
   * an Account named `name` with the number as its phone, so later searches find it). Not idempotent
   * by itself — search first. Throws CrmError.
   */
  createContact?(input: { forms: PhoneForms; name: string }, signal: AbortSignal): Promise<CrmContact>;
  /** The journaling request(s) `logCall` would send, without sending (test action). */
  previewLogCall(activity: CallActivity): Promise<RequestPreview[]>;
}

/** What a connector gets from the composition root. */
export type CrmContext = {
  dispatchers: SafeDispatchers;
  /** The tenant's SSRF allow-list (on-premise CRMs live in private networks). */
  allowList: readonly string[];
};

/** Options validated, split by the type into plain and secret parts. */
export type CheckedOptions = { ok: true; options: Record<string, unknown> } | { ok: false; message: string; field: string };

/** A CRM type: one per folder under connectors/crm/, listed in registry.ts. */
export type CrmConnectorType = {
  readonly id: string;
  readonly title: string;
  readonly capabilities: CrmCapabilities;
  /** Option names stored sealed and never returned by the API. */
  readonly secretOptions: readonly string[];
  /** The options' JSON Schema (API docs and the admin form). */
  readonly schema: object;
  /** Validates options (defaults applied) at creation and on every change. */
  check(options: unknown): CheckedOptions;
  create(options: Record<string, unknown>, context: CrmContext): CrmConnector;
};

export type { CrmUserMapping, JournalRules };
