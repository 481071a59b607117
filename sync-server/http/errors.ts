import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { CommandResult, ErrorCode } from '../../core/index.js';
import { printable } from '../commands/hostile-input.js';
import { InvalidCommandError } from '../commands/processor.js';

/** Codes in error bodies: the domain's ErrorCode plus the one for our own failures. */
export type ApiErrorCode = ErrorCode | 'internal_error' | 'throttled';

/** The one error body shape: `{error:{code, message, field?}}`, plus `result` for commands. */
export type ErrorBody = { error: { code: ApiErrorCode; message: string; field?: string }; result?: CommandResult };

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const unauthenticated = (message = 'sign in first: send Authorization: Bearer <token>') => new ApiError(401, 'unauthenticated', message);
export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);
export const notFound = (message: string) => new ApiError(404, 'not_found', message);

export type RejectionStatus = 400 | 401 | 403 | 404 | 409 | 422 | 426;

/** HTTP status for a rejected command's code. */
export function statusForCode(code: ErrorCode | 'ok'): RejectionStatus {
  switch (code) {
    case 'invalid_input':
      return 400;
    case 'unauthenticated':
      return 401;
    // mfa_required: allowed once the sender proves a second factor (POST /api/v1/auth/step-up) and sends it again.
    case 'forbidden':
    case 'self_approval_forbidden':
    case 'mfa_required':
      return 403;
    case 'not_found':
      return 404;
    case 'already_decided':
    case 'stale':
    case 'conflict':
      return 409;
    case 'unsupported_protocol':
      return 426;
    default:
      return 422;
  }
}

/** Rejection messages start with the field path ("payload.durationMinutes: ..."); surface it. */
export function fieldOf(message: string): string | undefined {
  const match = /^([A-Za-z_][\w]*(?:\.[\w]+)*): /.exec(message);
  return match?.[1];
}

export function commandErrorBody(result: CommandResult): ErrorBody {
  const field = result.code === 'invalid_input' ? fieldOf(result.message) : undefined;
  return { error: { code: result.code as ErrorCode, message: result.message, ...(field ? { field } : {}) }, result };
}

function codeForStatus(status: number): ApiErrorCode {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 426) return 'unsupported_protocol';
  if (status === 429) return 'throttled';
  return 'invalid_input';
}

/** Messages may quote what was sent (a path, a name): never more than this of it. */
const MAX_MESSAGE_CHARS = 1024;

export function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  const shown = printable(error.message);
  const message = shown.length > MAX_MESSAGE_CHARS ? `${shown.slice(0, MAX_MESSAGE_CHARS - 20)}... (shortened)` : shown;
  const body: ErrorBody = { error: { code: error.code, message, ...(error.field ? { field: printable(error.field).slice(0, 256) } : {}) } };
  return reply.code(error.statusCode).type('application/json').send(body);
}

/**
 * Fastify's own answers to a URL it cannot route (bad percent-encoding such as `%ZZ`, a path
 * parameter over 100 characters), given as the `frameworkErrors` option: otherwise they leave in
 * Fastify's shape, not ErrorBody.
 */
export function frameworkErrorHandler(error: FastifyError, _request: unknown, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return void sendError(reply, new ApiError(414, 'invalid_input', 'url: a path segment is longer than 100 characters', 'url'));
  if (error.code === 'FST_ERR_BAD_URL') return void sendError(reply, new ApiError(400, 'invalid_input', 'url: is not a valid URL (a % must start an escape such as %2F)', 'url'));
  sendError(reply, new ApiError(400, 'invalid_input', 'the request could not be routed'));
}

/** Every failure leaves as ErrorBody; bad input is a 4xx naming the field, never a 500. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const first = error.validation[0];
      // An unknown field is named itself ("actorId"), not the object that holds it.
      const unknownKeys = first?.keyword === 'unrecognized_keys' && Array.isArray(first.params.keys) ? (first.params.keys as unknown[]).map(String) : [];
      const path = [...(first?.instancePath ?? '').split('/').filter(Boolean), ...unknownKeys.slice(0, 1)].join('.');
      const where = error.validationContext ?? 'body';
      const field = path || where;
      // A query value coerced to a number reads "received NaN" in zod's words: say what was sent.
      const rule = unknownKeys.length > 0 ? 'is not a known field' : (first?.message ?? 'is invalid').replace('received NaN', 'received text that is not a number');
      return sendError(reply, new ApiError(400, 'invalid_input', `${field}: ${rule}`, field));
    }
    if (error instanceof ApiError) return sendError(reply, error);
    if (error instanceof InvalidCommandError) {
      return sendError(reply, new ApiError(error.code === 'conflict' ? 409 : 400, error.code, error.message, error.field));
    }
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      const message =
        error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'the request body is too large'
          : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? `content-type: ${String(request.headers['content-type'] ?? 'none').slice(0, 100)} is not accepted; send application/json`
            : error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.name === 'SyntaxError'
              ? `body: is not valid JSON (${error.message})`
              : error.message;
      return sendError(reply, new ApiError(status, codeForStatus(status), message));
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, new ApiError(500, 'internal_error', 'the server failed to handle the request; the error was logged'));
  });
}
