/**
 * Encrypts secrets at rest (AES-256-GCM). The key comes from CALLBRIDGE_SECRET_KEY (32 bytes as
 * base64 or hex, or any passphrase, stretched with scrypt) or from `secret.key` in the data directory,
 * generated on first use with mode 0600. Losing the key makes stored secrets unreadable, by design.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PREFIX = 'v1:';

export class SecretBox {
  #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('secret key must be 32 bytes');
    this.#key = key;
  }

  static fromEnvOrFile(envValue: string | undefined, dataDir: string): SecretBox {
    if (envValue) return new SecretBox(parseKey(envValue));
    const file = join(dataDir, 'secret.key');
    if (!existsSync(file)) {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    }
    return new SecretBox(parseKey(readFileSync(file, 'utf8').trim()));
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /**
   * Splits validated options into the plain ones (stored as they are) and the secret ones (named by
   * the type), sealed together as JSON; null when the options hold no secret.
   */
  sealOptions(checked: Record<string, unknown>, secretOptions: readonly string[]): { options: Record<string, unknown>; secrets: string | null } {
    const options: Record<string, unknown> = {};
    const secrets: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(checked)) (secretOptions.includes(k) ? secrets : options)[k] = v;
    return { options, secrets: Object.keys(secrets).length ? this.seal(JSON.stringify(secrets)) : null };
  }

  open(sealed: string): string {
    if (!sealed.startsWith(PREFIX)) throw new Error('not a sealed secret');
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}

function parseKey(value: string): Buffer {
  if (/^[0-9a-f]{64}$/i.test(value)) return Buffer.from(value, 'hex');
  const b64 = Buffer.from(value, 'base64');
  if (b64.length === 32 && /^[A-Za-z0-9+/=_-]+$/.test(value)) return b64;
  return scryptSync(value, 'callbridge-secret-key', 32);
}
