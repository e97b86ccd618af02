/**
 * Asterisk's end reasons in Callbridge's words.
 *
 * Sources: docs.asterisk.org "Asterisk 22 ManagerEvent_DialEnd" (DialStatus: ANSWER, BUSY, CANCEL,
 * NOANSWER, CONGESTION, CHANUNAVAIL, DONTCALL, TORTURE, INVALIDARGS) and "ManagerEvent_Hangup"
 * (`Cause`: an ITU-T Q.850 cause code, e.g. 16 normal clearing, 17 user busy, 19 no answer,
 * 26 answered elsewhere).
 */
import type { EndCause } from '../../../core/calls/call.ts';

/** A DialEnd `DialStatus` for a leg that was not answered; null for ANSWER and unknown values. */
export function dialStatusCause(status: string | null): EndCause | null {
  switch ((status ?? '').toUpperCase()) {
    case 'BUSY':
      return 'busy';
    case 'NOANSWER':
      return 'noAnswer';
    case 'CANCEL':
      return 'cancel';
    case 'CONGESTION':
    case 'CHANUNAVAIL':
    case 'INVALIDARGS':
      return 'failed';
    case 'DONTCALL':
    case 'TORTURE':
      return 'rejected';
    default:
      return null;
  }
}

const FAILED_Q850 = new Set([1, 2, 3, 22, 27, 28, 29, 31, 34, 38, 41, 42, 44, 47, 50, 58, 65, 79, 88, 102, 111, 127]);

/**
 * A Q.850 hangup cause of a leg that was not answered. 0 (unknown) and 16 (normal clearing) say
 * nothing about why nobody answered, so they give null and the caller decides.
 */
export function hangupCauseOf(code: string): EndCause | null {
  const n = /^\d{1,3}$/.test(code) ? Number(code) : NaN;
  if (n === 17) return 'busy';
  if (n === 18 || n === 19) return 'noAnswer';
  if (n === 21) return 'rejected';
  if (n === 26) return 'cancel';
  if (FAILED_Q850.has(n)) return 'failed';
  return null;
}
