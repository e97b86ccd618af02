/**
 * API keys: `cb_<prefix>_<secret>`. Only the SHA-256 of the whole key is stored; the prefix finds the
 * row and is safe to show. Keys are scoped to one tenant and one role.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { uuidv7 } from '../core/ids.ts';
import type { ApiKeyRecord } from '../storage/repositories/api-keys-repository.ts';
import type { Store } from '../storage/store.ts';

export const ROLES = ['admin', 'agent', 'ingest'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

const KEY_PATTERN = /^cb_([a-z0-9]{10})_([A-Za-z0-9_-]{32})$/;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export type NewKey = { key: string; record: ApiKeyRecord };

/** Creates and stores a key. The plain key is returned once and never again. */
export async function createApiKey(
  store: Store,
  input: { tenantId: string; role: Role; name: string; extension?: string | null },
  now = new Date(),
): Promise<NewKey> {
  const prefix = randomBytes(8).toString('hex').slice(0, 10);
  const secret = randomBytes(24).toString('base64url');
  const key = `cb_${prefix}_${secret}`;
  const record: ApiKeyRecord = {
    id: uuidv7(now.getTime()),
    tenantId: input.tenantId,
    name: input.name,
    role: input.role,
    prefix,
    hash: hashKey(key),
    createdAt: now.toISOString(),
    lastUsedAt: null,
    revokedAt: null,
    extension: input.extension ?? null,
  };
  await store.apiKeys.insert(record);
  return { key, record };
}

/** Who is calling: the key's tenant and role, and for agent keys the extension they act for. */
export type KeyPrincipal = { keyId: string; tenantId: string; role: Role; extension: string | null };

/**
 * Verifies a presented key. Verified keys are cached for a few seconds (ingest verifies one key per
 * request); a revocation takes effect within that time on every instance.
 */
export class KeyVerifier {
  #store: Store;
  #cache = new Map<string, { principal: KeyPrincipal; until: number }>();
  #ttlMs: number;

  constructor(store: Store, ttlMs = 5_000) {
    this.#store = store;
    this.#ttlMs = ttlMs;
  }

  /** The principal of a key verified within the last few seconds, without I/O; else undefined. */
  cached(presented: string | undefined): KeyPrincipal | undefined {
    if (!presented) return undefined;
    const hit = this.#cache.get(presented);
    return hit && hit.until > Date.now() ? hit.principal : undefined;
  }

  async verify(presented: string | undefined): Promise<KeyPrincipal | undefined> {
    const cached = this.cached(presented);
    if (cached || !presented) return cached;
    const match = KEY_PATTERN.exec(presented);
    if (!match) return undefined;
    const hash = hashKey(presented);
    const record = await this.#store.apiKeys.findByPrefix(match[1]);
    if (!record || record.revokedAt || !isRole(record.role)) return undefined;
    if (!timingSafeEqual(Buffer.from(record.hash, 'hex'), Buffer.from(hash, 'hex'))) return undefined;
    const principal: KeyPrincipal = { keyId: record.id, tenantId: record.tenantId, role: record.role, extension: record.extension };
    // Recorded when the cache is refilled, so at most once per key every few seconds; best effort.
    this.#store.apiKeys.touch(record.id, new Date().toISOString()).catch(() => {});
    if (this.#cache.size > 10_000) this.#cache.clear();
    // Keyed by the presented key: only keys that verified get in, and a hit then costs no hashing.
    this.#cache.set(presented, { principal, until: Date.now() + this.#ttlMs });
    return principal;
  }

  /** Drops cached verifications (after a revocation in this process). */
  forget(): void {
    this.#cache.clear();
  }
}
