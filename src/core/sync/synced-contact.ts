/**
 * A source's record → the contact fields Callbridge stores, and a hash of them. Pure: numbers are
 * read by the function the caller passes (readContactNumber under the tenant's settings), so a
 * change of the tenant's numbering settings changes the hash and the next run rewrites the contact.
 */
import { hash } from 'node:crypto';
import type { ContactNumber, NumberType } from '../contacts/contact.ts';
import { readContactNumber } from '../contacts/contact-number.ts';
import { contactSearchText } from '../contacts/search-text.ts';
import type { NumberingSettings } from '../phone-numbers/phone-number.ts';

/** What a source delivers (structurally the seam's SourceContact). */
export type SourceFields = {
  name: string;
  company: string | null;
  kind: 'person' | 'company';
  numbers: ReadonlyArray<{ number: string; type: NumberType; switchboard?: boolean }>;
  emails: readonly string[];
  notes: string | null;
};

/** The stored fields of a synced contact. */
export type SyncedFields = {
  kind: 'person' | 'company';
  name: string;
  company: string | null;
  numbers: ContactNumber[];
  emails: string[];
  notes: string | null;
};

export type NumberReader = (raw: string, type: NumberType, switchboard: boolean | undefined) => ContactNumber;

export type MappedRecord = { ok: true; fields: SyncedFields } | { ok: false; reason: string };

const MAX_NUMBERS = 20;
const MAX_EMAILS = 20;

/**
 * Cleans and bounds the fields the way manual entries are bounded (name 200, notes 4000 characters,
 * 20 numbers and e-mails), reads the numbers, and refuses a record without a name or without any
 * number Callbridge can read (unreadable numbers beside a readable one are kept as written).
 */
export function mapSourceRecord(source: SourceFields, read: NumberReader): MappedRecord {
  const name = collapse(source.name).slice(0, 200);
  if (!name) return { ok: false, reason: 'no name' };
  const numbers: ContactNumber[] = [];
  const seen = new Set<string>();
  for (const n of source.numbers) {
    const raw = collapse(n.number).slice(0, 64);
    if (!raw || numbers.length >= MAX_NUMBERS) continue;
    const number = read(raw, n.type, n.switchboard);
    const key = number.e164 ?? raw;
    if (seen.has(key)) continue;
    seen.add(key);
    numbers.push(number);
  }
  if (!numbers.some((n) => n.e164)) {
    return { ok: false, reason: numbers.length ? `no usable phone number (${numbers.map((n) => `"${n.raw}"`).join(', ')} cannot be read)` : 'no phone number' };
  }
  const company = collapse(source.company ?? '').slice(0, 200) || null;
  const emails = [...new Set(source.emails.map((e) => e.trim()).filter((e) => /^[^@\s]+@[^@\s]+$/.test(e) && e.length <= 254))].slice(0, MAX_EMAILS);
  const notes = (source.notes ?? '').trim().slice(0, 4000) || null;
  const fields: SyncedFields = { kind: source.kind === 'company' ? 'company' : 'person', name, company, numbers, emails, notes };
  return { ok: true, fields };
}

/**
 * A new or changed record as it is staged: mapped under the tenant's numbering settings, with its
 * search text and its e-mails as stored (a JSON array). Plain data, so that it crosses a worker
 * thread's message port unchanged (sync/record-mapper.ts).
 */
export type PreparedRecord =
  | { ok: true; kind: 'person' | 'company'; name: string; company: string | null; emails: string; notes: string | null; searchText: string; numbers: ContactNumber[] }
  | { ok: false; reason: string };

/** mapSourceRecord with numbers read under `numbering`, then the stored forms (the costly part of a sync: phone number parsing). */
export function prepareRecord(source: SourceFields, numbering: NumberingSettings): PreparedRecord {
  const mapped = mapSourceRecord(source, (raw, type, switchboard) => readContactNumber(raw, type, switchboard, numbering));
  if (!mapped.ok) return mapped;
  const f = mapped.fields;
  return { ok: true, kind: f.kind, name: f.name, company: f.company, emails: JSON.stringify(f.emails), notes: f.notes, searchText: contactSearchText(f), numbers: f.numbers };
}

/** The length of a record hash (base64url: 132 of SHA-256's bits). */
export const HASH_CHARS = 22;

/**
 * A stable hash of a record as the source delivered it, under the numbering settings it is read
 * with. Mapping is a pure function of both, so an equal hash means an equal stored contact: the
 * engine compares this hash with last run's and maps (reads numbers, the costly part) only records
 * that are new or changed. Another area code changes every hash, so every contact is read again.
 * The record id is part of it: two records with the same content never share a hash (core
 * KnownRecords relies on that; hashes stored before 2026-12 lacked it and repeat for such records).
 */
export function hashSource(recordId: string, s: SourceFields, numberingKey: string): string {
  const canonical = JSON.stringify([numberingKey, recordId, s.kind, s.name, s.company, s.numbers.map((n) => [n.number, n.type, n.switchboard ?? null]), s.emails, s.notes]);
  // One-shot hash(): a third of createHash()'s cost, paid once per record of every run.
  return hash('sha256', canonical, 'base64url').slice(0, HASH_CHARS);
}

/**
 * The hash of a record the reader fingerprinted (the raw row with its column plan): cheaper than
 * hashSource, which needs the record read first. Same length and alphabet as hashSource's. The
 * fingerprint determines the record id (it is read from the row), so equal hashes are one record.
 */
export function hashFingerprint(fingerprint: string, numberingKey: string): string {
  return hash('sha256', `${numberingKey}\u0000${fingerprint}`, 'base64url').slice(0, HASH_CHARS);
}

function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
