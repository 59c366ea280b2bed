import type { FastifyRequest } from 'fastify';
import { validationError } from '../errors.js';
import { findJsonProblem, MAX_BODY_DEPTH } from '../lib/json-bounds.js';

/**
 * The checks every request passes before any route sees it, for the REST API and SCIM
 * alike: no NUL in the path, query or tenant header, and a body within MAX_BODY_DEPTH
 * levels with no NUL and no non-finite number (see lib/json-bounds.ts). A failure is a
 * 400 naming the field; the SCIM error handler renders it as a SCIM error.
 */

/** onRequest: the URL's parameters and the tenant header, before authentication reads it. */
export async function rejectHostileUrl(request: FastifyRequest): Promise<void> {
  const parts = [
    ['query', request.query],
    ['params', request.params],
    ['header', { 'x-tenant-id': request.headers['x-tenant-id'] }],
  ] as const;
  for (const [root, value] of parts) {
    const problem = findJsonProblem(value ?? {}, { maxDepth: MAX_BODY_DEPTH, root });
    if (problem) throw validationError([problem]);
  }
}

/** preValidation: the parsed body, before schema validation and before any handler. */
export async function rejectHostileBody(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) return;
  const problem = findJsonProblem(request.body, { maxDepth: MAX_BODY_DEPTH });
  if (problem) throw validationError([problem]);
}
