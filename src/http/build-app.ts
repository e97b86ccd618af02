/**
 * Builds the HTTP app without listening (tests call `app.inject()`; src/server.ts listens).
 */
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyInstance, type onResponseHookHandler } from 'fastify';
import { pbxWebhookRoutes } from '../connectors/pbx/registry.ts';
import type { AppDeps } from './app-deps.ts';
import { lazyChildLogger } from './lazy-logger.ts';
import { errorSerializer, loggableUrl, scrubLogObject } from './log-privacy.ts';
import { notFound, registerErrorHandling } from './plugins/errors.ts';
import { problemSchema } from './problem.ts';
import { callsRoutes } from './routes/calls-routes.ts';
import { connectorsRoutes } from './routes/connectors-routes.ts';
import { contactsRoutes } from './routes/contacts-routes.ts';
import { lookupRoutes } from './routes/lookup-routes.ts';
import { directoryRoutes } from '../phonebook/directories/directory-routes.ts';
import { threeCxCrmRoutes } from '../connectors/pbx/3cx-crm/3cx-crm-routes.ts';
import { dialRoutes } from './routes/dial-routes.ts';
import { eventsRoutes } from './routes/events-routes.ts';
import { healthRoutes } from './routes/health-routes.ts';
import { keysRoutes } from './routes/keys-routes.ts';
import { settingsRoutes } from './routes/settings-routes.ts';
import { usersRoutes } from './routes/users-routes.ts';
import { actionsRoutes } from './routes/actions-routes.ts';
import { agentStreamRoutes } from './routes/agent-stream.ts';
import { employeeIntegrationRoutes } from './routes/employee-integration-routes.ts';
import { deliveriesRoutes } from './routes/deliveries-routes.ts';
import { webhooksRoutes } from './routes/webhooks-routes.ts';
import { sourcesRoutes } from './routes/sources-routes.ts';
import { crmRoutes } from './routes/crm-routes.ts';
import { sessionRoutes } from './routes/session-routes.ts';
import { webUiRoutes } from './web-ui.ts';
import { RemoteCallChanges } from './remote-changes.ts';

export { loggableUrl };

/**
 * Time a client has to send a whole request (Fastify's default: no limit), and its headers. Generous
 * for the body, which may be a large phonebook upload on a slow line; tight for the headers.
 */
export const REQUEST_TIMEOUT_MS = 300_000;
export const HEADERS_TIMEOUT_MS = 60_000;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const personal = deps.options.logPersonalData;
  // A client that trickles its request (slowloris) is answered 408 and disconnected, so it cannot hold
  // sockets and parser state for ever. Only receiving counts: an SSE stream is unaffected.
  const requestTimeout = deps.options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const headersTimeout = Math.min(HEADERS_TIMEOUT_MS, requestTimeout);
  const app = Fastify({
    bodyLimit: deps.options.bodyLimit,
    requestTimeout,
    http: {
      headersTimeout,
      // Node checks the timeouts of open requests this often (default 30 s, longer than short test timeouts).
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(headersTimeout / 4))),
    },
    // Per-request lines are written by the onResponse hook below, without personal data.
    logController: new LogController({ disableRequestLogging: true }),
    logger: {
      level: deps.options.logLevel,
      ...(deps.options.logStream ? { stream: deps.options.logStream } : {}),
      // Personal data in log lines: none, masked or all (src/http/log-privacy.ts).
      serializers: {
        req: (req) => ({ method: req.method, url: loggableUrl(req.url, personal), reqId: req.id }),
        // Fastify types `err` as an Error serializer; pino also passes strings (`{ err: err.message }`), which this handles.
        err: errorSerializer(personal) as never,
      },
      formatters: { log: scrubLogObject(personal) },
      redact: ['req.headers.authorization', 'req.headers["x-api-key"]'],
    },
    routerOptions: { maxParamLength: 200 },
    childLoggerFactory: lazyChildLogger,
  });

  app.decorateRequest('principal', undefined);
  // Read by requireRole in every route scope: session cookies authenticate like API keys.
  app.decorate('webSessions', deps.sessions);
  registerErrorHandling(app);
  app.addSchema(problemSchema);

  // One synchronous onResponse hook per route, made when the route is added: the route's path is
  // known then (reading request.routeOptions builds an object per request), and this runs on every
  // request, lookups included. Unmatched requests are counted by the not-found handler's own hook.
  const debug = ['debug', 'trace'].includes(deps.options.logLevel);
  const observer = (route: string): onResponseHookHandler => {
    const observers = new Map<string, ReturnType<typeof deps.metrics.requests.labels>>();
    return (request, reply, done) => {
      const status = reply.statusCode;
      const labelKey = `${request.method} ${status}`;
      let observe = observers.get(labelKey);
      if (!observe) {
        observe = deps.metrics.requests.labels({ method: request.method, route, status: String(status) });
        if (observers.size < 100) observers.set(labelKey, observe);
      }
      observe.observe(reply.elapsedTime / 1000);
      if (status >= 500 || debug) {
        const line = { method: request.method, url: loggableUrl(request.url, personal), status, ms: Math.round(reply.elapsedTime * 10) / 10 };
        if (status >= 500) request.log.warn(line, 'request failed');
        else request.log.debug(line, 'request');
      }
      done();
    };
  };
  app.addHook('onRoute', (route) => {
    const hook = observer(route.url);
    route.onResponse = route.onResponse ? [...[route.onResponse].flat(), hook] : [hook];
  });
  app.setNotFoundHandler({ onResponse: observer('unmatched') } as never, notFound);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Callbridge API',
        version: '1',
        description: 'Call journal, ingest and live call stream of Callbridge. Errors are RFC 9457 problem+json with a stable `code`.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: `callbridge keys create`' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(formbody, { bodyLimit: deps.options.bodyLimit });

  await app.register(async (scope) => healthRoutes(scope, deps));
  await app.register(async (scope) => eventsRoutes(scope, deps));
  await app.register(async (scope) => callsRoutes(scope, deps));
  await app.register(async (scope) => settingsRoutes(scope, deps));
  await app.register(async (scope) => keysRoutes(scope, deps));
  await app.register(async (scope) => usersRoutes(scope, deps));
  await app.register(async (scope) => connectorsRoutes(scope, deps));
  await app.register(async (scope) => dialRoutes(scope, deps));
  await app.register(async (scope) => contactsRoutes(scope, deps));
  await app.register(async (scope) => lookupRoutes(scope, deps));
  await app.register(async (scope) => directoryRoutes(scope, deps));
  await app.register(async (scope) => threeCxCrmRoutes(scope, deps));
  await app.register(async (scope) => actionsRoutes(scope, deps));
  await app.register(async (scope) => agentStreamRoutes(scope, deps));
  await app.register(async (scope) => employeeIntegrationRoutes(scope, deps));
  await app.register(async (scope) => webhooksRoutes(scope, deps));
  await app.register(async (scope) => deliveriesRoutes(scope, deps));
  await app.register(async (scope) => sourcesRoutes(scope, deps));
  await app.register(async (scope) => crmRoutes(scope, deps));
  await app.register(async (scope) => sessionRoutes(scope, deps));
  // Several instances on one database: the others' call changes reach this one's streams.
  const remote = deps.store.dialect.capabilities.multiInstance ? new RemoteCallChanges(deps.store, deps.hub) : undefined;
  if (remote) app.addHook('onReady', () => remote.start());
  // Agents' opens sent by any instance (with a broadcast: several instances on one store).
  app.addHook('onReady', () => deps.actions.agents.listen());
  // The app owns the PBX connections' lifetime: closing it hangs up on every PBX.
  app.addHook('onClose', async () => {
    await remote?.stop();
    await deps.actions.agents.stop();
    await deps.pbx.stop();
    deps.phonebook.stop();
    // Unsent deliveries are given back to the outbox; attempts in flight finish or are aborted.
    await deps.delivery.stop();
    await deps.crm.stop();
    // Sync runs of this process fail (changing nothing) and are taken over once their lease expires.
    await deps.sync.stop();
  });
  for (const routes of pbxWebhookRoutes) await app.register(async (scope) => routes(scope, deps));

  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // The web UI at / (or a redirect to the API docs when web/dist was not built).
  await app.register(async (scope) => webUiRoutes(scope));
  return app;
}
