import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * The data of a `copy … from stdin` statement, as COPY's text format (tab-separated
 * columns, one line per row), in pieces. Passed as the statement's only parameter: the
 * pooled client below streams it to the server instead of binding it, so a COPY goes
 * through Kysely like any other query, inside the caller's transaction.
 */
export class CopyData {
  constructor(readonly pieces: readonly string[]) {}
}

/**
 * The pool Kysely draws its connections from, whose clients also run COPY: a query whose
 * only parameter is CopyData is sent as `COPY … FROM STDIN` with that data (see
 * bulk-insert.ts, the one caller); any other query goes to node-postgres unchanged.
 */
export function poolWithCopy(pool: pg.Pool): PostgresPool {
  // One wrapper per pooled client: Kysely keeps its connection objects per client.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        const query = (text: unknown, parameters?: readonly unknown[]): unknown =>
          parameters?.length === 1 && parameters[0] instanceof CopyData
            ? copyIn(client, text as string, parameters[0])
            : client.query(text as string, parameters as unknown[]);
        wrapper = {
          query: query as PostgresPoolClient['query'],
          release: () => client.release(),
        };
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}

async function copyIn(
  client: pg.PoolClient,
  text: string,
  data: CopyData,
): Promise<PostgresQueryResult<never>> {
  const stream = client.query(copyFrom(text));
  // A rejected row (a constraint, a type) ends the COPY with the server's error, which
  // rejects here as a failed query would; the caller's transaction then rolls back.
  await pipeline(Readable.from(data.pieces, { objectMode: false }), stream);
  return { command: 'INSERT', rowCount: stream.rowCount, rows: [] };
}
