/**
 * Sessions for people signed in to the web UI. The cookie carries a random token; the store keeps only
 * its SHA-256 (a stolen database opens no session). The CSRF token is derived from the session token,
 * so it needs no storage and a page on another origin, which cannot read the HttpOnly cookie, cannot
 * compute it. A session acts like an API key of the user's role; for agents with the user's extension.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { uuidv7 } from '../core/ids.ts';
import type { User } from '../storage/repositories/users-repository.ts';
import type { Store } from '../storage/store.ts';
import type { KeyPrincipal } from './api-keys.ts';
import { dummyHash, hashPassword, verifyPassword } from './passwords.ts';
import { SignInLimiter } from './sign-in-limiter.ts';

export const SESSION_COOKIE = 'cb_session';
export const WEB_ROLES = ['admin', 'agent'] as const;
export type WebRole = (typeof WEB_ROLES)[number];

export function isWebRole(value: string): value is WebRole {
  return (WEB_ROLES as readonly string[]).includes(value);
}

/** A verified session: who it is and what it may do. */
export type ActiveSession = { sessionId: string; user: User; role: WebRole; expiresAt: string; principal: KeyPrincipal };

export type SignInResult =
  | { ok: true; token: string; session: ActiveSession }
  /** Unknown user, no login, or a wrong password: the same answer for each (401). */
  | { ok: false; reason: 'invalid' }
  /** Too many failures for this account or address (429). */
  | { ok: false; reason: 'limited'; retryAfterSeconds: number };

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export class WebSessions {
  #store: Store;
  #ttlMs: number;
  #limiter: SignInLimiter;
  #cache = new Map<string, { session: ActiveSession; until: number }>();

  constructor(store: Store, options: { ttlMs?: number; limiter?: SignInLimiter } = {}) {
    this.#store = store;
    this.#ttlMs = options.ttlMs ?? 12 * 3600_000;
    this.#limiter = options.limiter ?? new SignInLimiter();
  }

  /** How long a session lasts, in seconds (the cookie's Max-Age). */
  get maxAgeSeconds(): number {
    return Math.floor(this.#ttlMs / 1000);
  }

  async signIn(input: { tenantId: string; identifier: string; password: string; address: string }, now = new Date()): Promise<SignInResult> {
    const identifier = input.identifier.trim();
    const account = `${input.tenantId}\n${identifier.toLowerCase()}`;
    const wait = this.#limiter.retryAfter(account, input.address, now.getTime());
    if (wait > 0) return { ok: false, reason: 'limited', retryAfterSeconds: wait };
    const found = identifier ? await this.#store.webSessions.findByIdentifier(input.tenantId, identifier) : undefined;
    // An unknown user costs a full scrypt too, so timing does not tell which accounts exist.
    const matches = await verifyPassword(input.password, found?.login.passwordHash ?? (await dummyHash()));
    if (!found || !matches || !isWebRole(found.login.role)) {
      this.#limiter.failed(account, input.address, now.getTime());
      return { ok: false, reason: 'invalid' };
    }
    this.#limiter.succeeded(account);
    const token = randomBytes(32).toString('base64url');
    const record = {
      id: uuidv7(now.getTime()),
      tenantId: input.tenantId,
      userId: found.user.id,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.#ttlMs).toISOString(),
    };
    await this.#store.webSessions.insertSession(record, sha256(token));
    // Expired sessions are swept on sign-in: rare enough to cost nothing, often enough to stay small.
    await this.#store.webSessions.deleteExpired(now.toISOString());
    return { ok: true, token, session: activeSession(record.id, found.user, found.login.role, record.expiresAt) };
  }

  /** The session of a cookie token, or undefined (unknown, expired, user gone). Cached for a few seconds. */
  async verify(token: string | undefined, now = Date.now()): Promise<ActiveSession | undefined> {
    if (!token || !TOKEN_PATTERN.test(token)) return undefined;
    const hit = this.#cache.get(token);
    if (hit && hit.until > now && Date.parse(hit.session.expiresAt) > now) return hit.session;
    const record = await this.#store.webSessions.sessionByHash(sha256(token));
    if (!record || Date.parse(record.expiresAt) <= now) return undefined;
    const [user, login] = await Promise.all([this.#store.users.get(record.tenantId, record.userId), this.#store.webSessions.login(record.userId)]);
    if (!user || !login || !isWebRole(login.role)) return undefined;
    const session = activeSession(record.id, user, login.role, record.expiresAt);
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(token, { session, until: now + 5_000 });
    return session;
  }

  async signOut(token: string | undefined): Promise<void> {
    const session = await this.verify(token);
    if (token) this.#cache.delete(token);
    if (session) await this.#store.webSessions.deleteSession(session.sessionId);
  }

  /** The CSRF token of a session: the page sends it back in `x-csrf-token` on every change. */
  csrfToken(token: string): string {
    return createHash('sha256').update(`callbridge-csrf\n${token}`).digest('base64url');
  }

  csrfMatches(token: string, presented: string | undefined): boolean {
    if (!presented) return false;
    const expected = Buffer.from(this.csrfToken(token));
    const actual = Buffer.from(presented);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  /** Gives a user a password and role; ends the user's sessions (a changed password locks others out). */
  async setPassword(user: User, password: string, role: WebRole, now = new Date()): Promise<void> {
    await this.#store.webSessions.setLogin({ userId: user.id, tenantId: user.tenantId, passwordHash: await hashPassword(password), role, updatedAt: now.toISOString() });
    this.#cache.clear();
  }
}

function activeSession(sessionId: string, user: User, role: WebRole, expiresAt: string): ActiveSession {
  // keyId names the session, so anything that records "which credential did this" can tell them apart.
  const principal: KeyPrincipal = { keyId: `session:${sessionId}`, tenantId: user.tenantId, role, extension: user.extension };
  return { sessionId, user, role, expiresAt, principal };
}
