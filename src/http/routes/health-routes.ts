import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app-deps.ts';
import { problem, sendProblem } from '../problem.ts';

/** Liveness, readiness (the store answers) and Prometheus metrics. No authentication: no data. */
export async function healthRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const hide = { hide: true };
  app.get('/healthz', { schema: { ...hide } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { ...hide } }, async (_request, reply) => {
    try {
      await deps.store.dialect.ping();
      return { status: 'ready', store: deps.store.dialect.label.replace(/:.*/, '') };
    } catch {
      return sendProblem(reply, problem('CB_NOT_READY', 'The database does not answer'));
    }
  });
  app.get('/metrics', { schema: { ...hide } }, async (_request, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
}
