import { ConnectorError } from '../connector.js';
import { isOutboundRefusal } from '../../security/outbound-policy.js';

/**
 * The small HTTP layer the cloud connectors (Graph, Google, Okta) share: one request
 * with a per-attempt timeout combined with the run's signal, bounded retries of
 * transient failures (network errors, 429, 502/503/504) with Retry-After honoured,
 * and nothing provider-specific. Providers map non-success bodies to ConnectorErrors
 * themselves, and may declare more responses as throttling (Google's 403
 * rateLimitExceeded) or compute their own wait (Okta's X-Rate-Limit-Reset).
 */

export interface HttpRequest {
  method?: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  /** The body as text; JSON is validated by the caller against a schema. */
  text: string;
  url: string;
}

export interface HttpClientOptions {
  /** Per-attempt time limit. Default 30 000 ms. */
  timeoutMs?: number;
  /** Retries after the first attempt for transient failures. Default 4. */
  maxRetries?: number;
  /** First backoff step when the server names no wait; doubles per retry. Default 500 ms. */
  baseDelayMs?: number;
  /** Longest single backoff step we compute ourselves. Default 30 000 ms. */
  maxDelayMs?: number;
  /**
   * A server-requested wait longer than this is not slept through inside the run:
   * the request fails with `rate_limited` and `retryAfterMs`, and the job scheduler
   * decides. Default 120 000 ms.
   */
  maxWaitMs?: number;
  /** Extra responses to treat as throttling (beyond 429). */
  isThrottled?: (res: HttpResponse) => boolean;
  /** The wait a throttled/unavailable response asks for; default reads Retry-After. */
  retryDelayMs?: (res: HttpResponse) => number | undefined;
  deps?: HttpDeps;
}

/** Injectable effects, so tests can observe waits and stub the transport. */
export interface HttpDeps {
  fetch?: typeof fetch;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

export interface HttpClient {
  /**
   * Sends one request, retrying transient failures. Resolves with any final
   * response that is not a transient failure (including 4xx) — or throws a
   * ConnectorError: `cancelled`, `timeout`, `network`, `rate_limited`.
   */
  send(req: HttpRequest, signal: AbortSignal): Promise<HttpResponse>;
  /** Waits `ms` unless the signal aborts first (then throws `cancelled`). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  now(): number;
}

const retryableStatuses: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Parses Retry-After: delta-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** A sleep that rejects with `cancelled` when the signal aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(cancelled(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function cancelled(signal: AbortSignal): ConnectorError {
  return new ConnectorError('cancelled', 'the read was cancelled', { cause: signal.reason });
}

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRetries = options.maxRetries ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const maxWaitMs = options.maxWaitMs ?? 120_000;
  const doFetch = options.deps?.fetch ?? fetch;
  const sleep = options.deps?.sleep ?? abortableSleep;
  const now = options.deps?.now ?? Date.now;
  const random = options.deps?.random ?? Math.random;
  const retryDelayOf =
    options.retryDelayMs ??
    ((res: HttpResponse) => parseRetryAfter(res.headers.get('retry-after'), now()));

  const backoff = (attempt: number) => {
    const step = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
    // "Equal jitter": at least half the step, so a wait is always observable.
    return Math.round(step / 2 + (random() * step) / 2);
  };

  async function attempt(req: HttpRequest, signal: AbortSignal): Promise<HttpResponse> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = AbortSignal.any([signal, timeout]);
    try {
      const res = await doFetch(req.url, {
        method: req.method ?? 'GET',
        headers: req.headers,
        body: req.body,
        signal: combined,
        redirect: 'follow',
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, text, url: req.url };
    } catch (err) {
      if (signal.aborted) throw cancelled(signal);
      // Refused by dirsync's own outbound policy: permanent, never retried.
      if (isOutboundRefusal(err)) {
        const reason = err.cause instanceof Error ? err.cause.message : err.message;
        throw new ConnectorError('permission', reason, { cause: err });
      }
      if (timeout.aborted) {
        throw new ConnectorError(
          'timeout',
          `no answer from ${hostOf(req.url)} within ${timeoutMs} ms`,
          {
            cause: err,
          },
        );
      }
      throw new ConnectorError('network', `cannot reach ${hostOf(req.url)}: ${describe(err)}`, {
        cause: err,
      });
    }
  }

  return {
    now,
    sleep: (ms, signal) => sleep(ms, signal),
    async send(req, signal) {
      for (let retry = 0; ; retry++) {
        if (signal.aborted) throw cancelled(signal);
        let res: HttpResponse;
        try {
          res = await attempt(req, signal);
        } catch (err) {
          if (!(err instanceof ConnectorError) || !err.transient || retry >= maxRetries) throw err;
          await sleep(backoff(retry), signal);
          continue;
        }
        const throttled = res.status === 429 || (options.isThrottled?.(res) ?? false);
        if (!throttled && !retryableStatuses.has(res.status)) return res;
        const asked = retryDelayOf(res);
        if (retry >= maxRetries || (asked !== undefined && asked > maxWaitMs)) {
          if (!throttled) return res; // the provider maps a final 5xx with its body
          throw new ConnectorError(
            'rate_limited',
            `${hostOf(req.url)} is throttling requests (HTTP ${res.status}); gave up after ${retry + 1} attempts`,
            { retryAfterMs: asked ?? backoff(retry) },
          );
        }
        await sleep(asked ?? backoff(retry), signal);
      }
    },
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause;
    if (cause instanceof Error && cause.message) return `${err.message} (${cause.message})`;
    return err.message;
  }
  return String(err);
}

/** What tests (and the engine, for tuning) may inject into a cloud connector factory. */
export interface CloudConnectorDeps {
  http?: HttpDeps;
  retry?: Pick<HttpClientOptions, 'maxRetries' | 'baseDelayMs' | 'maxDelayMs' | 'maxWaitMs'>;
}

/** Joins a configured base URL and a path without doubling or dropping slashes. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * True when `link` (a nextLink, deltaLink or Link header target the provider handed
 * us) stays on the configured origin: the bearer token is never sent elsewhere.
 */
export function sameOrigin(link: string, base: string): boolean {
  try {
    return new URL(link).origin === new URL(base).origin;
  } catch {
    return false;
  }
}
