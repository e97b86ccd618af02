/**
 * Placetel signs each Notify API request when a shared secret is set in its external API settings:
 * `X-PLACETEL-SIGNATURE` is the HMAC-SHA256 of the raw posted body, keyed with the secret, as lowercase
 * hex (the docs compute it with Ruby's `OpenSSL::HMAC.hexdigest` and give a worked example, which the
 * test replays). Source: https://github.com/Placetel/call-control-notify-api (README, "Our POST request").
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header Placetel puts the signature in (HTTP header names are case-insensitive). */
export const PLACETEL_SIGNATURE_HEADER = 'x-placetel-signature';

/**
 * True when `header` is the signature of `rawBody` (the bytes as received, before form parsing) under
 * `secret`. Hex in either case and surrounding whitespace are accepted; anything else, a missing header
 * or an empty secret (which anyone could sign with) is false. Compares in constant time.
 */
export function verifyPlacetelSignature(rawBody: Buffer | string, header: string | undefined, secret: string): boolean {
  if (typeof header !== 'string' || typeof secret !== 'string' || secret === '') return false;
  const given = header.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(given)) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return timingSafeEqual(Buffer.from(given, 'hex'), expected);
}
