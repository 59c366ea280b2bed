/**
 * `meta` and ETag handling shared by the User and Group resources (RFC 7643 §3.1,
 * RFC 7644 §3.14). Versions are weak ETags `W/"<version>"`.
 */
import { ScimError } from './scim-error.js';

export interface ResourceMeta {
  resourceType: 'User' | 'Group';
  created: string;
  lastModified: string;
  location: string;
  version: string;
}

export type Timestamp = Date | string;

export function toIso(t: Timestamp): string {
  return t instanceof Date ? t.toISOString() : new Date(t).toISOString();
}

/** The weak ETag of a stored version number or string. */
export function formatVersion(version: number | string): string {
  return `W/"${String(version)}"`;
}

export function buildMeta(
  resourceType: 'User' | 'Group',
  baseUrl: string,
  record: { id: string; created: Timestamp; lastModified: Timestamp; version: number | string },
): ResourceMeta {
  const endpoint = resourceType === 'User' ? 'Users' : 'Groups';
  return {
    resourceType,
    created: toIso(record.created),
    lastModified: toIso(record.lastModified),
    location: `${baseUrl.replace(/\/+$/, '')}/${endpoint}/${encodeURIComponent(record.id)}`,
    version: formatVersion(record.version),
  };
}

/** The opaque version inside `W/"…"` or `"…"`, or the header as is. */
function etagValue(tag: string): string {
  const m = /^(?:W\/)?"(.*)"$/.exec(tag.trim());
  return m ? m[1] : tag.trim();
}

/**
 * Checks an `If-Match` header against the current version (weak comparison).
 * Absent header or `*` passes.
 * @throws ScimError 412 when no listed tag matches.
 */
export function assertIfMatch(header: string | undefined, version: number | string): void {
  if (header === undefined || header.trim() === '' || header.trim() === '*') return;
  const current = String(version);
  const tags = header.split(',').map(etagValue);
  if (!tags.includes(current)) {
    throw ScimError.preconditionFailed(
      `If-Match ${header.trim()} does not match the current version ${formatVersion(version)}`,
    );
  }
}

/** True when an `If-None-Match` header names the current version (answer 304). */
export function matchesIfNoneMatch(header: string | undefined, version: number | string): boolean {
  if (header === undefined || header.trim() === '') return false;
  if (header.trim() === '*') return true;
  return header.split(',').map(etagValue).includes(String(version));
}
