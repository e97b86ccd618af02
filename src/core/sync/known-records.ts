/**
 * What a source delivered last run, as a set of record hashes, for a re-sync of a large source: a
 * million unchanged records then cost one probe each into three typed arrays (about 18 MB), not a
 * million-entry Map of strings. That Map took 1.8 s to fill from the store, a lookup per record,
 * and, once in V8's old generation, made every minor GC of the run several times slower.
 *
 * It needs record hashes that identify the record: equal hashes, equal record id (hashSource
 * includes the id; a reader's fingerprint is the raw row the id is read from). Each hash is kept as
 * a 60-bit key, its first 10 base64url characters. A set where two hashes share a key cannot be
 * built (`add` says so): hashes stored before they included the record id can repeat, and the run
 * then falls back to a Map of record ids.
 */

/** The characters of a hash its key is made of (what `unseenKeys` returns for each). */
export const HASH_KEY_CHARS = 10;

/** base64url character → its 6 bits (-1: not base64url). */
const SEXTET = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('').forEach((c, i) => (SEXTET[c.charCodeAt(0)] = i));

const EMPTY = 0;
const KNOWN = 1;
const SEEN = 2;

export class KnownRecords {
  #high: Int32Array;
  #low: Int32Array;
  #state: Uint8Array;
  #mask: number;
  #size = 0;
  #seen = 0;

  /** `expected`: about how many hashes will be added (the table grows past it). */
  constructor(expected = 0) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.#high = new Int32Array(capacity);
    this.#low = new Int32Array(capacity);
    this.#state = new Uint8Array(capacity);
    this.#mask = capacity - 1;
  }

  get size(): number {
    return this.#size;
  }

  /** Known hashes this run has not delivered (yet). */
  get unseen(): number {
    return this.#size - this.#seen;
  }

  /** Adds last run's hash of one record; false when the set cannot hold it (a key already there, or not a hash of ours). */
  add(hash: string): boolean {
    return this.#add(hash, 0);
  }

  /**
   * Adds hashes of `length` characters each, given back to back in one string (as the store
   * aggregates a page of them: no string per record); false as `add`, or if the text is not such hashes.
   */
  addPacked(hashes: string, length: number): boolean {
    if (length < HASH_KEY_CHARS || hashes.length % length !== 0) return false;
    for (let at = 0; at < hashes.length; at += length) if (!this.#add(hashes, at)) return false;
    return true;
  }

  #add(text: string, at: number): boolean {
    if (this.#size * 2 >= this.#mask + 1) this.#grow();
    const high = half(text, at);
    const low = half(text, at + 5);
    if (high < 0 || low < 0) return false;
    const slot = this.#probe(high, low);
    if (this.#state[slot] !== EMPTY) return false;
    this.#high[slot] = high;
    this.#low[slot] = low;
    this.#state[slot] = KNOWN;
    this.#size++;
    return true;
  }

  /** Marks a known hash delivered by this run; false if it is not known or was delivered already. */
  take(hash: string): boolean {
    const slot = this.#find(hash);
    if (slot < 0 || this.#state[slot] !== KNOWN) return false;
    this.#state[slot] = SEEN;
    this.#seen++;
    return true;
  }

  /** Whether this run delivered the known hash already (undefined: not a known hash). */
  delivered(hash: string): boolean | undefined {
    const slot = this.#find(hash);
    return slot < 0 ? undefined : this.#state[slot] === SEEN;
  }

  /** The key (first 10 characters) of every known hash not delivered by this run. */
  unseenKeys(): string[] {
    const keys: string[] = [];
    for (let slot = 0; slot <= this.#mask; slot++) if (this.#state[slot] === KNOWN) keys.push(chars(this.#high[slot]) + chars(this.#low[slot]));
    return keys;
  }

  /** Whether `hash` is a known hash not delivered by this run (for filtering rows by key). */
  isUnseen(hash: string): boolean {
    return this.delivered(hash) === false;
  }

  /** Twice the slots, every key placed again (at most half the slots are ever used). */
  #grow(): void {
    const [high, low, state] = [this.#high, this.#low, this.#state];
    const capacity = state.length * 2;
    this.#high = new Int32Array(capacity);
    this.#low = new Int32Array(capacity);
    this.#state = new Uint8Array(capacity);
    this.#mask = capacity - 1;
    for (let slot = 0; slot < state.length; slot++) {
      if (state[slot] === EMPTY) continue;
      const to = this.#probe(high[slot], low[slot]);
      this.#high[to] = high[slot];
      this.#low[to] = low[slot];
      this.#state[to] = state[slot];
    }
  }

  #find(hash: string): number {
    const high = half(hash, 0);
    const low = half(hash, 5);
    if (high < 0 || low < 0) return -1;
    const slot = this.#probe(high, low);
    return this.#state[slot] === EMPTY ? -1 : slot;
  }

  /** The slot holding the key, or the empty slot where it would go (linear probing; the keys are hash bits already). */
  #probe(high: number, low: number): number {
    let slot = (low ^ Math.imul(high, 0x9e3779b1)) & this.#mask;
    while (this.#state[slot] !== EMPTY && (this.#high[slot] !== high || this.#low[slot] !== low)) slot = (slot + 1) & this.#mask;
    return slot;
  }
}

/** Characters from..from+4 of a base64url hash as 30 bits; -1 if there are not five base64url characters. */
function half(hash: string, from: number): number {
  let bits = 0;
  for (let i = from; i < from + HASH_KEY_CHARS / 2; i++) {
    const c = hash.charCodeAt(i);
    const v = c < 128 ? SEXTET[c] : -1;
    if (v < 0) return -1;
    bits = (bits << 6) | v;
  }
  return bits;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function chars(bits: number): string {
  let s = '';
  for (let shift = 24; shift >= 0; shift -= 6) s += ALPHABET[(bits >> shift) & 63];
  return s;
}

