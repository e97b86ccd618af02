/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/, spec "Signature scheme"): the
 * signature is HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${body}` with the secret's bytes
 * (the base64 part of `whsec_…`), sent as `webhook-signature: v1,<base64>`. The timestamp is Unix
 * seconds; receivers reject stale ones, which stops replays of captured requests.
 */
import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** A new secret: 32 random bytes, `whsec_<base64>`. Shown to the user once, stored sealed. */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

export function isWebhookSecret(secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX)) return false;
  const bytes = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  return bytes.length >= 24 && bytes.length <= 64;
}

/** The three headers for one request. `timestamp` is in seconds. */
export function signatureHeaders(secret: string, id: string, timestamp: number, body: string): Record<string, string> {
  const key = keyOf(secret);
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` };
}

/** HMAC keys by secret: building a key object per request costs more than the HMAC itself. */
const keys = new Map<string, KeyObject>();

function keyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64'));
    if (keys.size >= 1_000) keys.clear();
    keys.set(secret, key);
  }
  return key;
}
