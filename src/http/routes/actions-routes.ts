import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ActionInput } from '../../actions/action-input.ts';
import { previewAction } from '../../actions/action-starter.ts';
import { ACTION_EXECUTIONS, SERVER_METHODS, TRIGGER_DIRECTIONS, TRIGGER_RESULTS, type Action } from '../../core/actions/action.ts';
import { CALL_KINDS } from '../../core/calls/call.ts';
import { CallbridgeError, invalid } from '../../core/errors.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf, requireRole } from '../plugins/auth.ts';
import { ownerOf } from './contacts-routes.ts';

const template = { type: 'string', maxLength: 4000 } as const;

const actionBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    ownerUserId: { type: ['string', 'null'], maxLength: 64, description: 'The user the action belongs to; null: tenant-wide (admins only)' },
    enabled: { type: 'boolean' },
    execution: { type: 'string', enum: [...ACTION_EXECUTIONS], description: 'client: the agent\'s browser or companion; server: Callbridge sends the request' },
    target: {
      type: 'object',
      required: ['type'],
      additionalProperties: false,
      properties: {
        type: { type: 'string', enum: ['url', 'application'] },
        url: { ...template, description: 'URL template: ${number}, ${name}, … (values URL-encoded)' },
        command: { type: 'string', maxLength: 1000, description: 'The program to start (admins only); not a template' },
        args: { type: 'array', maxItems: 20, items: template },
      },
    },
    request: {
      type: ['object', 'null'],
      required: ['method'],
      additionalProperties: false,
      properties: { method: { type: 'string', enum: [...SERVER_METHODS] }, body: { anyOf: [template, { type: 'null' }] }, contentType: { type: 'string', maxLength: 200 } },
    },
    trigger: {
      type: 'object',
      required: ['mode'],
      additionalProperties: false,
      properties: {
        mode: { type: 'string', enum: ['manual', 'automatic'] },
        direction: { type: 'string', enum: [...TRIGGER_DIRECTIONS] },
        results: { type: 'array', maxItems: 3, items: { type: 'string', enum: [...TRIGGER_RESULTS] } },
        callTypes: { type: 'array', maxItems: 3, items: { type: 'string', enum: [...CALL_KINDS] } },
      },
    },
  },
} as const;

/** `/api/v1/actions`: actions of the agent (own and tenant-wide), favourites, preview and manual start. */
export async function actionsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const readers = requireRole(deps.keys, ['agent', 'admin']);
  const docs = { tags: ['actions'], security: [{ apiKey: [] }], response: { '4xx': { $ref: 'Problem#' } } };
  const idParam = { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } };
  const { service } = deps.actions;

  /** The user a request acts for: an agent's own; for admins the one named (or none). */
  const actingUser = async (request: FastifyRequest, named?: string | null) => {
    if (principalOf(request).role === 'admin') return named ?? null;
    const own = await ownerOf(deps, request);
    if (!own) throw new CallbridgeError('CB_FORBIDDEN', 'Actions need an agent key with an extension that belongs to a user');
    return own;
  };
  const view = (a: Action, favourite: string | null) => ({ ...a, favourite: a.id === favourite });
  const visible = async (request: FastifyRequest, id: string) => {
    const action = await service.get(principalOf(request).tenantId, id);
    const p = principalOf(request);
    if (p.role !== 'admin' && action.ownerUserId !== null && action.ownerUserId !== (await actingUser(request))) {
      throw new CallbridgeError('CB_NOT_FOUND', 'No action with this id', '/id');
    }
    return action;
  };
  // Agents keep URL actions of their own; tenant-wide actions and applications are the admin's:
  // the companion must never start a program an agent (or a stolen agent key) named.
  const mayWrite = async (request: FastifyRequest, body: Partial<ActionInput>, current?: Action) => {
    if (principalOf(request).role === 'admin') return;
    const own = await actingUser(request);
    if (current && current.ownerUserId !== own) throw new CallbridgeError('CB_FORBIDDEN', 'Only admins change tenant-wide actions');
    if ('ownerUserId' in body && body.ownerUserId !== own) throw new CallbridgeError('CB_FORBIDDEN', 'Agents create actions for themselves only', '/ownerUserId');
    if ((body.target?.type ?? current?.target.type) === 'application') throw new CallbridgeError('CB_FORBIDDEN', 'Only admins configure applications', '/target/type');
  };

  app.get<{ Querystring: { userId?: string } }>(
    '/api/v1/actions',
    { preHandler: readers, schema: { ...docs, summary: 'List actions (agents: own and tenant-wide) with the favourite flag', querystring: { type: 'object', additionalProperties: false, properties: { userId: { type: 'string', maxLength: 64 } } } } },
    async (request) => {
      const { tenantId } = principalOf(request);
      const user = await actingUser(request, request.query.userId);
      const items = await service.list(tenantId, user === null ? {} : { visibleTo: user });
      const favourite = user === null ? null : await service.favouriteOf(tenantId, user);
      return { items: items.map((a) => view(a, favourite)), favourite };
    },
  );

  app.post<{ Body: ActionInput }>(
    '/api/v1/actions',
    { preHandler: readers, schema: { ...docs, summary: 'Create an action', body: { ...actionBody, required: ['name', 'target'] } } },
    async (request, reply) => {
      await mayWrite(request, request.body);
      const body = principalOf(request).role === 'admin' ? request.body : { ...request.body, ownerUserId: await actingUser(request) };
      const action = await service.create(principalOf(request).tenantId, body);
      reply.code(201);
      return view(action, action.ownerUserId ? await service.favouriteOf(action.tenantId, action.ownerUserId) : null);
    },
  );

  app.get<{ Params: { id: string } }>('/api/v1/actions/:id', { preHandler: readers, schema: { ...docs, params: idParam } }, async (request) => {
    const action = await visible(request, request.params.id);
    const user = await actingUser(request, action.ownerUserId);
    return view(action, user ? await service.favouriteOf(action.tenantId, user) : null);
  });

  app.patch<{ Params: { id: string }; Body: Partial<ActionInput> }>(
    '/api/v1/actions/:id',
    { preHandler: readers, schema: { ...docs, params: idParam, summary: 'Change an action (disabling or re-owning repairs favourites)', body: { ...actionBody, minProperties: 1 } } },
    async (request) => {
      const current = await visible(request, request.params.id);
      await mayWrite(request, request.body, current);
      const action = await service.update(current.tenantId, current.id, request.body);
      const user = await actingUser(request, action.ownerUserId);
      return view(action, user ? await service.favouriteOf(action.tenantId, user) : null);
    },
  );

  app.delete<{ Params: { id: string } }>('/api/v1/actions/:id', { preHandler: readers, schema: { ...docs, params: idParam } }, async (request, reply) => {
    const current = await visible(request, request.params.id);
    await mayWrite(request, {}, current);
    await service.delete(current.tenantId, current.id);
    reply.code(204);
  });

  app.post<{ Params: { id: string }; Body: { userId?: string } | undefined }>(
    '/api/v1/actions/:id/favourite',
    {
      preHandler: readers,
      schema: { ...docs, params: idParam, summary: "Make the action the user's favourite (admins name the user)", body: { type: ['object', 'null'], additionalProperties: false, properties: { userId: { type: 'string', maxLength: 64 } } } },
    },
    async (request) => {
      const action = await visible(request, request.params.id);
      const user = await actingUser(request, request.body?.userId ?? action.ownerUserId);
      if (!user) throw invalid('/userId', 'Name the user whose favourite this tenant-wide action becomes');
      await service.setFavourite(action.tenantId, user, action.id);
      return { userId: user, favourite: action.id };
    },
  );

  app.post<{ Body: { action: ActionInput; callId?: string; extension?: string } }>(
    '/api/v1/actions/preview',
    {
      preHandler: readers,
      schema: {
        ...docs,
        summary: 'Render an action\'s templates against a call (or a sample call)',
        body: { type: 'object', required: ['action'], additionalProperties: false, properties: { action: { ...actionBody, required: ['name', 'target'] }, callId: { type: 'string', maxLength: 64 }, extension: { type: 'string', maxLength: 64 } } },
      },
    },
    async (request) => {
      const { tenantId, extension } = principalOf(request);
      const call = request.body.callId ? await deps.store.calls.get(tenantId, request.body.callId) : null;
      if (request.body.callId && !call) throw new CallbridgeError('CB_NOT_FOUND', 'No call with this id', '/callId');
      try {
        return previewAction(tenantId, request.body.action, call ?? null, extension ?? request.body.extension ?? null);
      } catch (err) {
        // Fields of the action sit under /action in this body.
        if (err instanceof CallbridgeError && err.field) throw new CallbridgeError(err.code, err.message, `/action${err.field}`);
        throw err;
      }
    },
  );

  app.post<{ Params: { id: string; actionId: string }; Body: { extension?: string } | undefined }>(
    '/api/v1/calls/:id/actions/:actionId',
    {
      preHandler: readers,
      schema: {
        ...docs,
        summary: 'Start an action for a live or past call (server-side: enqueued; client-side: sent to the agent\'s stream)',
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 }, actionId: { type: 'string', maxLength: 64 } } },
        body: { type: ['object', 'null'], additionalProperties: false, properties: { extension: { type: 'string', maxLength: 64, description: 'Admins: whose companion opens it' } } },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const call = await deps.store.calls.get(p.tenantId, request.params.id);
      if (!call) throw new CallbridgeError('CB_NOT_FOUND', 'No call with this id', '/id');
      const action = await visible(request, request.params.actionId);
      const extension = p.role === 'admin' ? (request.body?.extension ?? null) : p.extension;
      const outcome = await deps.actions.starter.start(action, call, extension);
      reply.code(202);
      return outcome;
    },
  );
}
