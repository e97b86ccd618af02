/**
 * RFC 9457 problem details. Every error response of the API has this shape, with the stable code from
 * core/errors.ts and, for bad input, the offending field as a JSON pointer.
 */
import type { FastifyReply } from 'fastify';
import { ERRORS, type ErrorCode } from '../core/errors.ts';

export type Problem = {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  field?: string;
  instance?: string;
};

export function problem(code: ErrorCode, detail: string, field?: string, instance?: string): Problem {
  const { status, title } = ERRORS[code];
  const p: Problem = { type: `https://callbridge.dev/errors/${code}`, title, status, code, detail };
  if (field !== undefined) p.field = field;
  if (instance !== undefined) p.instance = instance;
  return p;
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type('application/problem+json').send(p);
}

/** Schema reference for error responses in OpenAPI. */
export const problemSchema = {
  $id: 'Problem',
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string' },
    detail: { type: 'string' },
    field: { type: 'string' },
    instance: { type: 'string' },
  },
} as const;
