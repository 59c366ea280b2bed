/**
 * AppError and the one registry of error codes the API returns. The error handler
 * renders `{"error": {"code", "message", "details"}}` with the registered status.
 */
export const errorCodes = {
  validation_failed: 400,
  invalid_json: 400,
  invalid_cursor: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  database_unavailable: 503,
} as const;
export type ErrorCode = keyof typeof errorCodes;

export interface FieldError {
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  /** Seconds, for 429 and 503 responses. */
  readonly retryAfter: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: unknown; cause?: unknown; retryAfter?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = errorCodes[code];
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }
}

/** A 400 naming each bad field; the message names the first so a person sees it at once. */
export function validationError(errors: FieldError[]): AppError {
  const first = errors[0];
  const message = first ? `${first.field}: ${first.message}` : 'invalid request';
  return new AppError('validation_failed', message, { details: errors });
}

export function notFound(what: string): AppError {
  return new AppError('not_found', `${what} not found`);
}
