import type { FastifyInstance } from 'fastify';
import { SourceError, type DirectorySourceType } from '../../connectors/directory/directory-source.ts';
import { DIRECTORY_SOURCE_TYPES, directorySourceType } from '../../connectors/directory/registry.ts';
import { CallbridgeError } from '../../core/errors.ts';
import { uuidv7 } from '../../core/ids.ts';
import { isSyncInterval, nextRunAt, SYNC_INTERVALS } from '../../core/sync/sync-interval.ts';
import type { SourceRecord } from '../../storage/repositories/sources-repository.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf, requireRole } from '../plugins/auth.ts';

type Body = Record<string, unknown>;

/** Fields of the source itself; everything else in a body is an option of its type. */
const RESERVED = ['type', 'name', 'description', 'interval', 'enabled', 'options'];

/** Bodies an upload may have; the bytes are streamed into the run, never buffered whole. */
const UPLOAD_TYPES = ['text/csv', 'text/plain', 'application/octet-stream', 'text/vcard', 'text/x-vcard', 'text/tab-separated-values', 'application/vnd.ms-excel'];

/**
 * `/api/v1/sources`: where synced phonebook entries come from (docs/sources.md). Type options go at
 * the top level of the body or under `options`; secret options are sealed and never returned
 * (`secretsSet` names the ones stored). `POST …/sync` starts a run (202), `POST …/upload` streams a
 * file into a run and answers with its report once applied.
 */
export async function sourcesRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const admin = requireRole(deps.keys, ['admin']);
  const tags = ['sources'];
  const docs = { tags, security: [{ apiKey: [] }], response: { '4xx': { $ref: 'Problem#' } } };
  const idParam = { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } };

  app.addContentTypeParser(UPLOAD_TYPES, (_request, payload, done) => done(null, payload));

  const view = (r: SourceRecord) => {
    const type = directorySourceType(r.type);
    const active = deps.sync.active(r.id);
    const leased = r.leaseUntil !== null && r.leaseUntil > new Date().toISOString();
    return {
      id: r.id,
      type: r.type,
      name: r.name,
      description: r.description,
      interval: r.interval,
      enabled: r.enabled,
      options: r.options,
      secretsSet: r.secrets ? (type?.secretOptions ?? []) : [],
      status: {
        running: Boolean(active) || leased,
        runId: active?.runId ?? (leased ? r.runId : null),
        runStartedAt: active?.startedAt ?? (leased ? r.runStartedAt : null),
        progress: active ? { read: active.read, ...(active.total !== undefined ? { total: active.total } : {}) } : leased ? r.progress : null,
        nextRunAt: r.nextRunAt,
        lastSuccessAt: r.lastSuccessAt,
        lastError: r.lastError,
        lastErrorAt: r.lastErrorAt,
        lastReport: r.lastReport,
      },
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    };
  };

  const load = async (tenantId: string, id: string) => {
    const record = await deps.store.sources.get(tenantId, id);
    if (!record) throw new CallbridgeError('CB_NOT_FOUND', 'No source with this id', '/id');
    return record;
  };

  /** Validates the merged options with the type and splits them into plain and sealed parts. */
  const prepare = (type: DirectorySourceType, merged: Record<string, unknown>) => {
    const checked = type.check(merged);
    if (!checked.ok) throw new CallbridgeError('CB_VALIDATION', checked.message, checked.field);
    return deps.secrets.sealOptions(checked.options, type.secretOptions);
  };

  const optionsOf = (body: Body) => {
    if (body.options !== undefined && (typeof body.options !== 'object' || body.options === null || Array.isArray(body.options))) {
      throw new CallbridgeError('CB_VALIDATION', 'options must be an object', '/options');
    }
    return { ...Object.fromEntries(Object.entries(body).filter(([k]) => !RESERVED.includes(k))), ...((body.options as Body | undefined) ?? {}) };
  };

  const fields = (body: Body) => {
    if (body.name !== undefined && (typeof body.name !== 'string' || !body.name.trim() || body.name.length > 100)) {
      throw new CallbridgeError('CB_VALIDATION', 'name must be a non-empty string of at most 100 characters', '/name');
    }
    if (body.description !== undefined && body.description !== null && (typeof body.description !== 'string' || body.description.length > 1000)) {
      throw new CallbridgeError('CB_VALIDATION', 'description must be a string of at most 1000 characters', '/description');
    }
    if (body.interval !== undefined && !isSyncInterval(body.interval)) throw new CallbridgeError('CB_VALIDATION', `interval must be one of ${SYNC_INTERVALS.join(', ')}`, '/interval');
    if (body.enabled !== undefined && typeof body.enabled !== 'boolean') throw new CallbridgeError('CB_VALIDATION', 'enabled must be true or false', '/enabled');
  };

  app.get('/api/v1/sources', { preHandler: admin, schema: { ...docs, summary: 'Phonebook sources with their sync status' } }, async (request) => ({
    items: (await deps.store.sources.list(principalOf(request).tenantId)).map(view),
    types: Object.values(DIRECTORY_SOURCE_TYPES).map((t) => ({ type: t.id, options: t.optionsSchema, secretOptions: t.secretOptions })),
  }));

  app.get<{ Params: { id: string } }>('/api/v1/sources/:id', { preHandler: admin, schema: { ...docs, params: idParam, summary: 'A source and its status: running, progress, last success, last error, last report' } }, async (request) =>
    view(await load(principalOf(request).tenantId, request.params.id)),
  );

  app.post<{ Body: Body }>(
    '/api/v1/sources',
    {
      preHandler: admin,
      schema: {
        ...docs,
        summary: 'Add a phonebook source',
        description: 'Body: {"type": "csv", "name", "description"?, "interval"? (15m|1h|1d|off, default 1h), "enabled"?, …options of the type at the top level or under "options" (GET /api/v1/sources lists them)}. A source that runs by itself runs first at once.',
        body: { type: 'object', required: ['type', 'name'] },
      },
    },
    async (request, reply) => {
      const { tenantId } = principalOf(request);
      const body = request.body;
      const type = typeof body.type === 'string' ? directorySourceType(body.type) : undefined;
      if (!type) throw new CallbridgeError('CB_VALIDATION', `type must be one of ${Object.keys(DIRECTORY_SOURCE_TYPES).join(', ')}`, '/type');
      fields(body);
      const { options, secrets } = prepare(type, optionsOf(body));
      const now = new Date().toISOString();
      const interval = isSyncInterval(body.interval) ? body.interval : type.needsUpload?.(options) ? 'off' : '1h';
      const enabled = body.enabled !== false;
      const record: SourceRecord = {
        id: uuidv7(), tenantId, type: type.id, name: (body.name as string).trim(), description: (body.description as string | undefined) ?? null, options, secrets, interval, enabled,
        state: null, nextRunAt: enabled && interval !== 'off' ? now : null, leaseOwner: null, leaseUntil: null, runId: null, runStartedAt: null, progress: null,
        lastSuccessAt: null, lastError: null, lastErrorAt: null, lastReport: null, createdAt: now, updatedAt: now,
      };
      if (!(await deps.store.sources.insert(record))) throw new CallbridgeError('CB_CONFLICT', `a source named "${record.name}" exists already`, '/name');
      reply.code(201);
      return view(record);
    },
  );

  app.patch<{ Params: { id: string }; Body: Body }>(
    '/api/v1/sources/:id',
    { preHandler: admin, schema: { ...docs, params: idParam, summary: 'Change options, interval, rename, enable or disable', body: { type: 'object', minProperties: 1 } } },
    async (request) => {
      const { tenantId } = principalOf(request);
      const record = await load(tenantId, request.params.id);
      const body = request.body;
      if (body.type !== undefined && body.type !== record.type) throw new CallbridgeError('CB_VALIDATION', 'type cannot change; create a new source', '/type');
      fields(body);
      const type = directorySourceType(record.type)!;
      const stored = record.secrets ? (JSON.parse(deps.secrets.open(record.secrets)) as Record<string, unknown>) : {};
      const { options, secrets } = prepare(type, { ...record.options, ...stored, ...optionsOf(body) });
      const interval = isSyncInterval(body.interval) ? body.interval : (record.interval as (typeof SYNC_INTERVALS)[number]);
      const enabled = typeof body.enabled === 'boolean' ? body.enabled : record.enabled;
      const rescheduled = interval !== record.interval || enabled !== record.enabled;
      const now = new Date().toISOString();
      const next = {
        name: typeof body.name === 'string' ? body.name.trim() : record.name,
        description: body.description !== undefined ? ((body.description as string | null) ?? null) : record.description,
        options, secrets, interval, enabled,
        nextRunAt: rescheduled ? nextRunAt(interval, enabled, Date.now()) : record.nextRunAt,
      };
      if (!(await deps.store.sources.updateSettings(tenantId, record.id, next, now))) throw new CallbridgeError('CB_CONFLICT', `a source named "${next.name}" exists already`, '/name');
      return view((await deps.store.sources.get(tenantId, record.id))!);
    },
  );

  app.delete<{ Params: { id: string } }>('/api/v1/sources/:id', { preHandler: admin, schema: { ...docs, params: idParam, summary: 'Delete a source and every contact synced from it' } }, async (request, reply) => {
    const { tenantId } = principalOf(request);
    await load(tenantId, request.params.id);
    deps.sync.cancel(request.params.id);
    const removed = await deps.store.sources.delete(tenantId, request.params.id);
    if (!removed) throw new CallbridgeError('CB_NOT_FOUND', 'No source with this id', '/id');
    await deps.phonebook.refresh();
    reply.code(204);
  });

  app.post<{ Params: { id: string } }>('/api/v1/sources/:id/sync', { preHandler: admin, schema: { ...docs, params: idParam, summary: 'Sync now: starts a run (202); 409 while one runs' } }, async (request, reply) => {
    const { tenantId } = principalOf(request);
    const started = await deps.sync.startRun(tenantId, request.params.id, { trigger: 'manual' });
    if (!started.ok) throw notStarted(started.reason);
    reply.code(202).header('location', `/api/v1/sources/${request.params.id}`);
    return { runId: started.run.runId, sourceId: started.run.sourceId, trigger: started.run.trigger, startedAt: started.run.startedAt };
  });

  app.post<{ Params: { id: string } }>(
    '/api/v1/sources/:id/upload',
    { preHandler: admin, schema: { ...docs, params: idParam, summary: `Upload the file and sync it at once; answers with the run's report (Content-Type: ${UPLOAD_TYPES.slice(0, 3).join(', ')} …)` } },
    async (request) => {
      const { tenantId } = principalOf(request);
      const body = request.body as AsyncIterable<Uint8Array> | undefined;
      if (!body || typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !== 'function') {
        throw new CallbridgeError('CB_UNSUPPORTED_MEDIA_TYPE', `send the file as the body with Content-Type ${UPLOAD_TYPES.slice(0, 3).join(', ')}`);
      }
      const started = await deps.sync.startRun(tenantId, request.params.id, { trigger: 'upload', upload: uploadBytes(body) });
      if (!started.ok) {
        request.raw.resume();
        throw notStarted(started.reason);
      }
      const report = await started.run.done;
      if (!report.ok) throw new CallbridgeError('CB_SOURCE_FAILED', report.error ?? 'the run failed', '/');
      return report;
    },
  );
}

function notStarted(reason: 'not_found' | 'running'): CallbridgeError {
  return reason === 'not_found' ? new CallbridgeError('CB_NOT_FOUND', 'No source with this id', '/id') : new CallbridgeError('CB_CONFLICT', 'a run of this source is going on; wait for it (GET shows its progress)', '/id');
}

/** The request body; a client that stops sending fails the run in words, not with a socket error. */
async function* uploadBytes(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let received = 0;
  try {
    for await (const chunk of body) {
      received += chunk.length;
      yield chunk;
    }
  } catch {
    throw new SourceError('unreachable', `The upload was interrupted after ${received} bytes`);
  }
}
