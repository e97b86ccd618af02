/**
 * The delivery engine's parts, built once by the composition root: the outbox producers write to, the
 * worker that sends, its handlers, the webhook producer (a journal consumer) and the caches the API
 * must drop when it changes an endpoint or a tenant's allow-list.
 */
import type { SecretBox } from '../storage/secret-box.ts';
import type { Store } from '../storage/store.ts';
import { DeliveryWorker, type WorkerOptions } from './delivery-worker.ts';
import { Destinations } from './destinations.ts';
import { HttpDeliveryHandler } from './http-handler.ts';
import { DEFAULT_TIMEOUTS, SafeDispatchers, type DispatcherTimeouts } from './safe-dispatcher.ts';
import { SecretCache } from './secret-cache.ts';
import { StoreOutbox } from './store-outbox.ts';
import { WebhookDeliveryHandler } from './webhook-handler.ts';
import { WebhookProducer } from './webhook-producer.ts';

export type DeliveryOptions = Partial<WorkerOptions> & { timeouts?: DispatcherTimeouts };

export type DeliveryServices = {
  outbox: StoreOutbox;
  worker: DeliveryWorker;
  webhooks: WebhookProducer;
  destinations: Destinations;
  dispatchers: SafeDispatchers;
  /** Drops every cache about one endpoint (after an API change). */
  endpointChanged(tenantId: string, endpointId: string): void;
  /** Stops the worker and closes pooled connections. */
  stop(): Promise<void>;
};

export function createDeliveryServices(store: Store, secrets: SecretBox, options: DeliveryOptions = {}, log?: { warn(obj: object, msg: string): void }): DeliveryServices {
  const { timeouts, ...worker } = options;
  const outbox = new StoreOutbox(store);
  const destinations = new Destinations(store);
  const dispatchers = new SafeDispatchers(timeouts ?? DEFAULT_TIMEOUTS);
  const opened = new SecretCache(secrets);
  const handlers = [new HttpDeliveryHandler(destinations, dispatchers, opened), new WebhookDeliveryHandler(destinations, dispatchers, opened)];
  const w = new DeliveryWorker(store, handlers, { attemptTimeoutMs: (timeouts ?? DEFAULT_TIMEOUTS).totalMs, ...worker }, log);
  outbox.onEnqueue(() => w.wake());
  const webhooks = new WebhookProducer(store, outbox);
  w.onEndpointDisabled((tenantId, endpointId) => {
    destinations.forgetEndpoint(endpointId);
    webhooks.forget(tenantId);
  });
  return {
    outbox,
    worker: w,
    webhooks,
    destinations,
    dispatchers,
    endpointChanged(tenantId, endpointId) {
      destinations.forgetEndpoint(endpointId);
      webhooks.forget(tenantId);
    },
    async stop() {
      await w.stop();
      await dispatchers.close();
    },
  };
}
