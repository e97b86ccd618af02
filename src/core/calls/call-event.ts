/**
 * Normalized call events: what every ingest format (own JSON, Zammad/sipgate CTI, Placetel, Asterisk)
 * is mapped to before the lifecycle sees it.
 */
import type { CallDirection, EndCause, TransferType } from './call.ts';

export const CALL_EVENT_TYPES = ['ringing', 'answered', 'transferred', 'ended'] as const;
export type CallEventType = (typeof CALL_EVENT_TYPES)[number];

export type CallEvent = {
  type: CallEventType;
  /** The PBX's id of the leg this event is about. */
  callId: string;
  /** The PBX's id of the conversation the leg belongs to, when it differs from callId. */
  linkedCallId: string | null;
  direction: CallDirection;
  /** Raw party numbers as the PBX sent them. */
  from: string;
  to: string;
  /** The extension concerned: the one ringing, answering, or handing over. */
  extension: string | null;
  /** Extensions rung at once by a ringing event (a ring group, Zammad's user[]). */
  extensions: string[];
  queue: string | null;
  labels: Record<string, string>;
  cause: EndCause | null;
  transferTo: string | null;
  transferType: TransferType | null;
  /** When it happened (ISO 8601, UTC). */
  at: string;
  /**
   * Stable key for de-duplication within a tenant. Given by the sender (eventId) or derived from the
   * event's content, so a retried delivery of the same event maps to the same key.
   */
  key: string;
};

/** The order in which events of the same instant are applied. */
export const EVENT_RANK: Record<CallEventType, number> = {
  ringing: 0,
  answered: 1,
  transferred: 2,
  ended: 3,
};

/** Fold order: a total order (time, type rank, key), so every arrival order folds to the same call. */
export function compareEvents(a: CallEvent, b: CallEvent): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  const rank = EVENT_RANK[a.type] - EVENT_RANK[b.type];
  if (rank !== 0) return rank;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
