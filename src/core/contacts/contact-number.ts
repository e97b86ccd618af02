/**
 * Reading one phonebook number as entered (by hand, from a CSV, from a source) into a ContactNumber.
 * Pure: no I/O.
 *
 * German writing marks a company's switchboard with a trailing `-0` (`+49 89 445566-0`: dial 0 for
 * the operator; the extensions are `445566-123` …), so that form makes the number a switchboard unless
 * the caller of this function says otherwise. The E.164 keeps the 0: it is the number the switchboard
 * answers on.
 */
import { normalizeNumber, type NumberingSettings } from '../phone-numbers/phone-number.ts';
import type { ContactNumber, NumberType } from './contact.ts';

/** `…445566-0`, `…445566 - 0`: a digit, a dash, a single 0 at the very end. */
const SWITCHBOARD_FORM = /\d\s*-\s*0\s*$/;

/**
 * Normalizes `raw` under the tenant's numbering settings. `type` defaults to `business`. `switchboard`
 * given explicitly wins; when undefined it is inferred from the written `-0` form. An unreadable
 * number keeps its raw form with `e164: null` and is never a switchboard.
 */
export function readContactNumber(raw: string, type: NumberType | undefined, switchboard: boolean | undefined, numbering: NumberingSettings): ContactNumber {
  const { e164 } = normalizeNumber(raw, numbering);
  return {
    raw,
    e164,
    type: type ?? 'business',
    switchboard: e164 !== null && (switchboard ?? SWITCHBOARD_FORM.test(raw)),
  };
}
