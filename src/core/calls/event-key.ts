import { createHash } from 'node:crypto';

/**
 * The de-duplication key of an event. A sender-given id wins; otherwise the key is a hash of the
 * fields that identify the event (never of a receive-time default), so the same event posted twice
 * maps to one key.
 */
export function eventKey(source: string, eventId: string | null | undefined, parts: ReadonlyArray<string | null | undefined>): string {
  if (eventId) return `${source}:id:${eventId}`;
  const h = createHash('sha256');
  h.update(source);
  for (const p of parts) h.update('\u0000' + (p ?? ''));
  return `${source}:h:${h.digest('base64url').slice(0, 32)}`;
}
