/**
 * `/api/v1/crm/…`: CRM connections (secret options sealed at rest, never returned: `secretsSet`
 * names the ones stored), their extension → CRM user mappings, and the test action: a dry-run lookup
 * for a number, or the journaling request a stored call would cause (nothing sent).
 */
import type { FastifyInstance } from 'fastify';
import { activityFor } from '../../connectors/crm/crm-activity.ts';
import type { CrmConnectorType } from '../../connectors/crm/crm-connector.ts';
import { CrmError } from '../../connectors/crm/crm-error.ts';
import { phoneForms } from '../../connectors/crm/phone-forms.ts';
import { CRM_TYPES, crmType } from '../../connectors/crm/registry.ts';
import { CallbridgeError } from '../../core/errors.ts';
import { uuidv7 } from '../../core/ids.ts';
import type { CrmConnectionRecord } from '../../storage/repositories/crm-repository.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf, requireRole } from '../plugins/auth.ts';
import { checkJournalRules, checkMappings } from './crm-input.ts';

type Body = { type?: unknown; name?: unknown; enabled?: unknown; lookup?: unknown; journal?: unknown; options?: unknown };

export async function crmRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const admin = requireRole(deps.keys, ['admin']);
  const docs = { tags: ['crm'], security: [{ apiKey: [] }], response: { '4xx': { $ref: 'Problem#' } } };
  const idParam = { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } };
  const view = (r: CrmConnectionRecord) => ({
    id: r.id,
    type: r.type,
    name: r.name,
    enabled: r.enabled,
    lookup: r.lookup,
    journal: r.journal,
    capabilities: crmType(r.type)?.capabilities ?? null,
    options: r.options,
    secretsSet: r.secrets ? Object.keys(JSON.parse(deps.secrets.open(r.secrets)) as object) : [],
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  });
  const load = async (tenantId: string, id: string) => {
    const r = await deps.store.crm.get(tenantId, id);
    if (!r) throw new CallbridgeError('CB_NOT_FOUND', 'No CRM connection with this id', '/id');
    return r;
  };
  /** Validates options with the type; splits them into plain and sealed parts. */
  const prepare = (type: CrmConnectorType, merged: unknown) => {
    const checked = type.check(merged);
    if (!checked.ok) throw new CallbridgeError('CB_VALIDATION', checked.message, `/options${checked.field === '/' ? '' : checked.field}`);
    return deps.secrets.sealOptions(checked.options, type.secretOptions);
  };
  const common = (body: Body) => {
    if (body.name !== undefined && (typeof body.name !== 'string' || !body.name.trim() || body.name.length > 100)) throw new CallbridgeError('CB_VALIDATION', 'name must be a non-empty string of at most 100 characters', '/name');
    for (const k of ['enabled', 'lookup'] as const) if (body[k] !== undefined && typeof body[k] !== 'boolean') throw new CallbridgeError('CB_VALIDATION', `${k} must be true or false`, `/${k}`);
    if (body.options !== undefined && (typeof body.options !== 'object' || body.options === null || Array.isArray(body.options))) throw new CallbridgeError('CB_VALIDATION', 'options must be an object', '/options');
  };
  const changed = (tenantId: string) => deps.crm.changed(tenantId);

  app.get('/api/v1/crm/connections', { preHandler: admin, schema: { ...docs, summary: 'CRM connections and the CRM types' } }, async (request) => ({
    items: (await deps.store.crm.list(principalOf(request).tenantId)).map(view),
    types: Object.values(CRM_TYPES).map((t) => ({ type: t.id, title: t.title, capabilities: t.capabilities, options: t.schema, secretOptions: t.secretOptions })),
  }));

  app.get<{ Params: { id: string } }>('/api/v1/crm/connections/:id', { preHandler: admin, schema: { ...docs, params: idParam, summary: 'One connection, with its journaling state in the delivery engine' } }, async (request) => {
    const record = await load(principalOf(request).tenantId, request.params.id);
    const endpoint = await deps.store.deliveryEndpoints.get(record.tenantId, record.id);
    return { ...view(record), journaling: { enabled: endpoint?.enabled ?? true, disabledReason: endpoint?.disabledReason ?? null } };
  });

  app.post<{ Body: Body }>(
    '/api/v1/crm/connections',
    { preHandler: admin, schema: { ...docs, summary: 'Connect a CRM', description: 'Body: {"type": "salesforce"|"rest", "name", "enabled"?, "lookup"?, "journal"?, "options"}', body: { type: 'object', required: ['type', 'name', 'options'] } } },
    async (request, reply) => {
      const { tenantId } = principalOf(request);
      const body = request.body;
      const type = typeof body.type === 'string' ? crmType(body.type) : undefined;
      if (!type) throw new CallbridgeError('CB_VALIDATION', `type must be one of ${Object.keys(CRM_TYPES).join(', ')}`, '/type');
      common(body);
      const { options, secrets } = prepare(type, body.options);
      const now = new Date().toISOString();
      const record: CrmConnectionRecord = { id: uuidv7(), tenantId, type: type.id, name: (body.name as string).trim(), enabled: body.enabled !== false, lookup: body.lookup !== false, journal: checkJournalRules(body.journal, undefined), options, secrets, createdAt: now, updatedAt: now };
      if (!(await deps.store.crm.insert(record))) throw new CallbridgeError('CB_CONFLICT', `a CRM connection named "${record.name}" exists already`, '/name');
      changed(tenantId);
      reply.code(201);
      return view(record);
    },
  );

  app.patch<{ Params: { id: string }; Body: Body }>(
    '/api/v1/crm/connections/:id',
    { preHandler: admin, schema: { ...docs, params: idParam, summary: 'Change options (merged; secrets kept unless given), rules, name; enable or disable', body: { type: 'object', minProperties: 1 } } },
    async (request) => {
      const record = await load(principalOf(request).tenantId, request.params.id);
      const body = request.body;
      if (body.type !== undefined && body.type !== record.type) throw new CallbridgeError('CB_VALIDATION', 'type cannot change; create a new connection', '/type');
      common(body);
      const stored = record.secrets ? (JSON.parse(deps.secrets.open(record.secrets)) as Record<string, unknown>) : {};
      const { options, secrets } = prepare(crmType(record.type)!, { ...record.options, ...stored, ...(body.options as object | undefined) });
      const next: CrmConnectionRecord = {
        ...record,
        name: typeof body.name === 'string' ? body.name.trim() : record.name,
        enabled: typeof body.enabled === 'boolean' ? body.enabled : record.enabled,
        lookup: typeof body.lookup === 'boolean' ? body.lookup : record.lookup,
        journal: body.journal === undefined ? record.journal : checkJournalRules(body.journal, record.journal),
        options,
        secrets,
        updatedAt: new Date().toISOString(),
      };
      await deps.store.crm.update(next);
      changed(record.tenantId);
      if (body.enabled === true) {
        // The delivery engine disables an endpoint after repeated failures; enabling the connection
        // enables its journaling again, and the waiting deliveries go out.
        await deps.store.deliveryEndpoints.enable(record.tenantId, record.id, next.updatedAt);
        deps.delivery.endpointChanged(record.tenantId, record.id);
        deps.delivery.worker.wake();
      }
      return view(next);
    },
  );

  app.delete<{ Params: { id: string } }>('/api/v1/crm/connections/:id', { preHandler: admin, schema: { ...docs, params: idParam } }, async (request, reply) => {
    const { tenantId } = principalOf(request);
    await load(tenantId, request.params.id);
    await deps.store.crm.delete(tenantId, request.params.id);
    changed(tenantId);
    reply.code(204);
  });

  app.get<{ Params: { id: string } }>('/api/v1/crm/connections/:id/mappings', { preHandler: admin, schema: { ...docs, params: idParam, summary: 'Extension → CRM user, and which calls each logs' } }, async (request) => {
    const record = await load(principalOf(request).tenantId, request.params.id);
    return { items: await deps.store.crm.mappings(record.id) };
  });

  app.put<{ Params: { id: string }; Body: unknown }>(
    '/api/v1/crm/connections/:id/mappings',
    { preHandler: admin, schema: { ...docs, params: idParam, summary: 'Replace the mappings: [{"extension", "crmUserId", "logCalls": "answered"|"lost"|"both"}]' } },
    async (request) => {
      const record = await load(principalOf(request).tenantId, request.params.id);
      const mappings = checkMappings(request.body);
      await deps.store.crm.setMappings(record.id, mappings);
      changed(record.tenantId);
      return { items: await deps.store.crm.mappings(record.id) };
    },
  );

  app.post<{ Params: { id: string }; Body: { number?: unknown; callId?: unknown } }>(
    '/api/v1/crm/connections/:id/test',
    { preHandler: admin, schema: { ...docs, params: idParam, summary: 'Dry run: {"number"} looks the number up; {"callId"} previews the journaling request of a stored call (nothing is sent)', body: { type: 'object' } } },
    async (request) => {
      const { tenantId } = principalOf(request);
      const ready = await deps.crm.connections.one(tenantId, (await load(tenantId, request.params.id)).id);
      const body = request.body ?? {};
      if (typeof body.callId === 'string') {
        const call = await deps.store.calls.get(tenantId, body.callId);
        if (!call) throw new CallbridgeError('CB_NOT_FOUND', 'No call with this id', '/callId');
        const activity = activityFor(call, { ...ready!.record.journal, enabled: true }, ready!.mappings);
        if (!activity) return { journaled: false, reason: 'the connection does not journal this call (not ended, internal, or excluded by its rules)', requests: [] };
        return { journaled: true, activity, requests: await ready!.connector.previewLogCall(activity) };
      }
      if (typeof body.number !== 'string' || !/^\+[1-9]\d{4,14}$/.test(body.number.replace(/[\s()/-]/g, ''))) throw new CallbridgeError('CB_VALIDATION', 'number must be an international number (+49…), or give callId', '/number');
      try {
        const result = await ready!.connector.findContactByPhone(phoneForms(body.number.replace(/[\s()/-]/g, '')), AbortSignal.timeout(15_000));
        return result;
      } catch (err) {
        if (err instanceof CrmError) throw new CallbridgeError('CB_CRM_FAILED', err.message);
        throw err;
      }
    },
  );
}
