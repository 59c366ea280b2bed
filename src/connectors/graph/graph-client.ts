import { Type } from '@sinclair/typebox';
import { ConnectorError } from '../connector.js';
import {
  createHttpClient,
  joinUrl,
  sameOrigin,
  type CloudConnectorDeps,
  type HttpResponse,
} from '../http/http-client.js';
import { remoteCode, remoteText } from '../http/remote-text.js';
import { decodeJson, formBody, tryDecodeJson } from '../http/json.js';
import { createTokenCache } from '../http/token-cache.js';
import { entraEndpoints, type EntraSecrets, type EntraSettings } from './graph-config.js';

/**
 * Microsoft Graph over HTTP: OAuth 2.0 client credentials against the Microsoft
 * identity platform (token cached, refreshed before expiry and after a 401
 * InvalidAuthenticationToken), Graph error bodies mapped to ConnectorError kinds in
 * one place (`graphError`).
 */

const TokenResponseSchema = Type.Object({
  access_token: Type.String({ minLength: 1 }),
  expires_in: Type.Union([Type.Number(), Type.String()]),
});

/** Microsoft identity platform error body (RFC 6749 §5.2 plus AADSTS codes). */
const TokenErrorSchema = Type.Object({
  error: Type.String(),
  error_description: Type.Optional(Type.String()),
  error_codes: Type.Optional(Type.Array(Type.Number())),
});

/** Graph error body: `{"error": {"code": "...", "message": "...", "innerError": {...}}}`. */
const GraphErrorSchema = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.Optional(Type.String()) }),
});

/** Delta tokens that Graph no longer accepts: start over with a full read. */
const resyncCodes: ReadonlySet<string> = new Set([
  'syncStateNotFound',
  'SyncStateNotFound',
  'syncStateInvalid',
  'resyncRequired',
  'ResyncRequired',
]);

export interface GraphRequestOptions {
  /** The application permission this call needs, named in a 403 `permission` error. */
  permission: string;
  headers?: Record<string, string>;
  method?: 'GET' | 'POST';
  body?: string;
  /** A delta round's first request: an expired token throws DeltaTokenExpired. */
  allowResync?: boolean;
  /** Resolve with a 404 instead of throwing (the caller names what is missing). */
  allowNotFound?: boolean;
}

export interface GraphClient {
  /** `{baseUrl}/v1.0/{path}` */
  url(path: string): string;
  /** True when a link Graph handed back may be followed with our token. */
  owns(link: string): boolean;
  /** Sends an authenticated request; resolves only with a 2xx, else throws ConnectorError. */
  request(url: string, signal: AbortSignal, options: GraphRequestOptions): Promise<HttpResponse>;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export class DeltaTokenExpired extends Error {
  constructor() {
    super('the delta token is no longer accepted');
    this.name = 'DeltaTokenExpired';
  }
}

export function createGraphClient(
  settings: EntraSettings,
  secrets: EntraSecrets,
  deps: CloudConnectorDeps = {},
): GraphClient {
  const endpoints = entraEndpoints(settings);
  const graphBase = endpoints.graphUrl;
  const tokenUrl =
    settings.tokenUrl ??
    joinUrl(endpoints.authUrl, `${encodeURIComponent(settings.tenantId)}/oauth2/v2.0/token`);
  const http = createHttpClient({
    timeoutMs: (settings.timeoutSeconds ?? 30) * 1000,
    ...deps.retry,
    deps: deps.http,
  });

  const tokens = createTokenCache(
    async (signal) => {
      const res = await http.send(
        {
          method: 'POST',
          url: tokenUrl,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: formBody({
            grant_type: 'client_credentials',
            client_id: settings.clientId,
            client_secret: secrets.clientSecret,
            scope: endpoints.scope,
          }),
        },
        signal,
      );
      if (res.status !== 200) throw tokenError(res);
      const body = decodeJson(TokenResponseSchema, res.text, 'token endpoint');
      return { accessToken: body.access_token, expiresInSec: Number(body.expires_in) || 3599 };
    },
    { now: http.now },
  );

  return {
    url: (path) => joinUrl(graphBase, `v1.0/${path.replace(/^\/+/, '')}`),
    owns: (link) => sameOrigin(link, graphBase),
    sleep: (ms, signal) => http.sleep(ms, signal),
    async request(url, signal, options) {
      for (let refreshed = false; ; refreshed = true) {
        const token = await tokens.get(signal);
        const res = await http.send(
          {
            method: options.method ?? 'GET',
            url,
            headers: {
              authorization: `Bearer ${token}`,
              accept: 'application/json',
              ...(options.body ? { 'content-type': 'application/json' } : {}),
              ...options.headers,
            },
            body: options.body,
          },
          signal,
        );
        if (res.status >= 200 && res.status < 300) return res;
        if (res.status === 404 && options.allowNotFound) return res;
        if (res.status === 401 && !refreshed) {
          // Expired or revoked mid-run: one fresh token, then the call again.
          tokens.invalidate(token);
          continue;
        }
        const err = graphError(res, options.permission);
        if (err instanceof DeltaTokenExpired && !options.allowResync) {
          throw new ConnectorError(
            'invalid_response',
            `Microsoft Graph dropped the delta state mid-read (HTTP ${res.status})`,
          );
        }
        throw err;
      }
    },
  };
}

function tokenError(res: HttpResponse): ConnectorError {
  const body = tryDecodeJson(TokenErrorSchema, res.text);
  if (!body) {
    if (res.status >= 500)
      return new ConnectorError('network', `token endpoint answered HTTP ${res.status}`);
    return new ConnectorError('invalid_response', `token endpoint answered HTTP ${res.status}`);
  }
  // error_description is "AADSTS7000215: Invalid client secret provided. ...\r\nTrace ID: ..."
  const summary = remoteText(body.error_description);
  const hint = hintFor(body.error_codes ?? []);
  return new ConnectorError(
    res.status >= 500 ? 'network' : 'auth',
    `Entra ID refused the app credentials (${remoteCode(body.error)}${summary ? `: ${summary}` : ''})${hint}`,
  );
}

function hintFor(codes: number[]): string {
  if (codes.includes(7000215)) return '; check clientSecret (use the secret value, not its id)';
  if (codes.includes(7000222)) return '; the client secret has expired, create a new one';
  if (codes.includes(700016)) return '; check clientId and tenantId';
  if (codes.includes(90002)) return '; check tenantId';
  if (codes.includes(500011)) return '; check cloud (or graphScope)';
  return '';
}

/** One place maps Graph answers to ConnectorError kinds. */
export function graphError(
  res: HttpResponse,
  permission: string,
): ConnectorError | DeltaTokenExpired {
  const body = tryDecodeJson(GraphErrorSchema, res.text);
  const code = remoteCode(body?.error.code);
  const message = remoteText(body?.error.message) || `HTTP ${res.status}`;
  if (res.status === 410 || resyncCodes.has(code)) return new DeltaTokenExpired();
  if (res.status === 401) {
    return new ConnectorError(
      'auth',
      `Microsoft Graph rejected the access token (${code || 401}: ${message})`,
    );
  }
  if (res.status === 403) {
    return new ConnectorError(
      'permission',
      `the app registration lacks the Microsoft Graph application permission ${permission} ` +
        `(or admin consent for it): ${code || 'Forbidden'}: ${message}`,
    );
  }
  if (res.status === 429) {
    return new ConnectorError('rate_limited', `Microsoft Graph is throttling requests: ${message}`);
  }
  if (res.status >= 500) {
    return new ConnectorError(
      'network',
      `Microsoft Graph answered HTTP ${res.status} (${code}: ${message})`,
    );
  }
  return new ConnectorError(
    'invalid_response',
    `Microsoft Graph answered HTTP ${res.status} (${code}: ${message})`,
  );
}
