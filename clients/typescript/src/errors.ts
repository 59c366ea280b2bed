/** Why a webhook request was rejected; each is a reason to answer it with a 4xx. */
export type WebhookErrorCode =
  /** No `Dirsync-Signature` header. */
  | 'missing_signature'
  /** The header has no integer `t=` or no `v1=`. */
  | 'malformed_signature'
  /** `t` is further from now than the tolerance: a replay, or a badly wrong clock. */
  | 'timestamp_out_of_tolerance'
  /** No `v1` matches the HMAC of the body with this secret (wrong secret, or altered body). */
  | 'signature_mismatch'
  /** Correctly signed, but the body is not an event object. */
  | 'invalid_payload';

/** Thrown by `verifyWebhook`; `code` says why. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly code: WebhookErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The error body of every dirsync API error. */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** A non-2xx answer of the dirsync API: its status and the `error` object it returned. */
export class DirsyncApiError extends Error {
  override readonly name = 'DirsyncApiError';
  readonly code: string;
  readonly details: unknown;
  constructor(
    readonly status: number,
    body: unknown,
  ) {
    const error = isApiErrorBody(body) ? body.error : null;
    super(error?.message ?? `dirsync answered HTTP ${status}`);
    this.code = error?.code ?? `http_${status}`;
    this.details = error?.details;
  }
}

function isApiErrorBody(body: unknown): body is ApiErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = (body as { error: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}
