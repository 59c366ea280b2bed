import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The loopback HTTP server under every fake cloud provider: it records each request
 * (with its arrival time, so tests can assert waits), applies injected faults before
 * the provider logic runs, and renders JSON or text answers.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** Date.now() on arrival. */
  at: number;
  /** path + search, as the client sent it. */
  url: string;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string | string[]>;
  /** Objects are sent as JSON, strings as they are. */
  body?: unknown;
}

/** `reset` destroys the socket without an answer (a connection drop mid-read). */
export type FaultAnswer = FakeResponse | 'reset';

interface Fault {
  match: (req: RecordedRequest) => boolean;
  answer: (req: RecordedRequest) => FaultAnswer;
  remaining: number;
}

export interface FakeServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Answers the next `times` requests matching `match` with `answer` instead. */
  addFault(
    match: (req: RecordedRequest) => boolean,
    answer: FaultAnswer | ((req: RecordedRequest) => FaultAnswer),
    times?: number,
  ): void;
  /**
   * Fails the `nth` request matching `match` (1-based, counted from now), and every
   * later request for that same URL (retries), `times` times in all.
   */
  failNth(
    match: (req: RecordedRequest) => boolean,
    nth: number,
    answer: FaultAnswer,
    times?: number,
  ): void;
  /**
   * Runs `effect` when a request matching `match` arrives, before faults and the
   * provider logic see it (e.g. expire every token just as page 2 is asked for),
   * for the next `times` matches.
   */
  onRequest(match: (req: RecordedRequest) => boolean, effect: () => void, times?: number): void;
  /** Drops faults and request hooks. */
  clearFaults(): void;
  close(): Promise<void>;
}

export async function startFakeServer(
  handle: (req: RecordedRequest) => FakeResponse | Promise<FakeResponse>,
): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  let faults: Fault[] = [];
  let hooks: { match: (req: RecordedRequest) => boolean; effect: () => void; remaining: number }[] =
    [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
        const recorded: RecordedRequest = {
          method: req.method ?? 'GET',
          path: decodeURIComponent(parsed.pathname),
          query: parsed.searchParams,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
          url: req.url ?? '/',
        };
        requests.push(recorded);
        for (const hook of hooks) {
          if (hook.remaining > 0 && hook.match(recorded)) {
            hook.remaining--;
            hook.effect();
          }
        }
        let answer: FaultAnswer;
        const fault = faults.find((f) => f.remaining > 0 && f.match(recorded));
        try {
          if (fault) {
            fault.remaining--;
            answer = fault.answer(recorded);
          } else {
            answer = await handle(recorded);
          }
        } catch (err) {
          answer = { status: 500, body: { message: String(err) } };
        }
        if (answer === 'reset') {
          req.socket.destroy();
          return;
        }
        const isText = typeof answer.body === 'string';
        const payload =
          answer.body === undefined
            ? ''
            : isText
              ? (answer.body as string)
              : JSON.stringify(answer.body);
        res.writeHead(answer.status, {
          'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
          ...answer.headers,
        });
        res.end(payload);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    addFault(match, answer, times = 1) {
      faults.push({
        match,
        answer: typeof answer === 'function' ? answer : () => answer,
        remaining: times,
      });
    },
    failNth(match, nth, answer, times = Number.POSITIVE_INFINITY) {
      let seen = 0;
      let target: string | undefined;
      faults.push({
        match: (req) => {
          if (target !== undefined) return req.url === target;
          if (!match(req)) return false;
          seen++;
          if (seen < nth) return false;
          target = req.url;
          return true;
        },
        answer: () => answer,
        remaining: times,
      });
    },
    onRequest(match, effect, times = 1) {
      hooks.push({ match, effect, remaining: times });
    },
    clearFaults() {
      faults = [];
      hooks = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function bearerOf(req: RecordedRequest): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
}

export function randomToken(prefix: string): string {
  return `${prefix}${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
}
