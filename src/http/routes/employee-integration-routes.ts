import type { FastifyInstance } from 'fastify';
import { principalOf, requireRole } from '../plugins/auth.ts';
import type { AppDeps } from '../app-deps.ts';
import { checkEmployeeUrls, EMPLOYEE_METHODS, employeeIntegrationOff, type EmployeeIntegration } from '../../integrations/employee/employee-config.ts';

type Body = { method: EmployeeIntegration['method']; accountId?: string | null; urls: EmployeeIntegration['urls'] };

const url = { type: 'string', maxLength: 2000 } as const;

/** `/api/v1/integrations/employee`: the tenant's employee integration (docs/employee-integration.md). */
export async function employeeIntegrationRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const admin = requireRole(deps.keys, ['admin']);
  const docs = { tags: ['integrations'], security: [{ apiKey: [] }], response: { '4xx': { $ref: 'Problem#' } } };

  app.get('/api/v1/integrations/employee', { preHandler: admin, schema: { ...docs, summary: 'The employee integration (method, four URLs; empty = off)' } }, async (request) => {
    return (await deps.store.employeeIntegrations.get(principalOf(request).tenantId)) ?? employeeIntegrationOff();
  });

  app.put<{ Body: Body }>(
    '/api/v1/integrations/employee',
    {
      preHandler: admin,
      schema: {
        ...docs,
        summary: 'Set the employee integration',
        body: {
          type: 'object',
          required: ['method', 'urls'],
          additionalProperties: false,
          properties: {
            method: { type: 'string', enum: [...EMPLOYEE_METHODS] },
            accountId: { type: ['string', 'null'], maxLength: 200, description: 'Sent as AccountId; default: the tenant id' },
            urls: {
              type: 'object',
              required: ['answered', 'ended', 'outgoing', 'incoming'],
              additionalProperties: false,
              properties: { answered: url, ended: url, outgoing: url, incoming: url },
            },
          },
        },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const config: EmployeeIntegration = {
        method: request.body.method,
        accountId: request.body.accountId?.trim() || null,
        urls: checkEmployeeUrls(request.body.urls),
        updatedAt: new Date().toISOString(),
      };
      await deps.store.employeeIntegrations.put(tenantId, config);
      deps.actions.employee.forget(tenantId);
      return config;
    },
  );
}
