import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode } from '../errors.js';
import { ajvFieldErrors } from '../lib/schema.js';
import { isDatabaseUnavailable } from '../store/database.js';

/** Seconds a client waits before retrying while the database is out of reach (a restart takes a few). */
export const DATABASE_RETRY_AFTER_S = 5;

/** The answer while the database restarts or fails over: the request itself was fine. */
export function databaseUnavailable(cause: unknown): AppError {
  return new AppError('database_unavailable', 'the database is unavailable; try again shortly', {
    cause,
    retryAfter: DATABASE_RETRY_AFTER_S,
  });
}

const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
};

/**
 * The one error renderer: 4xx say what is wrong and which field; 5xx say nothing
 * beyond "internal error" (details go to the log, never to the client).
 */
export function errorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (!(error instanceof AppError) && isDatabaseUnavailable(error)) {
    request.log.warn({ err: error }, 'database unavailable');
    errorHandler(databaseUnavailable(error) as unknown as FastifyError, request, reply);
    return;
  }
  if (error instanceof AppError) {
    if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
    void reply
      .status(error.status)
      .send({ error: { code: error.code, message: error.message, details: error.details } });
    return;
  }
  if (error.validation) {
    const part = error.validationContext ?? 'body';
    const details = ajvFieldErrors(
      error.validation as unknown as Parameters<typeof ajvFieldErrors>[0],
      part === 'body' ? '' : part,
    );
    const first = details[0];
    void reply.status(400).send({
      error: {
        code: 'validation_failed',
        message: first ? `${first.field}: ${first.message}` : 'invalid request',
        details,
      },
    });
    return;
  }
  const mapped = error.code ? fastifyCodes[error.code] : undefined;
  if (mapped) {
    const message =
      mapped === 'invalid_json'
        ? `the request body is not valid JSON: ${error.message}`
        : mapped === 'payload_too_large'
          ? 'the request body is larger than the limit (1 MiB)'
          : error.message;
    void reply.status(error.statusCode ?? 400).send({ error: { code: mapped, message } });
    return;
  }
  const status = error.statusCode ?? 500;
  if (status < 500) {
    void reply.status(status).send({
      error: { code: status === 404 ? 'not_found' : 'bad_request', message: error.message },
    });
    return;
  }
  request.log.error({ err: error }, 'unhandled error');
  void reply.status(500).send({ error: { code: 'internal', message: 'internal error' } });
}
