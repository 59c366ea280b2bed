import { Type } from '@sinclair/typebox';
import { importJWK, importPKCS8, SignJWT, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import { ConnectorError } from '../connector.js';
import {
  createHttpClient,
  joinUrl,
  parseRetryAfter,
  sameOrigin,
  type CloudConnectorDeps,
  type HttpResponse,
} from '../http/http-client.js';
import { remoteCode, remoteText } from '../http/remote-text.js';
import { decodeJson, formBody, tryDecodeJson } from '../http/json.js';
import { createTokenCache, type TokenCache } from '../http/token-cache.js';
import { OKTA_SCOPES, type OktaSecrets, type OktaSettings } from './okta-config.js';

/**
 * The Okta management API over HTTP: SSWS API token or OAuth 2.0 service app
 * (client credentials + private_key_jwt), `Link: <…>; rel="next"` paging, and
 * rate limits read from X-Rate-Limit-Limit / -Remaining / -Reset: the client waits
 * for the reset *before* a 429 happens once the remaining budget falls to the
 * reserve, and after a 429 waits until the reset the server named.
 */

/** Okta error body. */
const OktaErrorSchema = Type.Object({
  errorCode: Type.String(),
  errorSummary: Type.Optional(Type.String()),
  errorId: Type.Optional(Type.String()),
  errorCauses: Type.Optional(
    Type.Array(Type.Object({ errorSummary: Type.Optional(Type.String()) })),
  ),
});
const TokenResponseSchema = Type.Object({
  access_token: Type.String({ minLength: 1 }),
  expires_in: Type.Number(),
});
const TokenErrorSchema = Type.Object({
  error: Type.String(),
  error_description: Type.Optional(Type.String()),
});

/** Longest pre-emptive wait for a rate-limit window (Okta windows are one minute). */
const MAX_PREEMPTIVE_WAIT_MS = 65_000;

export interface OktaPage {
  res: HttpResponse;
  next: string | undefined;
}

export interface OktaClient {
  /** `{baseUrl}/api/v1/{path}?{query}` */
  url(path: string, query?: Record<string, string>): string;
  /** An authenticated GET; resolves only with a 2xx (and its rel="next" link), else throws. */
  get(url: string, signal: AbortSignal, scope: string): Promise<OktaPage>;
}

/**
 * Parses RFC 8288 Link header(s) into rel → target. Several headers arrive joined
 * with ", "; a target may itself contain commas, so targets are matched by their
 * angle brackets rather than split on commas.
 */
export function parseLinkHeader(value: string | null): Map<string, string> {
  const links = new Map<string, string>();
  if (!value) return links;
  const re = /<([^>]*)>((?:\s*;\s*[^;,=\s]+\s*(?:=\s*(?:"[^"]*"|[^;,]*))?)*)/g;
  for (const match of value.matchAll(re)) {
    const target = match[1] ?? '';
    const params = match[2] ?? '';
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]+))/i.exec(params);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').split(/\s+/).filter(Boolean);
    for (const r of rels) if (!links.has(r.toLowerCase())) links.set(r.toLowerCase(), target);
  }
  return links;
}

export function createOktaClient(
  settings: OktaSettings,
  secrets: OktaSecrets,
  deps: CloudConnectorDeps = {},
): OktaClient {
  const base = settings.baseUrl ?? settings.orgUrl;
  const reservePercent = settings.rateLimitReservePercent ?? 10;
  // Per endpoint family (Okta limits are per endpoint): the earliest local time to send.
  const holdUntil = new Map<string, number>();

  const http = createHttpClient({
    timeoutMs: (settings.timeoutSeconds ?? 30) * 1000,
    ...deps.retry,
    deps: deps.http,
    retryDelayMs: (res) =>
      res.status === 429
        ? (waitForReset(res) ?? parseRetryAfter(res.headers.get('retry-after'), http.now()))
        : parseRetryAfter(res.headers.get('retry-after'), http.now()),
  });

  /** ms until X-Rate-Limit-Reset, measured on the server's clock (Date header) to avoid skew. */
  function waitForReset(res: HttpResponse): number | undefined {
    const reset = Number(res.headers.get('x-rate-limit-reset'));
    if (!Number.isFinite(reset) || reset <= 0) return undefined;
    const serverNow = Date.parse(res.headers.get('date') ?? '') || http.now();
    // The Date header is truncated to the second, so this already errs long; a small
    // margin covers the server's own rounding of the window.
    return Math.max(0, reset * 1000 - serverNow) + 250;
  }

  function noteLimits(family: string, res: HttpResponse): void {
    const limit = Number(res.headers.get('x-rate-limit-limit'));
    const remaining = Number(res.headers.get('x-rate-limit-remaining'));
    if (!Number.isFinite(limit) || !Number.isFinite(remaining) || limit <= 0) return;
    const reserve = Math.max(1, Math.floor((limit * reservePercent) / 100));
    if (remaining > reserve) return;
    const wait = waitForReset(res);
    if (wait !== undefined)
      holdUntil.set(family, http.now() + Math.min(wait, MAX_PREEMPTIVE_WAIT_MS));
  }

  const tokens = settings.clientId ? oauthTokens(settings, secrets, http) : undefined;
  if (!tokens && !secrets.apiToken) {
    throw new ConnectorError(
      'auth',
      'Okta needs apiToken, or clientId with privateKey (OAuth service app)',
    );
  }

  return {
    url(path, query = {}) {
      const qs = new URLSearchParams(query).toString().replace(/\+/g, '%20');
      return joinUrl(base, `api/v1/${path}${qs ? `?${qs}` : ''}`);
    },
    async get(url, signal, scope) {
      if (!sameOrigin(url, base)) {
        throw new ConnectorError(
          'invalid_response',
          `Okta returned a link outside the configured org: ${url}`,
        );
      }
      const family = familyOf(url);
      for (let refreshed = false; ; refreshed = true) {
        const hold = (holdUntil.get(family) ?? 0) - http.now();
        if (hold > 0) await http.sleep(hold, signal);
        holdUntil.delete(family);
        const token = tokens ? await tokens.get(signal) : undefined;
        const res = await http.send(
          {
            url,
            headers: {
              accept: 'application/json',
              authorization: token ? `Bearer ${token}` : `SSWS ${secrets.apiToken ?? ''}`,
            },
          },
          signal,
        );
        noteLimits(family, res);
        if (res.status >= 200 && res.status < 300) {
          return { res, next: parseLinkHeader(res.headers.get('link')).get('next') };
        }
        if (res.status === 401 && tokens && token && !refreshed) {
          tokens.invalidate(token);
          continue;
        }
        throw oktaError(res, scope, Boolean(tokens));
      }
    },
  };
}

/** Okta rate-limit buckets are per endpoint; `/api/v1/groups/{id}/users` is its own family. */
function familyOf(url: string): string {
  const path = new URL(url).pathname;
  return path.replace(/\/api\/v1\/groups\/[^/]+\/users$/, '/api/v1/groups/{id}/users');
}

function oauthTokens(
  settings: OktaSettings,
  secrets: OktaSecrets,
  http: ReturnType<typeof createHttpClient>,
): TokenCache {
  const tokenUrl = settings.tokenUrl ?? joinUrl(settings.orgUrl, 'oauth2/v1/token');
  const clientId = settings.clientId ?? '';
  const scopes = [OKTA_SCOPES.users, OKTA_SCOPES.groups];
  let key: Promise<CryptoKey | Uint8Array> | undefined;
  return createTokenCache(
    async (signal) => {
      key ??= loadPrivateKey(secrets.privateKey);
      const nowSec = Math.floor(http.now() / 1000);
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', ...(settings.keyId ? { kid: settings.keyId } : {}) })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(tokenUrl)
        .setIssuedAt(nowSec)
        .setExpirationTime(nowSec + 300)
        .setJti(randomUUID())
        .sign(await key);
      const res = await http.send(
        {
          method: 'POST',
          url: tokenUrl,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: formBody({
            grant_type: 'client_credentials',
            scope: scopes.join(' '),
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: assertion,
          }),
        },
        signal,
      );
      if (res.status === 200) {
        const body = decodeJson(TokenResponseSchema, res.text, 'Okta token endpoint');
        return { accessToken: body.access_token, expiresInSec: body.expires_in };
      }
      const error = tryDecodeJson(TokenErrorSchema, res.text);
      const detail = error
        ? `${remoteCode(error.error)}: ${remoteText(error.error_description)}`
        : `HTTP ${res.status}`;
      if (error?.error === 'invalid_scope') {
        throw new ConnectorError(
          'permission',
          `the Okta service app is not granted ${scopes.join(' and ')} (${detail})`,
        );
      }
      if (res.status >= 500)
        throw new ConnectorError('network', `Okta token endpoint answered HTTP ${res.status}`);
      const dpop = error?.error.includes('dpop')
        ? '; turn off "Require DPoP" on the service app'
        : '';
      throw new ConnectorError(
        'auth',
        `Okta refused the service app credentials (${detail})${dpop}`,
      );
    },
    { now: http.now },
  );
}

async function loadPrivateKey(raw: string | undefined): Promise<CryptoKey | Uint8Array> {
  if (!raw)
    throw new ConnectorError('auth', 'Okta OAuth needs privateKey (PKCS#8 PEM or a private JWK)');
  try {
    if (raw.trim().startsWith('{')) return await importJWK(JSON.parse(raw) as JWK, 'RS256');
    return await importPKCS8(raw, 'RS256');
  } catch (err) {
    throw new ConnectorError('auth', 'privateKey is not a PKCS#8 PEM or JWK RSA private key', {
      cause: err,
    });
  }
}

/** One place maps Okta error codes to ConnectorError kinds. */
function oktaError(res: HttpResponse, scope: string, oauth: boolean): ConnectorError {
  const body = tryDecodeJson(OktaErrorSchema, res.text);
  const code = remoteCode(body?.errorCode);
  const causes = remoteText(
    (body?.errorCauses ?? [])
      .map((c) => c.errorSummary)
      .filter(Boolean)
      .join('; '),
  );
  const errorId = remoteCode(body?.errorId);
  const summary = `${remoteText(body?.errorSummary) || `HTTP ${res.status}`}${causes ? ` (${causes})` : ''}${code ? ` [${code}${errorId ? ` ${errorId}` : ''}]` : ''}`;
  switch (code) {
    case 'E0000011': // Invalid token provided
    case 'E0000005': // Invalid session
      return new ConnectorError(
        'auth',
        `Okta rejected the ${oauth ? 'access token' : 'API token'}: ${summary}`,
      );
    case 'E0000006': // You do not have permission to perform the requested action
    case 'E0000015': // feature not enabled for this org
      return new ConnectorError(
        'permission',
        oauth
          ? `the Okta service app lacks the scope ${scope} or an admin role that may read it: ${summary}`
          : `the API token's administrator may not read this (give it the Read-only Administrator role): ${summary}`,
      );
    case 'E0000031': // Invalid search criteria
    case 'E0000001': // API validation failed (a bad filter expression)
      return new ConnectorError('invalid_filter', `Okta refused the query: ${summary}`);
    case 'E0000047': // API call exceeded rate limit
      return new ConnectorError('rate_limited', `Okta rate limit exceeded: ${summary}`);
    default:
      break;
  }
  if (res.status === 401)
    return new ConnectorError('auth', `Okta refused the credentials: ${summary}`);
  if (res.status === 403)
    return new ConnectorError('permission', `Okta refused access (${scope}): ${summary}`);
  if (res.status >= 500)
    return new ConnectorError('network', `Okta answered HTTP ${res.status}: ${summary}`);
  return new ConnectorError('invalid_response', `Okta answered HTTP ${res.status}: ${summary}`);
}
