/**
 * Phone numbers as they arrive from PBXs: kept raw, normalized to E.164 where they are external
 * numbers, flagged as withheld where the caller suppressed them. Pure: no I/O.
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export type PhoneNumber = {
  /** Exactly what the PBX sent. */
  raw: string;
  /** E.164 (`+4930123456`) for external numbers; null for extensions, withheld and unparseable values. */
  e164: string | null;
  /** The caller suppressed the number (anonymous, unknown, restricted, empty). */
  withheld: boolean;
};

/** Per-tenant rules for reading numbers written without country or area code. */
export type NumberingSettings = {
  /** ISO 3166-1 alpha-2 country the PBX dials in, e.g. `DE`. */
  defaultCountry: string;
  /** Area code without the national prefix (`30` for Berlin), for local numbers dialled without one. */
  areaCode: string | null;
};

const WITHHELD = new Set(['', 'anonymous', 'unknown', 'restricted', 'private', 'withheld', 'unavailable', 'clip_no_screening']);

/** Numbers this short without a prefix are extensions, never local subscriber numbers. */
const MAX_EXTENSION_DIGITS = 4;

export function isWithheld(raw: string): boolean {
  return WITHHELD.has(raw.trim().toLowerCase());
}

/** A short all-digit value (201, 10, 4711) that names a phone on the PBX rather than a subscriber. */
export function isExtension(raw: string): boolean {
  const t = raw.trim();
  return /^\d{1,4}$/.test(t);
}

/**
 * Normalizes one number. Never throws: what cannot be read keeps its raw form with `e164: null`.
 * `+49 (0)30 …`, `0049 30 …`, `030/…`, `030-…`, dots and spaces are all read; a local number without
 * area code (`1234567`) gets the tenant's area code.
 */
export function normalizeNumber(raw: string, settings: NumberingSettings): PhoneNumber {
  const value = typeof raw === 'string' ? raw : String(raw ?? '');
  if (isWithheld(value)) return { raw: value, e164: null, withheld: true };
  let text = value.trim().replace(/^tel:/i, '').replace(/^sips?:/i, '').replace(/@.*$/, '');
  // "+49 (0)30 …": the (0) is the national prefix that must not be dialled after the country code.
  text = text.replace(/^(\+\d{1,3})\s*\(0\)\s*/, '$1');
  text = text.replace(/^00(?=[1-9])/, '+');
  const digits = text.replace(/[^\d+]/g, '');
  if (digits.length === 0) return { raw: value, e164: null, withheld: false };
  if (!digits.startsWith('+') && digits.replace(/\D/g, '').length <= MAX_EXTENSION_DIGITS) {
    return { raw: value, e164: null, withheld: false };
  }
  let candidate = digits;
  if (!candidate.startsWith('+') && !candidate.startsWith('0') && settings.areaCode) {
    candidate = '0' + settings.areaCode.replace(/^0+/, '') + candidate;
  }
  const parsed = parsePhoneNumberFromString(candidate, settings.defaultCountry as CountryCode);
  if (!parsed || !parsed.isPossible()) return { raw: value, e164: null, withheld: false };
  return { raw: value, e164: parsed.number, withheld: false };
}

/** True when `code` is an ISO 3166-1 alpha-2 country libphonenumber has numbering rules for. */
export function isKnownCountry(code: string): boolean {
  return isSupportedCountry(code);
}
