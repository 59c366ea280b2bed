/**
 * The shapes a fake Microsoft Graph answers in (graph-fake.ts): Graph and identity
 * platform error bodies (learn.microsoft.com/graph/errors, AADSTS error responses),
 * `$select` projection, `members@delta` entries and the opaque delta state tokens.
 */
import { randomToken, type FakeResponse } from './fake-server.js';

/** A directory object as Graph lists it. */
export type GraphObject = Record<string, unknown> & { id: string };

export interface FakeGroup {
  id: string;
  displayName: string;
  description: string | null;
  members: Map<string, 'user' | 'group'>;
}

export type Change =
  | { seq: number; kind: 'user'; id: string; op: 'remove' }
  /** `state`: the user as it was right after this change (listed by `deltaEntries: 'each'`). */
  | { seq: number; kind: 'user'; id: string; op: 'create'; state: GraphObject }
  | { seq: number; kind: 'user'; id: string; op: 'update'; props: string[]; state: GraphObject }
  | { seq: number; kind: 'group'; id: string; op: 'create' | 'remove' | 'restore' | 'purge' }
  | { seq: number; kind: 'group'; id: string; op: 'update'; props: string[] }
  | {
      seq: number;
      kind: 'group';
      id: string;
      op: 'member';
      memberId: string;
      memberType: 'user' | 'group';
      added: boolean;
    };

export function project(obj: GraphObject, select: string[]): GraphObject {
  if (select.length === 0) return { ...obj };
  const out: GraphObject = { id: obj.id };
  for (const p of select) out[p] = obj[p] ?? null;
  return out;
}

export function memberEntry(
  id: string,
  type: 'user' | 'group',
  removed: boolean,
): Record<string, unknown> {
  return {
    '@odata.type': `#microsoft.graph.${type}`,
    id,
    ...(removed ? { '@removed': { reason: 'deleted' } } : {}),
  };
}

export function encodeState(state: { kind: string; seq: number; select: string[] }): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

export function decodeState(
  token: string,
): { kind: string; seq: number; select: string[] } | undefined {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      kind: string;
      seq: number;
      select: string[];
    };
  } catch {
    return undefined;
  }
}

export function graphError(code: string, message: string): unknown {
  return {
    error: {
      code,
      message,
      innerError: {
        date: new Date().toISOString(),
        'request-id': randomToken('r'),
        'client-request-id': randomToken('c'),
      },
    },
  };
}

export function denied(): FakeResponse {
  return {
    status: 403,
    body: graphError(
      'Authorization_RequestDenied',
      'Insufficient privileges to complete the operation.',
    ),
  };
}

export function notFound(id: string): FakeResponse {
  return {
    status: 404,
    body: graphError(
      'Request_ResourceNotFound',
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    ),
  };
}

export function aadError(status: number, error: string, code: number, text: string): FakeResponse {
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${text} Trace ID: ${randomToken('')}\r\nCorrelation ID: ${randomToken('')}\r\nTimestamp: ${new Date().toISOString()}`,
      error_codes: [code],
      timestamp: new Date().toISOString(),
      trace_id: randomToken(''),
      correlation_id: randomToken(''),
    },
  };
}
