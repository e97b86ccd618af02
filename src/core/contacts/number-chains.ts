/**
 * The index's storage primitives: typed-array growth and a numeric multimap (see NumberChains).
 */

/** Copies `from` into the larger `to` and returns it. */
export function grow<T extends Uint8Array | Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from as never);
  return to;
}

/**
 * A multimap from a numeric key to number slots: an open-addressing table (linear probing,
 * backward-shift deletion, load ≤ 1/2) holding the first slot of each key, and per slot its key and
 * the next slot with the same key.
 */
export class NumberChains {
  #keys: Float64Array;
  #next: Int32Array;
  #table = new Int32Array(1024).fill(-1);
  #mask = 1023;
  #heads = 0;

  constructor(slots: number) {
    this.#keys = new Float64Array(slots).fill(NaN);
    this.#next = new Int32Array(slots);
  }

  reserve(slots: number): void {
    if (slots <= this.#keys.length) return;
    const keys = new Float64Array(slots).fill(NaN);
    keys.set(this.#keys);
    this.#keys = keys;
    this.#next = grow(this.#next, new Int32Array(slots));
  }

  keyOf(slot: number): number {
    return this.#keys[slot];
  }

  next(slot: number): number {
    return this.#next[slot];
  }

  first(key: number): number {
    const i = this.#find(key);
    return i === -1 ? -1 : this.#table[i];
  }

  add(slot: number, key: number): void {
    this.reserve(slot + 1);
    this.#keys[slot] = key;
    const i = this.#find(key);
    if (i !== -1) {
      // Behind the head: the head stays in the table.
      const head = this.#table[i];
      this.#next[slot] = this.#next[head];
      this.#next[head] = slot;
      return;
    }
    if ((this.#heads + 1) * 2 > this.#table.length) this.#rehash(this.#table.length * 2);
    this.#next[slot] = -1;
    let j = hash(key) & this.#mask;
    while (this.#table[j] !== -1) j = (j + 1) & this.#mask;
    this.#table[j] = slot;
    this.#heads++;
  }

  delete(slot: number): void {
    const key = this.#keys[slot];
    if (Number.isNaN(key)) return;
    const i = this.#find(key);
    this.#keys[slot] = NaN;
    if (i === -1) return;
    const head = this.#table[i];
    if (head !== slot) {
      let prev = head;
      while (this.#next[prev] !== slot && this.#next[prev] !== -1) prev = this.#next[prev];
      if (this.#next[prev] === slot) this.#next[prev] = this.#next[slot];
      return;
    }
    if (this.#next[slot] !== -1) {
      this.#table[i] = this.#next[slot];
      return;
    }
    this.#heads--;
    // Backward-shift: pull later entries of the probe run into the hole so lookups never stop early.
    let hole = i;
    for (let j = (i + 1) & this.#mask; this.#table[j] !== -1; j = (j + 1) & this.#mask) {
      const home = hash(this.#keys[this.#table[j]]) & this.#mask;
      const between = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (between) continue;
      this.#table[hole] = this.#table[j];
      hole = j;
    }
    this.#table[hole] = -1;
  }

  #find(key: number): number {
    const mask = this.#mask;
    const table = this.#table;
    for (let j = hash(key) & mask; ; j = (j + 1) & mask) {
      const slot = table[j];
      if (slot === -1) return -1;
      if (this.#keys[slot] === key) return j;
    }
  }

  #rehash(size: number): void {
    const old = this.#table;
    this.#table = new Int32Array(size).fill(-1);
    this.#mask = size - 1;
    for (const slot of old) {
      if (slot === -1) continue;
      let j = hash(this.#keys[slot]) & this.#mask;
      while (this.#table[j] !== -1) j = (j + 1) & this.#mask;
      this.#table[j] = slot;
    }
  }
}

/** Mixes an integer below 2^53 into 32 bits. */
function hash(key: number): number {
  const lo = key >>> 0;
  const hi = (key / 4294967296) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
