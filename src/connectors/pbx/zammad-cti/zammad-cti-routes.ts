/**
 * The generic CTI webhook as Zammad defines it and sipgate.io sends it:
 * - `POST /api/v1/cti/{token}` answers `{}` (Zammad's generic CTI contract);
 * - `POST /api/v1/cti/sipgate/{token}` answers a newCall with sipgate's XML
 *   `<Response onAnswer=… onHangup=…/>` pointing back at itself, because sipgate.io sends answer and
 *   hangup pushes only to URLs named in that answer (https://developer.sipgate.io/push-api/api-reference/).
 * The token in the URL is an API key (role ingest or admin): those PBXs can send nothing but a URL.
 * Form-encoded and JSON bodies both work.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CallbridgeError } from '../../../core/errors.ts';
import type { AppDeps } from '../../../http/app-deps.ts';
import { ingestEvents } from '../../../http/ingest-reply.ts';
import { mapZammadCti } from './zammad-cti-mapping.ts';

type Request = FastifyRequest<{ Params: { token: string } }>;

const schema = (summary: string, description: string) => ({
  tags: ['ingest'],
  summary,
  description,
  params: { type: 'object', properties: { token: { type: 'string', description: 'An API key with role ingest' } } },
  response: { '4xx': { $ref: 'Problem#' } },
});

const FIELDS = 'Fields: event (newCall|answer|hangup), from, to, direction (in|out), callId, user[], answeringNumber, cause, origCallId, diversion. Form-encoded or JSON.';

export async function zammadCtiRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  async function ingest(request: Request): Promise<string | null> {
    const principal = await deps.keys.verify(request.params.token);
    if (!principal || (principal.role !== 'ingest' && principal.role !== 'admin')) {
      throw new CallbridgeError('CB_UNAUTHORIZED', 'The token in the URL is not a valid ingest key');
    }
    const mapped = mapZammadCti(request.body, new Date().toISOString());
    if (!mapped.ok) throw new CallbridgeError('CB_VALIDATION', mapped.message, mapped.field);
    await ingestEvents(deps, principal.tenantId, mapped.events, 'zammad-cti');
    const body = request.body as Record<string, unknown> | null;
    return typeof body?.event === 'string' ? body.event : null;
  }

  app.post<{ Params: { token: string } }>(
    '/api/v1/cti/:token',
    { validatorCompiler: () => () => true, schema: schema('Generic CTI webhook (Zammad format)', `${FIELDS} Responds {}.`) },
    async (request) => {
      await ingest(request);
      return {};
    },
  );

  app.post<{ Params: { token: string } }>(
    '/api/v1/cti/sipgate/:token',
    { validatorCompiler: () => () => true, schema: schema('sipgate.io push webhook', `${FIELDS} Answers newCall with <Response onAnswer onHangup> naming this URL.`) },
    async (request: Request, reply: FastifyReply) => {
      const event = await ingest(request);
      if (event !== 'newCall') return {};
      const self = xmlAttr(`${request.protocol}://${request.host}${request.url.split('?')[0]}`);
      reply.type('application/xml');
      return `<?xml version="1.0" encoding="UTF-8"?>\n<Response onAnswer="${self}" onHangup="${self}"/>\n`;
    },
  );
}

function xmlAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
