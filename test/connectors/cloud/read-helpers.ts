import { expect } from 'vitest';
import { ConnectorError, type Connector } from '../../../src/connectors/connector.js';
import { drainRead, type DrainedRead } from '../../helpers/slapd-settings.js';

/** Runs one read to the end the way the engine does: users, groups, deleted, cursor. */
export async function drain(
  connector: Connector,
  cursor: string | null,
  signal: AbortSignal = new AbortController().signal,
): Promise<DrainedRead> {
  return drainRead(await connector.read({ cursor, signal }));
}

/** Asserts that `promise` rejects with a ConnectorError of `kind`, and returns it. */
export async function expectConnectorError(
  promise: Promise<unknown>,
  kind: ConnectorError['kind'],
): Promise<ConnectorError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectorError);
  const ce = err as ConnectorError;
  expect(ce.kind, ce.message).toBe(kind);
  return ce;
}

export function byId<T extends { externalId: string }>(items: T[], id: string): T {
  const found = items.find((i) => i.externalId === id);
  if (!found) throw new Error(`no ${id} among ${items.map((i) => i.externalId).join(', ')}`);
  return found;
}

/** Fast retries for tests: the waits a server asks for are still honoured. */
export const fastRetry = { retry: { baseDelayMs: 20, maxDelayMs: 200 } };
