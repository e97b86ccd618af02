import type { FastifyInstance } from 'fastify';
import { createApiKey, ROLES, type Role } from '../../auth/api-keys.ts';
import { CallbridgeError } from '../../core/errors.ts';
import type { ApiKeyRecord } from '../../storage/repositories/api-keys-repository.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf, requireRole } from '../plugins/auth.ts';

function view(k: ApiKeyRecord) {
  return { id: k.id, prefix: k.prefix, name: k.name, role: k.role, extension: k.extension, createdAt: k.createdAt, lastUsedAt: k.lastUsedAt, revokedAt: k.revokedAt };
}

/** `GET/POST/DELETE /api/v1/keys`: an admin manages its tenant's keys. The plain key is shown once. */
export async function keysRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const admin = requireRole(deps.keys, ['admin']);
  const tags = ['keys'];

  app.get('/api/v1/keys', { preHandler: admin, schema: { tags, security: [{ apiKey: [] }] } }, async (request) => {
    const keys = await deps.store.apiKeys.list(principalOf(request).tenantId);
    return { items: keys.map(view) };
  });

  app.post<{ Body: { name: string; role: Role; extension?: string } }>(
    '/api/v1/keys',
    {
      preHandler: admin,
      schema: {
        tags,
        security: [{ apiKey: [] }],
        body: {
          type: 'object',
          required: ['name', 'role'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 100 },
            role: { type: 'string', enum: [...ROLES] },
            extension: { type: 'string', pattern: '^[0-9*#+]{1,32}$', description: 'For agent keys: the extension the agent answers' },
          },
        },
        response: { '4xx': { $ref: 'Problem#' } },
      },
    },
    async (request, reply) => {
      const { key, record } = await createApiKey(deps.store, { tenantId: principalOf(request).tenantId, role: request.body.role, name: request.body.name, extension: request.body.extension ?? null });
      reply.code(201);
      return { ...view(record), key };
    },
  );

  app.delete<{ Params: { id: string } }>('/api/v1/keys/:id', { preHandler: admin, schema: { tags, security: [{ apiKey: [] }], params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } } } }, async (request, reply) => {
    const revoked = await deps.store.apiKeys.revoke(request.params.id, new Date().toISOString(), principalOf(request).tenantId);
    if (!revoked) throw new CallbridgeError('CB_NOT_FOUND', 'No active key with this id', '/id');
    deps.keys.forget();
    reply.code(204);
  });
}
