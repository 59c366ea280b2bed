import { describe, expect, it } from 'vitest';
import { checkCron, checkDn, checkHost, checkLdapFilter, nextCronRuns } from './validators.js';

describe('validators', () => {
  it('accepts 5-field cron only', () => {
    expect(checkCron('0 */4 * * *')).toBeNull();
    expect(checkCron('0 0 1 * * *')).toMatch(/5-field/);
    expect(checkCron('0 25 * * *')).toMatch(/hour/);
    expect(
      nextCronRuns('0 1 * * *', 2, new Date('2026-01-01T05:00:00Z')).map((d) => d.toISOString()),
    ).toEqual(['2026-01-02T01:00:00.000Z', '2026-01-03T01:00:00.000Z']);
  });

  it('parses LDAP filters per RFC 4515', () => {
    expect(checkLdapFilter('(&(objectClass=person)(!(uid=svc-*)))')).toBeNull();
    expect(checkLdapFilter('objectClass=person')).toMatch(/parentheses/);
    expect(checkLdapFilter('(objectClass=person')).toMatch(/RFC 4515/);
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
  });
});
