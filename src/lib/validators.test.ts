import { describe, expect, it } from 'vitest';
import { checkCron, checkDn, checkHost, checkLdapFilter, nextCronRuns } from './validators.js';

describe('validators', () => {
  it('accepts 5-field cron only', () => {
    expect(checkCron('0 */4 * * *')).toBeNull();
    expect(checkCron('0 0 1 * * *')).toMatch(/5-field/);
    expect(checkCron('0 25 * * *')).toMatch(/hour/);
    // Parses, but no February has a 31st (or 30th): it would never run.
    expect(checkCron('0 0 31 2 *')).toMatch(/never fires/);
    expect(checkCron('0 0 30 2 *')).toMatch(/never fires/);
    expect(checkCron('0 0 29 2 *')).toBeNull();
    expect(
      nextCronRuns('0 1 * * *', 2, new Date('2026-01-01T05:00:00Z')).map((d) => d.toISOString()),
    ).toEqual(['2026-01-02T01:00:00.000Z', '2026-01-03T01:00:00.000Z']);
  });

  it('parses LDAP filters per RFC 4515', () => {
    expect(checkLdapFilter('(&(objectClass=person)(!(uid=svc-*)))')).toBeNull();
    expect(checkLdapFilter('objectClass=person')).toMatch(/parentheses/);
    expect(checkLdapFilter('(objectClass=person')).toMatch(/RFC 4515/);
    // ldapts' parser accepts a missing final ")" after a nested filter: balance is checked first.
    expect(checkLdapFilter('(&(objectClass=person)(uid=a*)')).toMatch(/unbalanced/);
    expect(checkLdapFilter('(&(a=b)(c=d)))')).toMatch(/unbalanced/);
    expect(checkLdapFilter('(a=b)(c=d)')).toMatch(/unbalanced/);
    expect(checkLdapFilter('(cn=a\\29b)')).toBeNull();
  });

  it('checks DN syntax with escapes', () => {
    expect(checkDn('CN=sync,OU=Service Accounts,DC=acme,DC=com')).toBeNull();
    expect(checkDn('CN=Smith\\, John,DC=acme,DC=com')).toBeNull();
    expect(checkDn('acme.com')).toMatch(/attribute=value/);
    expect(checkDn('CN=,DC=x')).toMatch(/empty value/);
  });

  it('checks hosts', () => {
    expect(checkHost('ldap.acme.com')).toBeNull();
    expect(checkHost('10.0.0.5')).toBeNull();
    expect(checkHost('ldap://acme.com')).toMatch(/host/);
    expect(checkHost('1.2.3.4.5')).toMatch(/host/);
    expect(checkHost('256.1.1.1')).toMatch(/host/);
    expect(checkHost('ldap1.acme.com')).toBeNull();
    expect(checkHost('::1')).toBeNull();
    expect(checkHost('[fd00::5]')).toBeNull();
    expect(checkHost(':::')).toMatch(/host/);
  });
});
