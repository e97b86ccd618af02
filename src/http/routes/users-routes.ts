import type { FastifyInstance } from 'fastify';
import { CallbridgeError } from '../../core/errors.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf, requireRole } from '../plugins/auth.ts';

type UserBody = { extension: string; name: string; email?: string | null };

const userInput = {
  type: 'object',
  required: ['extension', 'name'],
  additionalProperties: false,
  properties: {
    extension: { type: 'string', pattern: '^[0-9*#+]{1,32}$' },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    email: { type: ['string', 'null'], maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' },
  },
} as const;

/** Users (employees) and their extensions. `PUT` takes a whole list by extension, in one transaction. */
export async function usersRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const admin = requireRole(deps.keys, ['admin']);
  const readers = requireRole(deps.keys, ['admin', 'agent']);
  const tags = ['users'];

  app.get('/api/v1/users', { preHandler: readers, schema: { tags, security: [{ apiKey: [] }] } }, async (request) => ({
    items: await deps.store.users.list(principalOf(request).tenantId),
  }));

  app.put<{ Body: UserBody[] }>(
    '/api/v1/users',
    { preHandler: admin, schema: { tags, summary: 'Create or update users by extension', security: [{ apiKey: [] }], body: { type: 'array', maxItems: 10000, items: userInput }, response: { '4xx': { $ref: 'Problem#' } } } },
    async (request) => {
      const users = request.body.map((u) => ({ extension: u.extension, name: u.name, email: u.email ?? null }));
      const seen = new Set<string>();
      users.forEach((u, i) => {
        if (seen.has(u.extension)) throw new CallbridgeError('CB_VALIDATION', `extension ${u.extension} appears twice`, `/${i}/extension`);
        seen.add(u.extension);
      });
      return deps.store.users.upsertMany(principalOf(request).tenantId, users, new Date().toISOString());
    },
  );

  app.delete<{ Params: { id: string } }>('/api/v1/users/:id', { preHandler: admin, schema: { tags, security: [{ apiKey: [] }], params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } } } }, async (request, reply) => {
    if (!(await deps.store.users.delete(principalOf(request).tenantId, request.params.id))) {
      throw new CallbridgeError('CB_NOT_FOUND', 'No user with this id', '/id');
    }
    reply.code(204);
  });
}
