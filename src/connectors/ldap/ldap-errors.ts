import { ResultCodeError } from 'ldapts';

import { ConnectorError, type ConnectorErrorKind } from '../connector.js';

/**
 * The one place where ldapts errors, LDAP result codes and socket/TLS errors become
 * ConnectorErrors with a message an administrator can act on.
 */

/** What was being done when the error happened; named in messages. */
export interface LdapErrorContext {
  operation: 'connect' | 'starttls' | 'bind' | 'search' | 'sync';
  url?: string;
  bindDN?: string;
  baseDN?: string;
  filter?: string;
  flavor?: 'ldap' | 'active_directory';
  signal?: AbortSignal;
}

/** LDAP result codes this module gives a meaning to (RFC 4511 §4.1.9, RFC 4533). */
export const LdapResultCode = {
  operationsError: 1,
  protocolError: 2,
  timeLimitExceeded: 3,
  sizeLimitExceeded: 4,
  authMethodNotSupported: 7,
  strongerAuthRequired: 8,
  referral: 10,
  adminLimitExceeded: 11,
  unavailableCriticalExtension: 12,
  confidentialityRequired: 13,
  noSuchObject: 32,
  invalidDNSyntax: 34,
  inappropriateAuthentication: 48,
  invalidCredentials: 49,
  insufficientAccessRights: 50,
  busy: 51,
  unavailable: 52,
  unwillingToPerform: 53,
  filterError: 87,
  syncRefreshRequired: 4096,
} as const;

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EPIPE',
  'ECONNABORTED',
]);

const tlsCodes = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** The server's diagnostic message without ldapts' " Code: 0x…" suffix. */
function diagnostic(error: ResultCodeError): string {
  return error.message.replace(/\s*Code: 0x[0-9a-f]+$/i, '').trim();
}

function withDiagnostic(message: string, error: ResultCodeError): string {
  const text = diagnostic(error);
  return text ? `${message} (server said: ${text})` : message;
}

/** Result codes whose meaning is the same for every operation. */
function fromResultCode(error: ResultCodeError, ctx: LdapErrorContext): ConnectorError {
  const make = (kind: ConnectorErrorKind, message: string): ConnectorError =>
    new ConnectorError(kind, withDiagnostic(message, error), { cause: error });
  const base = ctx.baseDN ? `"${ctx.baseDN}"` : 'the search base';
  const who = ctx.bindDN ? `"${ctx.bindDN}"` : 'the anonymous bind';
  switch (error.code) {
    case LdapResultCode.invalidCredentials:
      return make('auth', `bind rejected for ${who}: check the DN and password`);
    case LdapResultCode.inappropriateAuthentication:
      return make(
        'auth',
        ctx.bindDN
          ? `bind rejected for ${who}: the server does not accept this kind of bind (an empty password is an anonymous bind)`
          : 'the server does not allow anonymous binds: set a bind DN and password',
      );
    case LdapResultCode.authMethodNotSupported:
      return make('auth', `the server does not support simple binds for ${who}`);
    case LdapResultCode.strongerAuthRequired:
    case LdapResultCode.confidentialityRequired:
      return make(
        'tls',
        'the server requires a protected connection: enable LDAPS (useTLS) or StartTLS',
      );
    case LdapResultCode.noSuchObject:
      return make(
        'invalid_base_dn',
        `base DN ${base} does not exist on the server (or the bind DN may not see it)`,
      );
    case LdapResultCode.invalidDNSyntax:
      return ctx.operation === 'bind'
        ? make('auth', `bind DN ${who} is not a valid distinguished name`)
        : make('invalid_base_dn', `base DN ${base} is not a valid distinguished name`);
    case LdapResultCode.referral:
      return make(
        'invalid_base_dn',
        `base DN ${base} is not held by this server (it returned a referral): use a DN inside its naming context`,
      );
    case LdapResultCode.insufficientAccessRights:
      return make(
        'permission',
        `${who} is not allowed to ${ctx.operation === 'bind' ? 'bind' : `read ${base}`}: grant it read access`,
      );
    case LdapResultCode.unwillingToPerform:
      return make('permission', `the server refused the ${ctx.operation} for ${who}`);
    case LdapResultCode.timeLimitExceeded:
      return make(
        'timeout',
        `the search of ${base} exceeded its time limit: raise timeLimitSeconds or the server's time limit for ${who}`,
      );
    case LdapResultCode.sizeLimitExceeded:
      return make(
        'size_limit',
        `the server stopped the search of ${base} at its size limit for ${who}, so the read is incomplete. ` +
          (ctx.flavor === 'active_directory'
            ? 'Raise MaxPageSize/MaxResultSetSize in the LDAP policy (ntdsutil) or lower pageSize'
            : `Raise the server's size limit for the bind DN, e.g. slapd: limits dn.exact="${ctx.bindDN ?? '<bindDN>'}" size=unlimited (or size.prtotal=unlimited for paged searches)`),
      );
    case LdapResultCode.adminLimitExceeded:
      return make(
        'size_limit',
        `the server refused the search of ${base} at an administrative limit for ${who}: lower pageSize or raise the server's limits (AD: MaxPageSize, MaxValRange)`,
      );
    case LdapResultCode.filterError:
      return make('invalid_filter', `the server rejected the filter ${ctx.filter ?? ''}`.trim());
    case LdapResultCode.busy:
    case LdapResultCode.unavailable:
      return make('network', `the server is busy or unavailable (${ctx.operation})`);
    case LdapResultCode.operationsError:
      if (/successful bind must be completed/i.test(diagnostic(error))) {
        return make(
          'auth',
          'the server requires an authenticated bind: set a bind DN and password',
        );
      }
      return make(
        'invalid_response',
        `the server reported an operations error during ${ctx.operation}`,
      );
    case LdapResultCode.unavailableCriticalExtension:
      return make(
        'invalid_response',
        `the server does not support a control required for ${ctx.operation}`,
      );
    default:
      return make(
        'invalid_response',
        `the server answered ${ctx.operation} with LDAP result code ${error.code}`,
      );
  }
}

const LDAPS_ON_PLAIN_PORT =
  'the port may not speak LDAPS: a plain LDAP port (389) drops a TLS handshake. Use the LDAPS port (636), or turn useTLS off (with startTLS for encryption)';

/**
 * A plain LDAP server reads a TLS ClientHello as a malformed LDAP message and closes the
 * connection, so useTLS against a plain port surfaces as a reset, not as a TLS error.
 */
function droppedTlsHandshake(code: string, ctx: LdapErrorContext): boolean {
  return (
    (code === 'ECONNRESET' || code === 'EPIPE') &&
    ctx.url?.startsWith('ldaps://') === true &&
    (ctx.operation === 'connect' || ctx.operation === 'bind')
  );
}

function errorCode(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}

/**
 * Maps anything thrown while talking to an LDAP server to a ConnectorError.
 * ConnectorErrors pass through unchanged; an aborted signal always gives `cancelled`.
 */
export function toConnectorError(error: unknown, ctx: LdapErrorContext): ConnectorError {
  if (error instanceof ConnectorError) return error;
  if (ctx.signal?.aborted) {
    return new ConnectorError('cancelled', `the ${ctx.operation} was cancelled`, { cause: error });
  }
  if (error instanceof ResultCodeError) return fromResultCode(error, ctx);

  const where = ctx.url ?? 'the server';
  const code = errorCode(error);
  const text = error instanceof Error ? error.message : String(error);

  if (code && tlsCodes.has(code)) {
    const hint =
      code === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? 'the certificate does not name this host: connect with the name in the certificate'
        : code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER'
          ? 'the TLS handshake failed: is this port really LDAPS (636) and not plain LDAP (389)?'
          : 'the server certificate is not trusted: add its CA as caCertificate (PEM)';
    return new ConnectorError('tls', `TLS error with ${where}: ${text} — ${hint}`, {
      cause: error,
    });
  }
  if (code === 'ETIMEDOUT' || /connection timeout|timed out/i.test(text)) {
    return new ConnectorError(
      ctx.operation === 'connect' ? 'network' : 'timeout',
      ctx.operation === 'connect'
        ? `could not connect to ${where}: connection timed out (check host, port and firewall)`
        : `${ctx.operation} on ${where} timed out: raise timeLimitSeconds or check the server's load`,
      { cause: error },
    );
  }
  if (code && networkCodes.has(code)) {
    const hint =
      code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'the host name does not resolve'
        : code === 'ECONNREFUSED'
          ? 'nothing listens on that port'
          : 'the connection failed';
    const ldapsHint = droppedTlsHandshake(code, ctx) ? ` — ${LDAPS_ON_PLAIN_PORT}` : '';
    return new ConnectorError(
      'network',
      `could not reach ${where}: ${hint} (${code})${ldapsHint}`,
      { cause: error },
    );
  }
  if (/connection closed|socket error|socket connection not established|ECONNRESET/i.test(text)) {
    return new ConnectorError(
      'network',
      ctx.operation === 'connect' || ctx.operation === 'bind' || ctx.operation === 'starttls'
        ? `the connection to ${where} closed during ${ctx.operation}: check the port and whether it expects LDAPS or plain LDAP`
        : `the connection to ${where} was lost during ${ctx.operation}; the read is incomplete`,
      { cause: error },
    );
  }
  if (/filter/i.test(text) && ctx.filter) {
    return new ConnectorError('invalid_filter', `filter ${ctx.filter} does not parse: ${text}`, {
      cause: error,
    });
  }
  return new ConnectorError('invalid_response', `${ctx.operation} on ${where} failed: ${text}`, {
    cause: error,
  });
}
