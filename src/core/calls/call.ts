/**
 * The call journal's data: a call is one customer conversation as the business sees it, made of legs
 * (the PBX's channels or call ids). Everything here is plain data; the lifecycle lives in lifecycle.ts.
 */
import type { PhoneNumber } from '../phone-numbers/phone-number.ts';

export const CALL_DIRECTIONS = ['inbound', 'outbound', 'internal'] as const;
export type CallDirection = (typeof CALL_DIRECTIONS)[number];

/** The three call types users filter actions by. */
export const CALL_KINDS = ['direct', 'queue', 'internal'] as const;
export type CallKind = (typeof CALL_KINDS)[number];

export const CALL_STATES = ['ringing', 'answered', 'ended'] as const;
export type CallState = (typeof CALL_STATES)[number];

export const CALL_OUTCOMES = ['answered', 'missed', 'busy', 'rejected', 'failed'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** Why a leg ended, in Callbridge's words; each ingest format maps its own causes onto these. */
export const END_CAUSES = ['normal', 'busy', 'noAnswer', 'cancel', 'rejected', 'failed'] as const;
export type EndCause = (typeof END_CAUSES)[number];

export const TRANSFER_TYPES = ['blind', 'attended'] as const;
export type TransferType = (typeof TRANSFER_TYPES)[number];

export type Transfer = {
  /** Extension (or number) that handed the call on; null when the PBX did not say. */
  from: string | null;
  to: string;
  type: TransferType;
  at: string;
};

export type Leg = {
  /** The PBX's id for this channel or call id. */
  id: string;
  state: CallState;
  extension: string | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  cause: EndCause | null;
};

/** Who the caller is, filled by the phonebook (a later capability); null until then. */
export type CallerIdentity = {
  contactId: string | null;
  name: string | null;
  company: string | null;
  matchType: string;
};

export type Call = {
  id: string;
  tenantId: string;
  /** The PBX's id for the whole conversation: the linked id, or the first leg's id. */
  pbxCallId: string;
  direction: CallDirection;
  kind: CallKind;
  from: PhoneNumber;
  to: PhoneNumber;
  /** The number the caller dialled (inbound) — our DID; null when unknown. */
  did: string | null;
  queue: string | null;
  labels: Record<string, string>;
  state: CallState;
  outcome: CallOutcome | null;
  hangupCause: EndCause | null;
  /** Extension that answered first. */
  answeredBy: string | null;
  /** Extension that holds the call now (after transfers), or held it last. */
  extension: string | null;
  extensionsRang: string[];
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  ringSeconds: number | null;
  talkSeconds: number | null;
  transfers: Transfer[];
  legs: Leg[];
  caller: CallerIdentity | null;
  /** Increases by one with every change; lets screens drop stale updates. */
  version: number;
  /** Timestamp of the latest event applied, in fold order. */
  lastEventAt: string;
  updatedAt: string;
};
