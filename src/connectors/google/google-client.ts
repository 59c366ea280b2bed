import { Type } from '@sinclair/typebox';
import { importPKCS8, SignJWT } from 'jose';
import { ConnectorError } from '../connector.js';
import {
  createHttpClient,
  joinUrl,
  type CloudConnectorDeps,
  type HttpResponse,
} from '../http/http-client.js';
import { remoteCode, remoteText } from '../http/remote-text.js';
import { decodeJson, formBody, tryDecodeJson } from '../http/json.js';
import { createTokenCache } from '../http/token-cache.js';
import {
  GOOGLE_DEFAULT_API_URL,
  GOOGLE_DEFAULT_TOKEN_URL,
  GOOGLE_SCOPES,
  GoogleServiceAccountKeySchema,
  type GoogleSecrets,
  type GoogleServiceAccountKey,
  type GoogleSettings,
} from './google-config.js';

/**
 * The Admin SDK Directory API over HTTP: a service account with domain-wide
 * delegation signs an RS256 JWT (`iss` = client_email, `sub` = adminEmail, `aud` =
 * token endpoint, `scope`) and trades it for an access token with the JWT bearer
 * grant (RFC 7523). Quota errors (403 rateLimitExceeded / userRateLimitExceeded,
 * 429) are retried with exponential backoff by the shared HTTP client.
 */

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const TokenResponseSchema = Type.Object({
  access_token: Type.String({ minLength: 1 }),
  expires_in: Type.Number(),
});
const TokenErrorSchema = Type.Object({
  error: Type.String(),
  error_description: Type.Optional(Type.String()),
});

/** Google API error body: `{"error": {"code", "message", "errors": [{reason, domain}], "status"}}`. */
const ApiErrorSchema = Type.Object({
  error: Type.Object({
    code: Type.Optional(Type.Number()),
    message: Type.Optional(Type.String()),
    status: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          reason: Type.Optional(Type.String()),
          message: Type.Optional(Type.String()),
        }),
      ),
    ),
  }),
});

const quotaReasons: ReadonlySet<string> = new Set([
  'rateLimitExceeded',
  'userRateLimitExceeded',
  'quotaExceeded',
  'dailyLimitExceeded',
]);

export interface GoogleClient {
  /** `{baseUrl}/admin/directory/v1/{path}?{query}` */
  url(path: string, query: Record<string, string | undefined>): string;
  /** An authenticated GET; resolves only with a 2xx, else throws ConnectorError. */
  get(url: string, signal: AbortSignal, scope: string): Promise<HttpResponse>;
}

export function createGoogleClient(
  settings: GoogleSettings,
  secrets: GoogleSecrets,
  deps: CloudConnectorDeps = {},
): GoogleClient {
  const apiBase = settings.baseUrl ?? GOOGLE_DEFAULT_API_URL;
  const http = createHttpClient({
    timeoutMs: (settings.timeoutSeconds ?? 30) * 1000,
    ...deps.retry,
    deps: deps.http,
    isThrottled: (res) => res.status === 403 && reasonsOf(res).some((r) => quotaReasons.has(r)),
  });
  const scopes = [GOOGLE_SCOPES.users, GOOGLE_SCOPES.groups];
  let signingKey: Promise<{ key: GoogleServiceAccountKey; privateKey: CryptoKey }> | undefined;

  const requestToken = async (scope: string[], signal: AbortSignal) => {
    signingKey ??= loadKey(secrets.serviceAccountKey);
    const { key, privateKey } = await signingKey;
    const tokenUrl = settings.tokenUrl ?? key.token_uri ?? GOOGLE_DEFAULT_TOKEN_URL;
    const nowSec = Math.floor(http.now() / 1000);
    const assertion = await new SignJWT({ scope: scope.join(' ') })
      .setProtectedHeader({
        alg: 'RS256',
        typ: 'JWT',
        ...(key.private_key_id ? { kid: key.private_key_id } : {}),
      })
      .setIssuer(key.client_email)
      .setSubject(settings.adminEmail)
      .setAudience(tokenUrl)
      .setIssuedAt(nowSec)
      .setExpirationTime(nowSec + 3600)
      .sign(privateKey);
    const res = await http.send(
      {
        method: 'POST',
        url: tokenUrl,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: formBody({ grant_type: JWT_BEARER, assertion }),
      },
      signal,
    );
    return { res, key };
  };

  const tokens = createTokenCache(
    async (signal) => {
      const { res, key } = await requestToken(scopes, signal);
      if (res.status === 200) {
        const body = decodeJson(TokenResponseSchema, res.text, 'Google token endpoint');
        return { accessToken: body.access_token, expiresInSec: body.expires_in };
      }
      const error = tryDecodeJson(TokenErrorSchema, res.text);
      if (error?.error === 'unauthorized_client') {
        // Domain-wide delegation is missing or lacks a scope: find out which, to say so.
        const missing: string[] = [];
        for (const scope of scopes) {
          const probe = await requestToken([scope], signal);
          if (probe.res.status !== 200) missing.push(scope);
        }
        const client = key.client_id ? ` for client ID ${key.client_id}` : '';
        throw new ConnectorError(
          'permission',
          missing.length > 0 && missing.length < scopes.length
            ? `domain-wide delegation${client} does not authorise the scope(s) ${missing.join(', ')}`
            : `domain-wide delegation is not set up${client} for the scopes ${scopes.join(', ')}`,
        );
      }
      if (res.status >= 500)
        throw new ConnectorError('network', `Google token endpoint answered HTTP ${res.status}`);
      throw new ConnectorError(
        'auth',
        `Google refused the service account (${error ? `${remoteCode(error.error)}: ${remoteText(error.error_description)}` : `HTTP ${res.status}`})` +
          (error?.error_description?.includes('email')
            ? `; check adminEmail (${settings.adminEmail}) is a user of the account`
            : ''),
      );
    },
    { now: http.now },
  );

  return {
    url(path, query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
      const qs = params.toString();
      return joinUrl(apiBase, `admin/directory/v1/${path}${qs ? `?${qs}` : ''}`);
    },
    async get(url, signal, scope) {
      for (let refreshed = false; ; refreshed = true) {
        const token = await tokens.get(signal);
        const res = await http.send(
          { url, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } },
          signal,
        );
        if (res.status >= 200 && res.status < 300) return res;
        if (res.status === 401 && !refreshed) {
          tokens.invalidate(token);
          continue;
        }
        throw apiError(res, scope, settings.adminEmail);
      }
    },
  };
}

async function loadKey(raw: string | GoogleServiceAccountKey) {
  let parsed: unknown = raw;
  if (typeof raw === 'string') {
    try {
      parsed = JSON.parse(raw);
    } catch (err) {
      throw new ConnectorError(
        'auth',
        'serviceAccountKey is not JSON (paste the whole downloaded key file)',
        { cause: err },
      );
    }
  }
  const key = tryDecodeJson(GoogleServiceAccountKeySchema, JSON.stringify(parsed));
  if (!key) {
    throw new ConnectorError(
      'auth',
      'serviceAccountKey lacks client_email or private_key (is it a service-account key?)',
    );
  }
  try {
    return { key, privateKey: await importPKCS8(key.private_key, 'RS256') };
  } catch (err) {
    throw new ConnectorError('auth', 'serviceAccountKey.private_key is not a PKCS#8 RSA key', {
      cause: err,
    });
  }
}

function reasonsOf(res: HttpResponse): string[] {
  const body = tryDecodeJson(ApiErrorSchema, res.text);
  return (body?.error.errors ?? []).flatMap((e) => (e.reason ? [e.reason] : []));
}

/** One place maps Directory API answers to ConnectorError kinds. */
function apiError(res: HttpResponse, scope: string, adminEmail: string): ConnectorError {
  const body = tryDecodeJson(ApiErrorSchema, res.text);
  const message = remoteText(body?.error.message) || `HTTP ${res.status}`;
  const reasons = reasonsOf(res);
  if (res.status === 401)
    return new ConnectorError('auth', `Google rejected the access token: ${message}`);
  if (res.status === 403 && reasons.some((r) => quotaReasons.has(r))) {
    return new ConnectorError('rate_limited', `Google API quota exceeded: ${message}`);
  }
  if (
    res.status === 403 &&
    (reasons.includes('insufficientPermissions') || /scope/i.test(message))
  ) {
    return new ConnectorError(
      'permission',
      `the access token lacks the scope ${scope}: ${message}`,
    );
  }
  if (res.status === 403) {
    return new ConnectorError(
      'permission',
      `${adminEmail} may not read the directory (give it an admin role with Users and Groups read privileges): ${message}`,
    );
  }
  if (res.status >= 500)
    return new ConnectorError('network', `Google answered HTTP ${res.status}: ${message}`);
  return new ConnectorError('invalid_response', `Google answered HTTP ${res.status}: ${message}`);
}
