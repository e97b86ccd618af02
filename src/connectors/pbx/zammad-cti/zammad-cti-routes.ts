/**
 * `POST /api/v1/cti/{token}`: the generic CTI webhook as Zammad defines it and sipgate.io sends it.
 * The token in the URL is an API key (role ingest or admin): those PBXs can send nothing but a URL.
 * Answers `{}` as they expect; form-encoded and JSON bodies both work.
 */
import type { FastifyInstance } from 'fastify';
import { CallbridgeError } from '../../../core/errors.ts';
import type { AppDeps } from '../../../http/app-deps.ts';
import { ingestEvents } from '../../../http/ingest-reply.ts';
import { mapZammadCti } from './zammad-cti-mapping.ts';

export async function zammadCtiRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.post<{ Params: { token: string } }>(
    '/api/v1/cti/:token',
    {
      validatorCompiler: () => () => true,
      schema: {
        tags: ['ingest'],
        summary: 'Generic CTI webhook (Zammad format, sipgate.io push)',
        description: 'Fields: event (newCall|answer|hangup), from, to, direction (in|out), callId, user[], answeringNumber, cause, origCallId. Form-encoded or JSON. Responds {}.',
        params: { type: 'object', properties: { token: { type: 'string', description: 'An API key with role ingest' } } },
        response: { 200: { type: 'object' }, '4xx': { $ref: 'Problem#' } },
      },
    },
    async (request) => {
      const principal = await deps.keys.verify(request.params.token);
      if (!principal || (principal.role !== 'ingest' && principal.role !== 'admin')) {
        throw new CallbridgeError('CB_UNAUTHORIZED', 'The token in the URL is not a valid ingest key');
      }
      const mapped = mapZammadCti(request.body, new Date().toISOString());
      if (!mapped.ok) throw new CallbridgeError('CB_VALIDATION', mapped.message, mapped.field);
      await ingestEvents(deps, principal.tenantId, mapped.events, 'zammad-cti');
      return {};
    },
  );
}
