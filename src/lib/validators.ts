import { Cron } from 'croner';
import { isIPv6 } from 'node:net';
import { FilterParser } from 'ldapts';

/** Each validator returns null when the value is fine, else a message for a person. */

export function checkCron(expression: string): string | null {
  let cron: Cron;
  try {
    cron = new Cron(expression, { timezone: 'UTC', paused: true, mode: '5-part' });
  } catch (err) {
    const detail = err instanceof Error ? err.message.replace(/^CronPattern:\s*/, '') : String(err);
    return `not a 5-field cron expression (minute hour day month weekday, UTC): ${detail}`;
  }
  // A schedule such as "0 0 31 2 *" (February 31st) parses but never runs.
  if (cron.nextRuns(1).length === 0) return 'never fires: no date matches every field';
  return null;
}

/** Next run times of a valid 5-field cron expression, in UTC. */
export function nextCronRuns(expression: string, count: number, from?: Date): Date[] {
  const cron = new Cron(expression, { timezone: 'UTC', paused: true, mode: '5-part' });
  return cron.nextRuns(count, from ?? new Date());
}

/** RFC 4515 string filter: must be parenthesised and parse. */
export function checkLdapFilter(filter: string): string | null {
  const trimmed = filter.trim();
  if (!trimmed.startsWith('(') || !trimmed.endsWith(')')) {
    return 'not an LDAP filter (RFC 4515): it must be enclosed in parentheses, e.g. (objectClass=person)';
  }
  const balance = parenBalance(trimmed);
  if (balance) return `not an LDAP filter (RFC 4515): ${balance}`;
  try {
    FilterParser.parseString(trimmed);
    return null;
  } catch (err) {
    return `not an LDAP filter (RFC 4515): ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * The parser forgives a missing closing parenthesis at the end; the server may not, and
 * a filter that means something else than it says must not be saved. Parentheses in
 * values are escaped (\28, \29) in RFC 4515, so every literal one is structure.
 */
function parenBalance(filter: string): string | null {
  let depth = 0;
  for (let i = 0; i < filter.length; i++) {
    const ch = filter[i];
    if (ch === '\\') i += 2;
    else if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth < 0) return `unbalanced parentheses: an extra ")" at position ${i + 1}`;
      if (depth === 0 && i < filter.length - 1)
        return `unbalanced parentheses: text after the filter ends at position ${i + 1}`;
    }
  }
  return depth === 0 ? null : `unbalanced parentheses: ${depth} "(" not closed`;
}

const attributeType = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)$/;

/** RFC 4514 distinguished name: comma-separated RDNs of `type=value`, escapes respected. */
export function checkDn(dn: string): string | null {
  const trimmed = dn.trim();
  if (trimmed === '') return 'must not be empty';
  const rdns = splitUnescaped(trimmed, ',');
  if (rdns === null) return 'not a distinguished name: it ends in an unfinished escape';
  for (const rdn of rdns) {
    for (const ava of splitUnescaped(rdn, '+') ?? []) {
      const eq = ava.indexOf('=');
      if (eq <= 0)
        return `not a distinguished name: "${rdn.trim()}" is not of the form attribute=value`;
      const type = ava.slice(0, eq).trim();
      if (!attributeType.test(type))
        return `not a distinguished name: "${type}" is not an attribute type`;
      if (ava.slice(eq + 1).trim() === '')
        return `not a distinguished name: "${type}" has an empty value`;
    }
  }
  return null;
}

function splitUnescaped(text: string, separator: string): string[] | null {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\') {
      if (i + 1 >= text.length) return null;
      current += ch + text[i + 1];
      i++;
    } else if (ch === separator) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

const hostname =
  /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const ipv4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

export function checkHost(host: string): string | null {
  const invalid = 'not a host name or IP address (give the host only, without ldap:// or a port)';
  if (ipv4.test(host)) return null;
  // No top-level domain is numeric: a name ending in digits is a (bad) IPv4 address.
  if (hostname.test(host)) return /(^|\.)\d+\.?$/.test(host) ? invalid : null;
  if (isIPv6(host.replace(/^\[(.*)\]$/, '$1'))) return null;
  return invalid;
}

export function checkHttpUrl(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? null : 'must be an http(s) URL';
  } catch {
    return 'not a URL';
  }
}
