/**
 * The `http` handler: sends a request the producer rendered (`HttpDeliveryPayload`: employee
 * integration, server-side URL actions), signed per Standard Webhooks with the endpoint's secret when
 * asked, through the SSRF-guarded dispatcher of the tenant's allow-list.
 */
import type { SecretCache } from './secret-cache.ts';
import type { AttemptOutcome, DeliveryAttempt, DeliveryHandler, HttpDeliveryPayload } from './delivery.ts';
import type { Destinations } from './destinations.ts';
import { sendRequest } from './http-sender.ts';
import type { SafeDispatchers } from './safe-dispatcher.ts';
import { signatureHeaders } from './webhook-signature.ts';

export class HttpDeliveryHandler implements DeliveryHandler {
  readonly kind = 'http';
  #destinations: Destinations;
  #dispatchers: SafeDispatchers;
  #secrets: SecretCache;

  constructor(destinations: Destinations, dispatchers: SafeDispatchers, secrets: SecretCache) {
    this.#destinations = destinations;
    this.#dispatchers = dispatchers;
    this.#secrets = secrets;
  }

  async attempt(d: DeliveryAttempt): Promise<AttemptOutcome> {
    const p = d.payload as HttpDeliveryPayload;
    const headers = { ...p.headers };
    if (p.sign) {
      const endpoint = await this.#destinations.endpoint(d.endpointId);
      if (!endpoint?.secret) return { outcome: 'failed', error: 'the delivery asks to be signed but its endpoint has no secret' };
      Object.assign(headers, signatureHeaders(this.#secrets.open(endpoint.secret), d.id, Math.floor(Date.now() / 1000), p.body ?? ''));
    }
    const allowList = await this.#destinations.allowList(d.tenantId);
    return sendRequest(this.#dispatchers, allowList, { method: p.method, url: p.url, headers, body: p.body }, d.signal);
  }
}
