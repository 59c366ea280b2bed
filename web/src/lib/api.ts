/**
 * The console's only door to dirsync: the public REST API under /api/v1, with the
 * signed-in token as a bearer credential and, for instance admin tokens, the chosen
 * tenant in X-Tenant-ID. Errors arrive as `{"error": {code, message, details}}` and
 * are thrown as ApiError so forms can show `details[].field` next to the field.
 */
import { getSession, signOut } from './session.js';

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: FieldError[];

  constructor(status: number, code: string, message: string, details: FieldError[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** The message for one form field (matches `field`, `field.x` and `field[0]`). */
  fieldMessage(field: string): string | undefined {
    const hit = this.details.find(
      (d) =>
        d.field === field || d.field.startsWith(`${field}.`) || d.field.startsWith(`${field}[`),
    );
    if (!hit) return undefined;
    // `attributeMapping.email` → "email: …": the part of the field the message is about.
    const part = hit.field.startsWith(`${field}.`) ? hit.field.slice(field.length + 1) : '';
    return part ? `${part}: ${hit.message}` : hit.message;
  }
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

type Query = Record<string, string | number | boolean | null | undefined>;

function toQuery(query?: Query): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function parseDetails(raw: unknown): FieldError[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((d) => {
    if (d && typeof d === 'object' && 'field' in d && typeof d.field === 'string') {
      const message = 'message' in d && typeof d.message === 'string' ? d.message : 'is invalid';
      return [{ field: d.field, message }];
    }
    return [];
  });
}

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Overrides the session (sign-in checks a token before keeping it). */
  token?: string;
  tenantId?: string | null;
  signal?: AbortSignal;
}

export async function request<T>(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const session = getSession();
  const token = options.token ?? session?.token;
  const tenantId = options.tenantId !== undefined ? options.tenantId : session?.tenantId;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (tenantId) headers['x-tenant-id'] = tenantId;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}${toQuery(options.query)}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(
      0,
      'network',
      'dirsync could not be reached. Check that the server is running.',
    );
  }
  const text = await res.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (!res.ok) {
    const error =
      body &&
      typeof body === 'object' &&
      'error' in body &&
      body.error &&
      typeof body.error === 'object'
        ? (body.error as { code?: unknown; message?: unknown; details?: unknown })
        : {};
    const apiError = new ApiError(
      res.status,
      typeof error.code === 'string' ? error.code : `http_${res.status}`,
      typeof error.message === 'string' ? error.message : `${res.status} ${res.statusText}`,
      parseDetails(error.details),
    );
    // A token revoked mid-session: back to the sign-in screen rather than a wall of errors.
    if (res.status === 401 && !options.token && session)
      signOut('Your token is no longer accepted. Sign in again.');
    throw apiError;
  }
  return body as T;
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) =>
    request<T>('GET', path, { query, signal }),
  post: <T>(path: string, body?: unknown, query?: Query) =>
    request<T>('POST', path, { body, query }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  del: <T>(path: string, query?: Query) => request<T>('DELETE', path, { query }),
};

/** True when the server has no such route (an API this build of dirsync lacks). */
export function isMissingRoute(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404 && /no route/i.test(err.message);
}
