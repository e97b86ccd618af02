/**
 * Opened signing secrets, by their sealed form: opening (AES-GCM) on every attempt costs more than
 * the signature itself at thousands of deliveries a second. A changed secret has a new sealed form,
 * so entries never go stale; the map is bounded.
 */
import type { SecretBox } from '../storage/secret-box.ts';

export class SecretCache {
  #box: SecretBox;
  #opened = new Map<string, string>();

  constructor(box: SecretBox) {
    this.#box = box;
  }

  open(sealed: string): string {
    let plain = this.#opened.get(sealed);
    if (plain === undefined) {
      plain = this.#box.open(sealed);
      if (this.#opened.size >= 1_000) this.#opened.clear();
      this.#opened.set(sealed, plain);
    }
    return plain;
  }
}
