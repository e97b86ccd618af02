/**
 * The `webhook` handler: Callbridge's own signed webhooks. The row holds the event; the URL and the
 * secret are read from the subscription at send time, so a corrected URL applies to retries and
 * replays too. The body is the same bytes on every attempt, signed per Standard Webhooks with the
 * delivery id as `webhook-id` (the receiver's idempotency key).
 */
import type { SecretCache } from './secret-cache.ts';
import type { AttemptOutcome, DeliveryAttempt, DeliveryHandler } from './delivery.ts';
import type { Destinations } from './destinations.ts';
import { sendRequest } from './http-sender.ts';
import type { SafeDispatchers } from './safe-dispatcher.ts';
import { signatureHeaders } from './webhook-signature.ts';

export class WebhookDeliveryHandler implements DeliveryHandler {
  readonly kind = 'webhook';
  #destinations: Destinations;
  #dispatchers: SafeDispatchers;
  #secrets: SecretCache;

  constructor(destinations: Destinations, dispatchers: SafeDispatchers, secrets: SecretCache) {
    this.#destinations = destinations;
    this.#dispatchers = dispatchers;
    this.#secrets = secrets;
  }

  async attempt(d: DeliveryAttempt): Promise<AttemptOutcome> {
    const endpoint = await this.#destinations.endpoint(d.endpointId);
    if (!endpoint?.url) return { outcome: 'failed', error: 'the webhook subscription was deleted' };
    const body = JSON.stringify(d.payload);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (endpoint.secret) Object.assign(headers, signatureHeaders(this.#secrets.open(endpoint.secret), d.id, Math.floor(Date.now() / 1000), body));
    const allowList = await this.#destinations.allowList(d.tenantId);
    return sendRequest(this.#dispatchers, allowList, { method: 'POST', url: endpoint.url, headers, body }, d.signal);
  }
}
