import type { FastifyInstance } from 'fastify';
import { connectorType, PBX_CONNECTOR_TYPES } from '../../connectors/pbx/connector-types.ts';
import type { PbxConnectorType } from '../../connectors/pbx/pbx-connector.ts';
import { CallbridgeError } from '../../core/errors.ts';
import { uuidv7 } from '../../core/ids.ts';
import type { ConnectorRecord } from '../../storage/repositories/connectors-repository.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf, requireRole } from '../plugins/auth.ts';

type Body = Record<string, unknown> & { type?: unknown; name?: unknown; enabled?: unknown };

const RESERVED = ['type', 'name', 'enabled'];

/**
 * `/api/v1/connectors`: configured PBX connections. Secret options are sealed at rest and never
 * returned (`secretsSet` names the ones stored); changes take effect at once.
 */
export async function connectorsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const admin = requireRole(deps.keys, ['admin']);
  const tags = ['connectors'];
  const docs = { tags, security: [{ apiKey: [] }], response: { '4xx': { $ref: 'Problem#' } } };
  const idParam = { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } };

  const view = (r: ConnectorRecord) => {
    const type = connectorType(r.type);
    return {
      id: r.id,
      type: r.type,
      name: r.name,
      enabled: r.enabled,
      capabilities: type?.capabilities ?? null,
      options: r.options,
      secretsSet: r.secrets ? (type?.secretOptions ?? []) : [],
      status: deps.pbx.status(r.id) ?? r.status,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    };
  };

  const load = async (tenantId: string, id: string) => {
    const record = await deps.store.connectors.get(tenantId, id);
    if (!record) throw new CallbridgeError('CB_NOT_FOUND', 'No connector with this id', '/id');
    return record;
  };

  /** Validates the merged options with the type and splits them into plain and sealed parts. */
  const prepare = (type: PbxConnectorType, merged: Record<string, unknown>) => {
    const checked = type.check(merged);
    if (!checked.ok) throw new CallbridgeError('CB_VALIDATION', checked.message, checked.field);
    return deps.secrets.sealOptions(checked.options, type.secretOptions);
  };

  const fields = (body: Body) => {
    if (body.name !== undefined && (typeof body.name !== 'string' || !body.name.trim() || body.name.length > 100)) {
      throw new CallbridgeError('CB_VALIDATION', 'name must be a non-empty string of at most 100 characters', '/name');
    }
    if (body.enabled !== undefined && typeof body.enabled !== 'boolean') throw new CallbridgeError('CB_VALIDATION', 'enabled must be true or false', '/enabled');
    return Object.fromEntries(Object.entries(body).filter(([k]) => !RESERVED.includes(k)));
  };

  app.get('/api/v1/connectors', { preHandler: admin, schema: { ...docs, summary: 'PBX connections with their status' } }, async (request) => ({
    items: (await deps.store.connectors.list(principalOf(request).tenantId)).map(view),
    types: Object.values(PBX_CONNECTOR_TYPES).map((t) => ({ type: t.id, capabilities: t.capabilities, options: t.optionsSchema, secretOptions: t.secretOptions })),
  }));

  app.get<{ Params: { id: string } }>('/api/v1/connectors/:id', { preHandler: admin, schema: { ...docs, params: idParam } }, async (request) =>
    view(await load(principalOf(request).tenantId, request.params.id)),
  );

  app.post<{ Body: Body }>(
    '/api/v1/connectors',
    {
      preHandler: admin,
      schema: {
        ...docs,
        summary: 'Connect a PBX',
        description: 'Body: {"type": "asterisk-ami", "name", "enabled"?, …options of the type (GET /api/v1/connectors lists them)}',
        body: { type: 'object', required: ['type', 'name'] },
      },
    },
    async (request, reply) => {
      const { tenantId } = principalOf(request);
      const body = request.body;
      const type = typeof body.type === 'string' ? connectorType(body.type) : undefined;
      if (!type) throw new CallbridgeError('CB_VALIDATION', `type must be one of ${Object.keys(PBX_CONNECTOR_TYPES).join(', ')}`, '/type');
      const { options, secrets } = prepare(type, fields(body));
      const now = new Date().toISOString();
      const record: ConnectorRecord = {
        id: uuidv7(),
        tenantId,
        type: type.id,
        name: (body.name as string).trim(),
        enabled: body.enabled !== false,
        options,
        secrets,
        status: null,
        createdAt: now,
        updatedAt: now,
      };
      if (!(await deps.store.connectors.insert(record))) throw new CallbridgeError('CB_CONFLICT', `a connector named "${record.name}" exists already`, '/name');
      await deps.pbx.sync();
      reply.code(201);
      return view(record);
    },
  );

  app.patch<{ Params: { id: string }; Body: Body }>(
    '/api/v1/connectors/:id',
    { preHandler: admin, schema: { ...docs, params: idParam, summary: 'Change options, rename, enable or disable', body: { type: 'object', minProperties: 1 } } },
    async (request) => {
      const record = await load(principalOf(request).tenantId, request.params.id);
      const body = request.body;
      if (body.type !== undefined && body.type !== record.type) throw new CallbridgeError('CB_VALIDATION', 'type cannot change; create a new connector', '/type');
      const type = connectorType(record.type)!;
      const stored = record.secrets ? (JSON.parse(deps.secrets.open(record.secrets)) as Record<string, unknown>) : {};
      const { options, secrets } = prepare(type, { ...record.options, ...stored, ...fields(body) });
      const next: ConnectorRecord = {
        ...record,
        name: typeof body.name === 'string' ? body.name.trim() : record.name,
        enabled: typeof body.enabled === 'boolean' ? body.enabled : record.enabled,
        options,
        secrets,
        updatedAt: new Date().toISOString(),
      };
      await deps.store.connectors.update(next);
      await deps.pbx.sync();
      return view(next);
    },
  );

  app.delete<{ Params: { id: string } }>('/api/v1/connectors/:id', { preHandler: admin, schema: { ...docs, params: idParam } }, async (request, reply) => {
    const { tenantId } = principalOf(request);
    await load(tenantId, request.params.id);
    await deps.store.connectors.delete(tenantId, request.params.id);
    await deps.pbx.sync();
    reply.code(204);
  });
}
