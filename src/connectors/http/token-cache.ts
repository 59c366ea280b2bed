/**
 * Caches one OAuth access token per connector instance. A token is reused until
 * `refreshSkewMs` before it expires; concurrent callers share one token request;
 * `invalidate()` drops a token the API rejected (a 401 mid-run) so the next call
 * fetches a new one.
 */
export interface AccessToken {
  accessToken: string;
  /** Lifetime in seconds, as the token endpoint's `expires_in` says. */
  expiresInSec: number;
}

export interface TokenCache {
  get(signal: AbortSignal): Promise<string>;
  invalidate(token: string): void;
}

export function createTokenCache(
  fetchToken: (signal: AbortSignal) => Promise<AccessToken>,
  options: { now?: () => number; refreshSkewMs?: number } = {},
): TokenCache {
  const now = options.now ?? Date.now;
  const skew = options.refreshSkewMs ?? 60_000;
  let current: { token: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;

  return {
    async get(signal) {
      if (current && current.expiresAt - skew > now()) return current.token;
      if (!pending) {
        pending = fetchToken(signal)
          .then((t) => {
            current = { token: t.accessToken, expiresAt: now() + t.expiresInSec * 1000 };
            return t.accessToken;
          })
          .finally(() => {
            pending = undefined;
          });
      }
      return pending;
    },
    invalidate(token) {
      if (current?.token === token) current = undefined;
    },
  };
}
