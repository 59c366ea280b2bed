import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConnectorError } from '../connector.js';

/**
 * Parses a provider body and checks it against its schema before anything reads it.
 * Schemas list only the fields we use and leave others open, so new provider fields
 * never break a sync; a missing or mistyped field we need is `invalid_response`.
 */
export function decodeJson<T extends TSchema>(schema: T, text: string, what: string): Static<T> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new ConnectorError('invalid_response', `${what}: the body is not JSON`, { cause: err });
  }
  if (!Value.Check(schema, body)) {
    const first = Value.Errors(schema, body).First();
    const where = first ? `${first.path || '/'}: ${first.message}` : 'does not match';
    throw new ConnectorError('invalid_response', `${what}: unexpected body (${where})`);
  }
  return body;
}

/** Like decodeJson but returns undefined instead of throwing (for error bodies). */
export function tryDecodeJson<T extends TSchema>(schema: T, text: string): Static<T> | undefined {
  try {
    const body: unknown = JSON.parse(text);
    return Value.Check(schema, body) ? body : undefined;
  } catch {
    return undefined;
  }
}

/** application/x-www-form-urlencoded body. */
export function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}
