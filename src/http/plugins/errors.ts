/**
 * Maps every failure to problem+json: our coded errors, Fastify's parser and validation errors, and
 * anything unexpected (500, logged with its stack, never shown to the client).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CallbridgeError } from '../../core/errors.ts';
import { problem, sendProblem } from '../problem.ts';

const FASTIFY_CODES: Record<string, (e: FastifyError) => ReturnType<typeof problem>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: (e) => problem('CB_MALFORMED_BODY', `The body is not valid JSON: ${e.message}`, '/'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => problem('CB_MALFORMED_BODY', 'The body is empty; send a JSON event or an array of events', '/'),
  FST_ERR_CTP_BODY_TOO_LARGE: () => problem('CB_PAYLOAD_TOO_LARGE', 'The body is larger than the server accepts (CALLBRIDGE_BODY_LIMIT)'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (e) => problem('CB_UNSUPPORTED_MEDIA_TYPE', `${e.message}; send application/json`),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => problem('CB_MALFORMED_BODY', 'Content-Length does not match the body'),
  FST_ERR_CTP_INVALID_TYPE: () => problem('CB_UNSUPPORTED_MEDIA_TYPE', 'The Content-Type header is not valid'),
};

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof CallbridgeError) {
      return sendProblem(reply, problem(error.code, error.message, error.field, request.url.split('?')[0]));
    }
    const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (mapped) return sendProblem(reply, mapped(error));
    if (error.validation) {
      const first = error.validation[0];
      const field = first?.instancePath || (first?.params && 'missingProperty' in first.params ? `/${String(first.params.missingProperty)}` : '/');
      const where = error.validationContext ?? 'body';
      return sendProblem(reply, problem('CB_VALIDATION', `${where}${first?.instancePath ?? ''} ${first?.message ?? 'is invalid'}`, field));
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      const code = error.statusCode === 413 ? 'CB_PAYLOAD_TOO_LARGE' : error.statusCode === 415 ? 'CB_UNSUPPORTED_MEDIA_TYPE' : 'CB_VALIDATION';
      return sendProblem(reply, problem(code, error.message));
    }
    request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, problem('CB_INTERNAL', 'Something went wrong on our side; the request was not applied'));
  });
}

/** The not-found handler (set by buildApp, which also hooks its metrics to it). */
export function notFound(request: FastifyRequest, reply: FastifyReply): void {
  sendProblem(reply, problem('CB_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`));
}
