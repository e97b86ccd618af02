/**
 * One tenant's phonebook in memory, for answering "who is calling" without I/O. Pure.
 *
 * Matching, in this order (the first step that finds a visible contact answers):
 *   1. exact — a contact number whose E.164 equals the caller's;
 *   2. company (DDI fallback) — the caller is a switchboard's base followed by 1–5 more digits (an
 *      extension of that company's PBX). The base is the switchboard's E.164 without its trailing 0
 *      (`+49 89 445566-0` → `+4989445566`), or the whole number when it does not end in 0. The longest
 *      base wins, so a department's own switchboard beats its company's;
 *   3. suffix — only when asked (`suffixDigits`): numbers whose last N digits equal the caller's, both
 *      having at least N digits.
 * A caller is never matched by a mere prefix of it: a caller shorter than a stored number, or equal to
 * its first digits, matches nothing through that number.
 *
 * Visibility: the company phonebook (ownerUserId null) plus the personal contacts of `ownerUserId`;
 * other users' personal contacts are never returned, not even as candidates.
 *
 * Policy among the candidates of the answering step (each contact once), best first:
 *   personal (the owner's) before company-wide, manual before synced, person before company entry,
 *   most recently updated first, then by id (so the answer is stable).
 * `match` is the first candidate; `candidates` lists them all.
 *
 * Memory: 1M contacts must fit in well under 400 MB, so Contact objects are not kept, nor the numbers'
 * raw forms (a match names its number in E.164). Each contact is
 * a slot in parallel arrays (id, name, interned company and owner, flags, updatedAt as a double) and
 * each number a slot in typed arrays; E.164 numbers are keyed as doubles (15 digits < 2^53, and E.164
 * has no leading zero, so the value identifies the digits) in an open-addressing table of int32 slot
 * heads with per-number chains for numbers shared by several contacts.
 */
import type { Contact, LookupMatch, LookupResult, MatchType } from './contact.ts';
import { grow, NumberChains } from './number-chains.ts';

const FLAG_COMPANY = 1;
const FLAG_SYNCED = 2;

/** The most extension digits behind a switchboard base that still count as that company. */
const MAX_EXTENSION_DIGITS = 5;

const E164 = /^\+[1-9]\d{1,14}$/;
const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

export type LookupOptions = {
  /** Whose personal contacts are consulted (first); null or absent: the company phonebook only. */
  ownerUserId?: string | null;
  /** Enables suffix matching on the last N digits (the tenant's setting); null or absent: off. */
  suffixDigits?: number | null;
};

export class PhonebookIndex {
  // Contacts, by slot.
  #slotOf = new Map<string, number>();
  #ids: string[] = [];
  #names: string[] = [];
  #companies: (string | null)[] = [];
  #owners: (string | null)[] = [];
  #flags = new Uint8Array(1024);
  #updated = new Float64Array(1024);
  #firstNumber = new Int32Array(1024);
  #freeContacts: number[] = [];
  // Numbers, by slot.
  #contactOf = new Int32Array(1024);
  #nextOfContact = new Int32Array(1024);
  #numberSlots = 0;
  #freeNumbers: number[] = [];
  #exact = new NumberChains(1024);
  /** Switchboard base → its number slots (few: one per company). */
  #bases = new Map<number, number[]>();
  /** Built on the first suffix lookup with that N, kept current afterwards. */
  #suffixes = new Map<number, NumberChains>();
  #strings = new Map<string, string>();

  get size(): number {
    return this.#slotOf.size;
  }

  /** Adds a contact or replaces the previous version with the same id (numbers included). */
  upsert(contact: Contact): void {
    this.remove(contact.id);
    const c = this.#freeContacts.pop() ?? this.#ids.length;
    if (c === this.#ids.length) {
      this.#ids.push(contact.id);
      this.#names.push(contact.name);
      this.#companies.push(this.#intern(contact.company));
      this.#owners.push(this.#intern(contact.ownerUserId));
      if (c >= this.#flags.length) this.#growContacts(c + 1);
    } else {
      this.#ids[c] = contact.id;
      this.#names[c] = contact.name;
      this.#companies[c] = this.#intern(contact.company);
      this.#owners[c] = this.#intern(contact.ownerUserId);
    }
    this.#slotOf.set(contact.id, c);
    this.#flags[c] = (contact.kind === 'company' ? FLAG_COMPANY : 0) | (contact.origin === 'synced' ? FLAG_SYNCED : 0);
    const updated = Date.parse(contact.updatedAt);
    this.#updated[c] = Number.isNaN(updated) ? 0 : updated;
    this.#firstNumber[c] = -1;
    for (const number of contact.numbers) {
      if (!number.e164 || !E164.test(number.e164)) continue;
      const key = Number(number.e164.slice(1));
      const n = this.#freeNumbers.pop() ?? this.#numberSlots++;
      if (n >= this.#contactOf.length) this.#growNumbers(n + 1);
      this.#contactOf[n] = c;
      this.#nextOfContact[n] = this.#firstNumber[c];
      this.#firstNumber[c] = n;
      this.#exact.add(n, key);
      if (number.switchboard) {
        const base = key % 10 === 0 ? key / 10 : key;
        const list = this.#bases.get(base);
        if (list) list.push(n);
        else this.#bases.set(base, [n]);
      }
      for (const [digits, chains] of this.#suffixes) if (key >= POW10[digits - 1]) chains.add(n, key % POW10[digits]);
    }
  }

  /** Forgets a contact; unknown ids are ignored. */
  remove(contactId: string): void {
    const c = this.#slotOf.get(contactId);
    if (c === undefined) return;
    this.#slotOf.delete(contactId);
    for (let n = this.#firstNumber[c]; n !== -1; n = this.#nextOfContact[n]) {
      const key = this.#exact.keyOf(n);
      this.#exact.delete(n);
      for (const chains of this.#suffixes.values()) chains.delete(n);
      const base = key % 10 === 0 ? key / 10 : key;
      const list = this.#bases.get(base);
      const at = list ? list.indexOf(n) : -1;
      if (at !== -1) {
        list!.splice(at, 1);
        if (list!.length === 0) this.#bases.delete(base);
      }
      this.#freeNumbers.push(n);
    }
    this.#firstNumber[c] = -1;
    this.#ids[c] = '';
    this.#names[c] = '';
    this.#companies[c] = null;
    this.#owners[c] = null;
    this.#freeContacts.push(c);
  }

  /**
   * Who is calling from `e164` (already normalized under the tenant's settings). Withheld or
   * unreadable numbers (null, or not E.164) give `match: null`.
   */
  lookup(e164: string | null, options: LookupOptions = {}): LookupResult {
    if (e164 === null || !E164.test(e164)) return { number: null, match: null, candidates: [] };
    const owner = options.ownerUserId ?? null;
    const key = Number(e164.slice(1));
    const digits = e164.length - 1;

    let found = this.#collect(this.#exact, key, owner);
    let matchType: MatchType = 'exact';
    if (found.length === 0) {
      matchType = 'company';
      for (let r = 1; r <= MAX_EXTENSION_DIGITS && r < digits && found.length === 0; r++) {
        const base = (key - (key % POW10[r])) / POW10[r];
        const list = this.#bases.get(base);
        if (list) found = this.#visible(list, owner);
      }
    }
    const n = options.suffixDigits;
    if (found.length === 0 && n != null && Number.isInteger(n) && n >= 1 && n <= 15 && digits >= n) {
      matchType = 'suffix';
      found = this.#collect(this.#suffixChains(n), key % POW10[n], owner);
    }
    if (found.length === 0) return { number: e164, match: null, candidates: [] };
    if (found.length > 2) found.sort((a, b) => this.#compare(a, b, owner));
    else if (found.length === 2 && this.#compare(found[0], found[1], owner) > 0) found.reverse();
    const candidates = found.map((num) => this.#match(num, matchType, matchType === 'exact' ? e164 : null));
    return { number: e164, match: candidates[0], candidates };
  }

  /** Visible number slots under `key`, one per contact. */
  #collect(chains: NumberChains, key: number, owner: string | null): number[] {
    const found: number[] = [];
    for (let n = chains.first(key); n !== -1; n = chains.next(n)) this.#admit(found, n, owner);
    return found;
  }

  #visible(slots: number[], owner: string | null): number[] {
    const found: number[] = [];
    for (const n of slots) this.#admit(found, n, owner);
    return found;
  }

  #admit(found: number[], n: number, owner: string | null): void {
    const c = this.#contactOf[n];
    const o = this.#owners[c];
    if (o !== null && o !== owner) return;
    for (const m of found) if (this.#contactOf[m] === c) return;
    found.push(n);
  }

  /** The policy in the header, as a comparator over number slots. */
  #compare(a: number, b: number, owner: string | null): number {
    const ca = this.#contactOf[a];
    const cb = this.#contactOf[b];
    const pa = owner !== null && this.#owners[ca] === owner ? 0 : 1;
    const pb = owner !== null && this.#owners[cb] === owner ? 0 : 1;
    if (pa !== pb) return pa - pb;
    const fa = this.#flags[ca];
    const fb = this.#flags[cb];
    if ((fa & FLAG_SYNCED) !== (fb & FLAG_SYNCED)) return (fa & FLAG_SYNCED) - (fb & FLAG_SYNCED);
    if ((fa & FLAG_COMPANY) !== (fb & FLAG_COMPANY)) return (fa & FLAG_COMPANY) - (fb & FLAG_COMPANY);
    if (this.#updated[ca] !== this.#updated[cb]) return this.#updated[cb] - this.#updated[ca];
    return this.#ids[ca] < this.#ids[cb] ? -1 : this.#ids[ca] > this.#ids[cb] ? 1 : 0;
  }

  /** `e164`: the number's E.164 when the caller already has it (an exact match), else it is spelled from its key. */
  #match(n: number, matchType: MatchType, e164: string | null): LookupMatch {
    const c = this.#contactOf[n];
    return {
      contactId: this.#ids[c],
      name: this.#names[c],
      company: this.#companies[c],
      matchType,
      number: e164 ?? spell(this.#exact.keyOf(n)),
      origin: this.#flags[c] & FLAG_SYNCED ? 'synced' : 'manual',
      personal: this.#owners[c] !== null,
    };
  }

  #suffixChains(digits: number): NumberChains {
    let chains = this.#suffixes.get(digits);
    if (!chains) {
      chains = new NumberChains(this.#contactOf.length);
      const min = POW10[digits - 1];
      for (const c of this.#slotOf.values()) {
        for (let n = this.#firstNumber[c]; n !== -1; n = this.#nextOfContact[n]) {
          const key = this.#exact.keyOf(n);
          if (key >= min) chains.add(n, key % POW10[digits]);
        }
      }
      this.#suffixes.set(digits, chains);
    }
    return chains;
  }

  /** Companies and owners repeat across many contacts: keep one copy of each. */
  #intern(value: string | null): string | null {
    if (value === null) return null;
    const known = this.#strings.get(value);
    if (known !== undefined) return known;
    this.#strings.set(value, value);
    return value;
  }

  #growContacts(min: number): void {
    const size = Math.max(min, this.#flags.length * 2);
    this.#flags = grow(this.#flags, new Uint8Array(size));
    this.#updated = grow(this.#updated, new Float64Array(size));
    this.#firstNumber = grow(this.#firstNumber, new Int32Array(size));
  }

  #growNumbers(min: number): void {
    const size = Math.max(min, this.#contactOf.length * 2);
    this.#contactOf = grow(this.#contactOf, new Int32Array(size));
    this.#nextOfContact = grow(this.#nextOfContact, new Int32Array(size));
    this.#exact.reserve(size);
    for (const chains of this.#suffixes.values()) chains.reserve(size);
  }
}

/**
 * `+` and the digits of an E.164 key. Not `+${key}`: a key past 2^31 is a double, and V8 puts the
 * string of a double into its number-string cache in the old generation. Spelling one per lookup
 * kept the major GC's incremental marking busy on the lookup thread, and its steps made about 1 % of
 * lookups take 20–40 µs (the p99). The two halves below 10^8 are small integers, whose strings are
 * young garbage.
 */
function spell(key: number): string {
  if (key < 1e8) return `+${key}`;
  const high = Math.floor(key / 1e8);
  return `+${high}${String(key - high * 1e8 + 1e8).slice(1)}`;
}
