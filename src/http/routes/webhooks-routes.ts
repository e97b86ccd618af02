import type { FastifyInstance } from 'fastify';
import { CALL_DIRECTIONS, CALL_KINDS } from '../../core/calls/call.ts';
import { CallbridgeError } from '../../core/errors.ts';
import { uuidv7 } from '../../core/ids.ts';
import { WEBHOOK_EVENT_TYPES, type WebhookConfig, type WebhookEventType, type WebhookFilters } from '../../delivery/webhook-events.ts';
import { isWebhookSecret, newWebhookSecret } from '../../delivery/webhook-signature.ts';
import type { DeliveryEndpoint } from '../../storage/repositories/delivery-endpoints-repository.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf, requireRole } from '../plugins/auth.ts';

type Body = {
  name?: string;
  url?: string;
  eventTypes?: string[];
  filters?: WebhookFilters;
  enabled?: boolean;
  maxConcurrency?: number;
  secret?: string;
};

const stringList = (maxItems: number, items: object = { type: 'string', minLength: 1, maxLength: 128 }) => ({ type: 'array', maxItems, items });

const bodyProperties = {
  name: { type: 'string', minLength: 1, maxLength: 100 },
  url: { type: 'string', minLength: 1, maxLength: 2000, description: 'http(s) URL the events are POSTed to' },
  eventTypes: { ...stringList(WEBHOOK_EVENT_TYPES.length, { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] }), minItems: 1 },
  filters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      direction: stringList(3, { type: 'string', enum: [...CALL_DIRECTIONS] }),
      kind: stringList(3, { type: 'string', enum: [...CALL_KINDS] }),
      extension: stringList(100),
      queue: stringList(100),
    },
  },
  enabled: { type: 'boolean' },
  maxConcurrency: { type: 'integer', minimum: 1, maximum: 64 },
  secret: { type: 'string', description: 'Your own `whsec_<base64>` signing secret; one is generated when absent' },
} as const;

/**
 * `/api/v1/webhooks`: signed webhook subscriptions of the tenant. The signing secret is shown once, in
 * the answer to the POST that creates it, and stored sealed. A subscription that was disabled
 * (410 Gone, too many failures) says why in `disabledReason`; `POST …/enable` starts it again.
 */
export async function webhooksRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const admin = requireRole(deps.keys, ['admin']);
  const docs = { tags: ['webhooks'], security: [{ apiKey: [] }], response: { '4xx': { $ref: 'Problem#' } } };
  const idParam = { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } };

  const view = (e: DeliveryEndpoint) => {
    const config = e.config as Partial<WebhookConfig>;
    return {
      id: e.id,
      name: e.name,
      url: e.url,
      eventTypes: config.eventTypes ?? [],
      filters: config.filters ?? {},
      enabled: e.enabled,
      disabledReason: e.disabledReason,
      consecutiveFailures: e.consecutiveFailures,
      maxConcurrency: e.maxConcurrency,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
    };
  };

  const load = async (tenantId: string, id: string) => {
    const e = await deps.store.deliveryEndpoints.get(tenantId, id);
    if (!e || e.kind !== 'webhook') throw new CallbridgeError('CB_NOT_FOUND', 'No webhook with this id', '/id');
    return e;
  };

  const checkUrl = (url: string) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new CallbridgeError('CB_VALIDATION', 'url must be an absolute http or https URL', '/url');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new CallbridgeError('CB_VALIDATION', 'url must use http or https', '/url');
    if (u.username || u.password) throw new CallbridgeError('CB_VALIDATION', 'url must not carry credentials; requests are signed instead', '/url');
    return u.toString();
  };

  const checkSecret = (secret: string) => {
    if (!isWebhookSecret(secret)) throw new CallbridgeError('CB_VALIDATION', 'secret must be whsec_ followed by 24 to 64 bytes in base64', '/secret');
    return secret;
  };

  const changed = (e: DeliveryEndpoint) => deps.delivery.endpointChanged(e.tenantId, e.id);

  app.get('/api/v1/webhooks', { preHandler: admin, schema: { ...docs, summary: 'Webhook subscriptions' } }, async (request) => ({
    items: (await deps.store.deliveryEndpoints.list(principalOf(request).tenantId, 'webhook')).map(view),
    eventTypes: WEBHOOK_EVENT_TYPES,
  }));

  app.get<{ Params: { id: string } }>('/api/v1/webhooks/:id', { preHandler: admin, schema: { ...docs, params: idParam } }, async (request) =>
    view(await load(principalOf(request).tenantId, request.params.id)),
  );

  app.post<{ Body: Body }>(
    '/api/v1/webhooks',
    {
      preHandler: admin,
      schema: { ...docs, summary: 'Subscribe a URL to call events', body: { type: 'object', additionalProperties: false, required: ['url', 'eventTypes'], properties: bodyProperties } },
    },
    async (request, reply) => {
      const { tenantId } = principalOf(request);
      const body = request.body;
      const url = checkUrl(body.url!);
      const secret = body.secret !== undefined ? checkSecret(body.secret) : newWebhookSecret();
      const now = new Date().toISOString();
      const endpoint: DeliveryEndpoint = {
        id: uuidv7(),
        tenantId,
        kind: 'webhook',
        name: body.name?.trim() || new URL(url).host,
        url,
        secret: deps.secrets.seal(secret),
        config: { eventTypes: [...new Set(body.eventTypes as WebhookEventType[])], filters: body.filters ?? {} } satisfies WebhookConfig,
        enabled: body.enabled !== false,
        disabledReason: body.enabled === false ? 'disabled by an administrator' : null,
        consecutiveFailures: 0,
        maxConcurrency: body.maxConcurrency ?? 4,
        createdAt: now,
        updatedAt: now,
      };
      await deps.store.deliveryEndpoints.insert(endpoint);
      changed(endpoint);
      reply.code(201);
      // The only time the secret is shown.
      return { ...view(endpoint), secret };
    },
  );

  app.patch<{ Params: { id: string }; Body: Body }>(
    '/api/v1/webhooks/:id',
    {
      preHandler: admin,
      schema: { ...docs, params: idParam, summary: 'Change URL, events, filters; enable or disable', body: { type: 'object', additionalProperties: false, minProperties: 1, properties: bodyProperties } },
    },
    async (request) => {
      const e = await load(principalOf(request).tenantId, request.params.id);
      const body = request.body;
      const config = e.config as WebhookConfig;
      const next: DeliveryEndpoint = {
        ...e,
        name: body.name?.trim() || e.name,
        url: body.url !== undefined ? checkUrl(body.url) : e.url,
        secret: body.secret !== undefined ? deps.secrets.seal(checkSecret(body.secret)) : e.secret,
        config: { eventTypes: body.eventTypes ? [...new Set(body.eventTypes as WebhookEventType[])] : config.eventTypes, filters: body.filters ?? config.filters },
        maxConcurrency: body.maxConcurrency ?? e.maxConcurrency,
        updatedAt: new Date().toISOString(),
      };
      await deps.store.deliveryEndpoints.update(next);
      if (body.enabled === false && e.enabled) await deps.store.deliveryEndpoints.disable(deps.store.dialect.db, e.id, 'disabled by an administrator', next.updatedAt);
      if (body.enabled === true) await deps.store.deliveryEndpoints.enable(e.tenantId, e.id, next.updatedAt);
      changed(next);
      if (body.enabled === true) deps.delivery.worker.wake();
      return view((await deps.store.deliveryEndpoints.get(e.tenantId, e.id))!);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/webhooks/:id/enable',
    { preHandler: admin, schema: { ...docs, params: idParam, summary: 'Enable a disabled webhook; its waiting deliveries go out' } },
    async (request) => {
      const e = await load(principalOf(request).tenantId, request.params.id);
      await deps.store.deliveryEndpoints.enable(e.tenantId, e.id, new Date().toISOString());
      changed(e);
      deps.delivery.worker.wake();
      return view((await deps.store.deliveryEndpoints.get(e.tenantId, e.id))!);
    },
  );

  app.delete<{ Params: { id: string } }>('/api/v1/webhooks/:id', { preHandler: admin, schema: { ...docs, params: idParam } }, async (request, reply) => {
    const e = await load(principalOf(request).tenantId, request.params.id);
    await deps.store.deliveryEndpoints.delete(e.tenantId, e.id);
    await deps.store.deliveries.abandon(e.tenantId, e.id, 'the webhook subscription was deleted', new Date().toISOString());
    changed(e);
    reply.code(204);
  });
}
