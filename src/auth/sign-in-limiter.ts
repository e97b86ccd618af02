/**
 * Slows down password guessing: failed sign-ins are counted per account and per client address in a
 * fixed window; past the limit, sign-in answers 429 until the window ends. In memory, per process:
 * enough for one instance; several instances each allow their own share, which still bounds guessing.
 */
export type LimiterOptions = { windowMs: number; perAccount: number; perAddress: number };

const DEFAULTS: LimiterOptions = { windowMs: 15 * 60_000, perAccount: 5, perAddress: 30 };

type Counter = { failures: number; resetAt: number };

export class SignInLimiter {
  #options: LimiterOptions;
  #counters = new Map<string, Counter>();

  constructor(options: Partial<LimiterOptions> = {}) {
    this.#options = { ...DEFAULTS, ...options };
  }

  /** Seconds until another attempt is allowed, or 0 when one is allowed now. */
  retryAfter(account: string, address: string, now = Date.now()): number {
    const wait = (key: string, limit: number) => {
      const c = this.#counters.get(key);
      return c && c.resetAt > now && c.failures >= limit ? Math.ceil((c.resetAt - now) / 1000) : 0;
    };
    return Math.max(wait(`a:${account}`, this.#options.perAccount), wait(`i:${address}`, this.#options.perAddress));
  }

  failed(account: string, address: string, now = Date.now()): void {
    // Bounded memory under a spray of made-up accounts: expired counters go first, then everything.
    if (this.#counters.size > 50_000) {
      for (const [k, c] of this.#counters) if (c.resetAt <= now) this.#counters.delete(k);
      if (this.#counters.size > 50_000) this.#counters.clear();
    }
    for (const key of [`a:${account}`, `i:${address}`]) {
      const c = this.#counters.get(key);
      if (!c || c.resetAt <= now) this.#counters.set(key, { failures: 1, resetAt: now + this.#options.windowMs });
      else c.failures++;
    }
  }

  /** A successful sign-in clears the account's count (not the address's: one good password must not reset a spray). */
  succeeded(account: string): void {
    this.#counters.delete(`a:${account}`);
  }
}
