import type { FastifyInstance } from 'fastify';
import { CallbridgeError } from '../../core/errors.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf, requireRole } from '../plugins/auth.ts';

type DialBody = { extension: string; number: string; connectorId?: string };

/**
 * `POST /api/v1/calls/dial`: click-to-dial through a PBX connection with the `clickToDial` capability.
 * The agent's phone rings first; when it is picked up the PBX dials the number. An agent key may dial
 * only for its own extension. The call then appears in the journal like any outbound call.
 */
export async function dialRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.post<{ Body: DialBody }>(
    '/api/v1/calls/dial',
    {
      preHandler: requireRole(deps.keys, ['agent', 'admin']),
      schema: {
        tags: ['calls'],
        summary: 'Click-to-dial: ring the extension, then dial the number',
        security: [{ apiKey: [] }],
        body: {
          type: 'object',
          required: ['extension', 'number'],
          additionalProperties: false,
          properties: {
            extension: { type: 'string', pattern: '^[0-9*#]{1,32}$' },
            number: { type: 'string', minLength: 1, maxLength: 64 },
            connectorId: { type: 'string', maxLength: 64, description: 'Which PBX connection; default: the first connected one' },
          },
        },
        response: { '4xx': { $ref: 'Problem#' }, '5xx': { $ref: 'Problem#' } },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { extension, connectorId } = request.body;
      if (principal.role === 'agent' && principal.extension !== extension) {
        throw new CallbridgeError(
          'CB_FORBIDDEN',
          principal.extension ? `this key may dial only from extension ${principal.extension}` : 'this agent key has no extension; create it with --extension',
          '/extension',
        );
      }
      // Keep what a dialplan understands: digits, a leading +, * and #.
      const number = request.body.number.replace(/[\s().\-/]/g, '');
      if (!/^\+?[0-9*#]{1,40}$/.test(number)) throw new CallbridgeError('CB_VALIDATION', 'number must be a phone number (digits, optional leading +)', '/number');
      const dialer = deps.pbx.dialer(principal.tenantId, connectorId);
      if (!dialer?.dial) throw new CallbridgeError('CB_PBX_UNAVAILABLE', connectorId ? 'that connector cannot dial or does not run' : 'no PBX connection of this tenant can dial');
      const result = await dialer.dial({ extension, number });
      if (!result.ok) {
        throw new CallbridgeError(result.reason.includes('not connected') ? 'CB_PBX_UNAVAILABLE' : 'CB_PBX_REFUSED', result.reason);
      }
      reply.code(202);
      return { status: 'dialing', extension, number, reference: result.reference };
    },
  );
}
