/**
 * Phone numbers as they arrive from PBXs: kept raw, normalized to E.164 where they are external
 * numbers, flagged as withheld where the caller suppressed them. Pure: no I/O.
 */
import { Metadata, isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

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

/** Longest local subscriber number (without area code) in the numbering plans we serve. */
const MAX_SUBSCRIBER_DIGITS = 9;

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
  const country = settings.defaultCountry as CountryCode;
  if (!digits.startsWith('+') && !digits.startsWith('0')) {
    // Bare digits are either a local number (needs the area code) or an international number written
    // without `+` (sipgate and others send 4930…). Subscriber numbers have at most 9 digits, so a
    // longer one that is a valid international number is read as such; otherwise the valid reading wins.
    const local = settings.areaCode ? parsePhoneNumberFromString('0' + settings.areaCode.replace(/^0+/, '') + digits, country) : undefined;
    const international = parsePhoneNumberFromString('+' + digits);
    if (digits.length > MAX_SUBSCRIBER_DIGITS && international?.isValid()) return { raw: value, e164: international.number, withheld: false };
    if (local?.isValid()) return { raw: value, e164: local.number, withheld: false };
    // Countries without area codes (Denmark) write the whole national number as bare digits.
    const national = parsePhoneNumberFromString(digits, country);
    if (national?.isValid()) return { raw: value, e164: national.number, withheld: false };
    if (international?.isValid()) return { raw: value, e164: international.number, withheld: false };
    if (local?.isPossible()) return { raw: value, e164: local.number, withheld: false };
    // In a closed numbering plan (no trunk prefix, as in Denmark) bare digits are the whole number;
    // elsewhere, without an area code a bare local number cannot be placed: keep it raw, never guess.
    if (!hasTrunkPrefix(country) && national?.isPossible()) return { raw: value, e164: national.number, withheld: false };
    return { raw: value, e164: null, withheld: false };
  }
  const parsed = parsePhoneNumberFromString(digits, country);
  if (!parsed || !parsed.isPossible()) return { raw: value, e164: null, withheld: false };
  return { raw: value, e164: parsed.number, withheld: false };
}

const metadata = new Metadata();

/** Whether national numbers of `country` are dialled with a trunk prefix (0 in DE, none in DK). */
function hasTrunkPrefix(country: CountryCode): boolean {
  if (!isSupportedCountry(country)) return true;
  metadata.selectNumberingPlan(country);
  // nationalPrefix() exists at runtime but is missing from the package's type declarations.
  const plan = metadata.numberingPlan as unknown as { nationalPrefix(): string | undefined } | undefined;
  return Boolean(plan?.nationalPrefix());
}

/** True when `code` is an ISO 3166-1 alpha-2 country libphonenumber has numbering rules for. */
export function isKnownCountry(code: string): boolean {
  return isSupportedCountry(code);
}

/**
 * A reader for one tenant's settings that remembers what it read: the same DIDs and callers recur all
 * day, and parsing is the costliest step of an event. Bounded; forgets everything when full.
 */
export function numberReader(settings: NumberingSettings, capacity = 10_000): (raw: string) => PhoneNumber {
  const memo = new Map<string, PhoneNumber>();
  return (raw) => {
    let hit = memo.get(raw);
    if (!hit) {
      if (memo.size >= capacity) memo.clear();
      hit = Object.freeze(normalizeNumber(raw, settings));
      memo.set(raw, hit);
    }
    return { ...hit };
  };
}
