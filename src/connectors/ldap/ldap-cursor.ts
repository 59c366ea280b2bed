import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * The cursor an LDAP/AD read returns (JSON text; opaque to the engine except for the
 * `deletions` flag, see ldapCursorReportsDeletions).
 *
 * - `rfc4533`: OpenLDAP syncprov content sync; one sync cookie per base DN (base64 of the
 *   server's cookie bytes, e.g. `rid=000,csn=…`). Deltas report deletions.
 * - `modifyTimestamp`: servers without syncprov; `since` is a GeneralizedTime. Deltas
 *   cannot see deletions or moves out of scope.
 * - `usn`: Active Directory; uSNChanged watermark of one DC (`server` = its dnsHostName,
 *   `invocationId` = its database GUID, both must match or the next read is full).
 *   `deletions` is true once tombstones under Deleted Objects were readable.
 */
export const LdapCursorSchema = Type.Union([
  Type.Object({
    v: Type.Literal(1),
    mode: Type.Literal('rfc4533'),
    cookies: Type.Record(Type.String(), Type.String()),
    deletions: Type.Literal(true),
  }),
  Type.Object({
    v: Type.Literal(1),
    mode: Type.Literal('modifyTimestamp'),
    since: Type.String({ pattern: '^[0-9]{14}Z$' }),
    deletions: Type.Literal(false),
  }),
  Type.Object({
    v: Type.Literal(1),
    mode: Type.Literal('usn'),
    server: Type.String(),
    invocationId: Type.Union([Type.String(), Type.Null()]),
    usn: Type.String({ pattern: '^[0-9]+$' }),
    deletions: Type.Boolean(),
  }),
]);
export type LdapCursor = Static<typeof LdapCursorSchema>;

/** The cursor, or undefined when absent or not one of ours (the read is then full). */
export function parseLdapCursor(text: string | null): LdapCursor | undefined {
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return Value.Check(LdapCursorSchema, value) ? value : undefined;
}

export function serializeLdapCursor(cursor: LdapCursor): string {
  return JSON.stringify(cursor);
}

/**
 * Whether a delta read started from this cursor reports deletions itself. When false the
 * engine must schedule periodic full reads to catch deletions and moves out of scope.
 */
export function ldapCursorReportsDeletions(text: string | null): boolean {
  return parseLdapCursor(text)?.deletions ?? false;
}

/** `Date` → LDAP GeneralizedTime `YYYYMMDDHHMMSSZ` (UTC, whole seconds). */
export function toGeneralizedTime(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}
