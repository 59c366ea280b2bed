/**
 * SCIM protocol errors (RFC 7644 §3.12). Every failure the SCIM core raises is a
 * `ScimError`; `renderScimError` is the one place that turns any thrown value into the
 * RFC error document, hiding the details of unexpected (5xx) errors.
 */

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Media type of every SCIM response body (RFC 7644 §3.1). */
export const SCIM_CONTENT_TYPE = 'application/scim+json';

/** The `scimType` detail codes of RFC 7644 §3.12, table 9. */
export const scimErrorTypes = [
  'invalidFilter',
  'tooMany',
  'uniqueness',
  'mutability',
  'invalidSyntax',
  'invalidPath',
  'noTarget',
  'invalidValue',
  'invalidVers',
  'sensitive',
] as const;
export type ScimErrorType = (typeof scimErrorTypes)[number];

export interface ScimErrorBody {
  schemas: [typeof SCIM_ERROR_SCHEMA];
  /** The HTTP status as a string, as RFC 7644 §3.12 requires. */
  status: string;
  scimType?: ScimErrorType;
  detail: string;
}

export class ScimError extends Error {
  readonly status: number;
  readonly scimType: ScimErrorType | undefined;
  readonly detail: string;

  constructor(
    status: number,
    scimType: ScimErrorType | undefined,
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
    this.detail = detail;
  }

  /** 400 with a `scimType`; the common case. */
  static badRequest(scimType: ScimErrorType, detail: string): ScimError {
    return new ScimError(400, scimType, detail);
  }

  static invalidFilter(detail: string): ScimError {
    return new ScimError(400, 'invalidFilter', detail);
  }

  static invalidValue(detail: string): ScimError {
    return new ScimError(400, 'invalidValue', detail);
  }

  static invalidSyntax(detail: string): ScimError {
    return new ScimError(400, 'invalidSyntax', detail);
  }

  static invalidPath(detail: string): ScimError {
    return new ScimError(400, 'invalidPath', detail);
  }

  static noTarget(detail: string): ScimError {
    return new ScimError(400, 'noTarget', detail);
  }

  static mutability(detail: string): ScimError {
    return new ScimError(400, 'mutability', detail);
  }

  /** 409: a unique attribute (userName, externalId, group displayName) is taken. */
  static uniqueness(detail: string): ScimError {
    return new ScimError(409, 'uniqueness', detail);
  }

  /** 400 tooMany: the query would return more results than the server will compute. */
  static tooMany(detail: string): ScimError {
    return new ScimError(400, 'tooMany', detail);
  }

  static notFound(detail: string): ScimError {
    return new ScimError(404, undefined, detail);
  }

  static unauthorized(
    detail = 'Authorization failure: missing or invalid bearer token',
  ): ScimError {
    return new ScimError(401, undefined, detail);
  }

  /** 412: `If-Match` named a version other than the current one. */
  static preconditionFailed(detail = 'The resource version does not match If-Match'): ScimError {
    return new ScimError(412, undefined, detail);
  }

  static payloadTooLarge(detail: string): ScimError {
    return new ScimError(413, undefined, detail);
  }

  static tooManyRequests(detail = 'Too many requests'): ScimError {
    return new ScimError(429, undefined, detail);
  }
}

export interface RenderedScimError {
  status: number;
  body: ScimErrorBody;
}

/**
 * Renders any thrown value as an RFC 7644 error document. A `ScimError` keeps its
 * status, scimType and detail; anything else becomes a 500 whose detail says nothing
 * about the cause (log the original separately).
 */
export function renderScimError(error: unknown): RenderedScimError {
  if (error instanceof ScimError) {
    const body: ScimErrorBody = {
      schemas: [SCIM_ERROR_SCHEMA],
      status: String(error.status),
      detail: error.detail,
    };
    if (error.scimType !== undefined) body.scimType = error.scimType;
    return { status: error.status, body };
  }
  return {
    status: 500,
    body: { schemas: [SCIM_ERROR_SCHEMA], status: '500', detail: 'Internal server error' },
  };
}
