import {
  BerReader,
  BerWriter,
  InsufficientAccessError,
  InvalidCredentialsError,
  NoSuchObjectError,
  SizeLimitExceededError,
  TimeLimitExceededError,
  UnknownStatusCodeError,
} from 'ldapts';
import { describe, expect, it } from 'vitest';

import { ConnectorError } from '../../../src/connectors/connector.js';
import { ldapDefaults } from '../../../src/connectors/ldap/ldap-config.js';
import {
  parseSyncInfo,
  SyncDoneControl,
  SyncRequestControl,
  SyncStateControl,
} from '../../../src/connectors/ldap/ldap-controls.js';
import { toConnectorError } from '../../../src/connectors/ldap/ldap-errors.js';
import {
  effectiveMapping,
  guidToBytes,
  guidToString,
  mapGroup,
  mapUser,
  normalizeDn,
  sidToString,
  stripOptionalUid,
  uacEnabled,
  type LdapEntry,
} from '../../../src/connectors/ldap/ldap-mapping.js';
import { readRangedAttribute } from '../../../src/connectors/ldap/ldap-range.js';
import {
  adDisabledUser,
  adLargeGroup,
  adLargeGroupRange,
  adUser,
  builtinAdminsSidBytes,
  guidBytes,
  memberDn,
  userSidBytes,
} from '../../fixtures/ldap/ad-entries.js';

const adMapping = (attributeMapping: Record<string, string> = {}) =>
  effectiveMapping('active_directory', {
    ...ldapDefaults('active_directory', false),
    attributeMapping,
  });

describe('Active Directory binary attributes', () => {
  it('renders objectGUID in canonical mixed-endian form, and back', () => {
    expect(guidToString(guidBytes)).toBe('01234567-89ab-cdef-0123-456789abcdef');
    expect(guidToBytes('01234567-89ab-cdef-0123-456789abcdef').equals(guidBytes)).toBe(true);
    expect(() => guidToString(Buffer.alloc(15))).toThrow(ConnectorError);
  });

  it('renders objectSid as S-1-5-…', () => {
    expect(sidToString(userSidBytes)).toBe('S-1-5-21-3623811015-3361044348-30300820-1013');
    expect(sidToString(builtinAdminsSidBytes)).toBe('S-1-5-32-544');
    expect(() => sidToString(userSidBytes.subarray(0, 20))).toThrow(ConnectorError);
  });

  it('reads userAccountControl bit 0x2 as disabled', () => {
    expect(uacEnabled('512')).toBe(true);
    expect(uacEnabled('514')).toBe(false);
    expect(uacEnabled('66050')).toBe(false); // DONT_EXPIRE_PASSWORD | NORMAL | DISABLED
    expect(uacEnabled('66048')).toBe(true);
    expect(uacEnabled(undefined)).toBe(true);
  });
});

describe('AD entry mapping', () => {
  it('maps an AD user with sAMAccountName, objectGUID and memberOf', () => {
    expect(mapUser(adUser, adMapping())).toEqual({
      externalId: '01234567-89ab-cdef-0123-456789abcdef',
      dn: 'cn=jane doe,ou=staff,dc=acme,dc=com',
      username: 'jdoe',
      firstName: 'Jane',
      lastName: 'Doe',
      email: 'jane.doe@acme.com',
      phone: '+44 20 7946 0000',
      displayName: 'Jane Doe',
      enabled: true,
      memberOf: [
        { by: 'dn', value: 'cn=engineering,ou=groups,dc=acme,dc=com', type: 'group' },
        { by: 'dn', value: 'cn=vpn users,ou=groups,dc=acme,dc=com', type: 'group' },
      ],
    });
  });

  it('marks a disabled account and exposes objectSid when mapped', () => {
    const user = mapUser(adDisabledUser, adMapping({ sid: 'objectSid' }));
    expect(user.enabled).toBe(false);
    expect(user.externalId).toBe('9bdda1d5-3c4b-4f5a-a6e1-e2c6a3e0b5c7');
    expect(user.custom).toEqual({ sid: 'S-1-5-21-3623811015-3361044348-30300820-1013' });
  });

  it('fails the read, rather than skipping, when the externalId attribute is missing', () => {
    const { objectGUID: _ignored, ...withoutGuid } = adUser;
    expect(() => mapUser(withoutGuid as LdapEntry, adMapping())).toThrow(/objectGUID/);
  });
});

describe('AD ranged retrieval of member', () => {
  it('follows member;range=0-1499 → 1500-2999 → 3000-* with base searches', async () => {
    const requests: string[][] = [];
    const values = await readRangedAttribute(adLargeGroup, 'member', async (dn, attributes) => {
      expect(dn).toBe(adLargeGroup.dn);
      requests.push(attributes);
      const start = Number(/range=(\d+)-\*/.exec(attributes[0] ?? '')?.[1]);
      return adLargeGroupRange(start);
    });
    expect(requests).toEqual([['member;range=1500-*'], ['member;range=3000-*']]);
    expect(values).toHaveLength(3200);
    expect(values[0]).toBe(memberDn(0));
    expect(values[3199]).toBe(memberDn(3199));
    const group = mapGroup(adLargeGroup, adMapping(), values);
    expect(group.members).toHaveLength(3200);
    expect(group.members?.[1500]).toEqual({
      by: 'dn',
      value: 'cn=user 01500,ou=staff,dc=acme,dc=com',
    });
  });

  it('returns plain values without asking again when there is no range', async () => {
    const entry: LdapEntry = { dn: 'CN=Small,DC=acme,DC=com', member: [memberDn(1), memberDn(2)] };
    const values = await readRangedAttribute(entry, 'member', () => {
      throw new Error('must not be called');
    });
    expect(values).toEqual([memberDn(1), memberDn(2)]);
  });

  it('fails when the group vanishes or the server repeats a range', async () => {
    await expect(
      readRangedAttribute(adLargeGroup, 'member', async () => undefined),
    ).rejects.toThrow(/disappeared/);
    await expect(
      readRangedAttribute(adLargeGroup, 'member', async () => ({
        dn: adLargeGroup.dn,
        'member;range=0-1499': [],
      })),
    ).rejects.toThrow(ConnectorError);
  });
});

describe('DN normalisation', () => {
  it('lowercases and trims spaces around separators, keeping escapes and inner spaces', () => {
    expect(normalizeDn('UID=Bob, OU=People,DC=example, DC=com')).toBe(
      'uid=bob,ou=people,dc=example,dc=com',
    );
    expect(normalizeDn(' cn = Jane  Doe , ou=Staff ')).toBe('cn=jane  doe,ou=staff');
    expect(normalizeDn('CN=Doe\\, Jane,OU=Staff')).toBe('cn=doe\\, jane,ou=staff');
    expect(normalizeDn('cn=trailing\\ ,dc=x')).toBe('cn=trailing\\ ,dc=x');
    expect(normalizeDn('cn=a + sn=b,dc=x')).toBe('cn=a+sn=b,dc=x');
    const once = normalizeDn('CN=X , DC=Y');
    expect(normalizeDn(once)).toBe(once);
    // DNs without spaces, escapes or `;` take the lowercase-only path: same results.
    expect(normalizeDn('UID=Bob,OU=People,DC=Example,DC=Com')).toBe(
      'uid=bob,ou=people,dc=example,dc=com',
    );
    expect(normalizeDn('uid=bob;ou=people')).toBe('uid=bob,ou=people');
    expect(normalizeDn('\tuid=Bob,dc=x\n')).toBe('uid=bob,dc=x');
    expect(normalizeDn('CN=Zoë,DC=X')).toBe('cn=zoë,dc=x');
  });

  it('strips the optional uid of a uniqueMember value', () => {
    expect(stripOptionalUid("uid=a,dc=x#'0101'B")).toBe('uid=a,dc=x');
    expect(stripOptionalUid('uid=a,dc=x')).toBe('uid=a,dc=x');
  });
});

describe('RFC 4533 controls', () => {
  it('encodes the Sync Request control as refreshOnly with the cookie', () => {
    const writer = new BerWriter();
    new SyncRequestControl({ cookie: Buffer.from('rid=000,csn=1') }).write(writer);
    const reader = new BerReader(writer.buffer);
    reader.readSequence();
    expect(reader.readString()).toBe('1.3.6.1.4.1.4203.1.9.1.1');
    expect(reader.readBoolean()).toBe(true);
    const value = new BerReader(reader.readString(0x04, true) ?? Buffer.alloc(0));
    value.readSequence();
    expect(value.readEnumeration()).toBe(1);
    expect(value.readString()).toBe('rid=000,csn=1');
  });

  it('parses Sync State, Sync Done and syncIdSet values', () => {
    const uuid = Buffer.from('44f6d26e7a4f104185dadd83c3202b53', 'hex');
    const state = new BerWriter();
    state.startSequence();
    state.writeEnumeration(3);
    state.writeBuffer(uuid, 0x04);
    state.endSequence();
    const stateControl = new SyncStateControl();
    stateControl.parse(new BerReader(state.buffer));
    expect(stateControl).toMatchObject({
      state: 'delete',
      entryUUID: '44f6d26e-7a4f-1041-85da-dd83c3202b53',
    });

    const done = new BerWriter();
    done.startSequence();
    done.writeString('rid=000,csn=2');
    done.writeBoolean(true);
    done.endSequence();
    const doneControl = new SyncDoneControl();
    doneControl.parse(new BerReader(done.buffer));
    expect(doneControl.cookie?.toString()).toBe('rid=000,csn=2');
    expect(doneControl.refreshDeletes).toBe(true);

    const info = new BerWriter();
    info.startSequence(0xa3);
    info.writeBoolean(true);
    info.startSequence(0x31);
    info.writeBuffer(uuid, 0x04);
    info.endSequence();
    info.endSequence();
    expect(parseSyncInfo(info.buffer)).toEqual({
      kind: 'syncIdSet',
      cookie: undefined,
      refreshDeletes: true,
      uuids: ['44f6d26e-7a4f-1041-85da-dd83c3202b53'],
    });
  });
});

describe('error mapping', () => {
  const search = {
    operation: 'search' as const,
    url: 'ldap://dc1:389',
    bindDN: 'cn=sync,dc=x',
    baseDN: 'ou=people,dc=x',
  };

  it('maps result codes to kinds with actionable messages', () => {
    expect(
      toConnectorError(new InvalidCredentialsError('80090308: LdapErr: DSID-0C09041C, data 52e'), {
        ...search,
        operation: 'bind',
      }),
    ).toMatchObject({
      kind: 'auth',
      message: expect.stringMatching(
        /bind rejected for "cn=sync,dc=x": check the DN and password.*data 52e/,
      ),
    });
    expect(toConnectorError(new NoSuchObjectError(), search)).toMatchObject({
      kind: 'invalid_base_dn',
      message: expect.stringContaining('ou=people,dc=x'),
    });
    expect(toConnectorError(new InsufficientAccessError(), search).kind).toBe('permission');
    expect(toConnectorError(new TimeLimitExceededError(), search).kind).toBe('timeout');
    expect(
      toConnectorError(new UnknownStatusCodeError(87, ''), { ...search, filter: '(uid=*' }),
    ).toMatchObject({ kind: 'invalid_filter', message: expect.stringContaining('(uid=*') });
    const size = toConnectorError(new SizeLimitExceededError(), {
      ...search,
      flavor: 'active_directory',
    });
    expect(size.kind).toBe('size_limit');
    expect(size.message).toMatch(/MaxPageSize/);
  });

  it('maps socket and TLS errors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    expect(toConnectorError(refused, { operation: 'connect' }).kind).toBe('network');
    const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND dc1'), { code: 'ENOTFOUND' });
    expect(toConnectorError(notFound, { operation: 'connect' })).toMatchObject({
      kind: 'network',
      message: expect.stringMatching(/does not resolve/),
    });
    const timedOut = Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' });
    expect(toConnectorError(timedOut, { operation: 'connect' }).kind).toBe('network');
    expect(toConnectorError(new Error('SearchRequest: Operation timed out'), search).kind).toBe(
      'timeout',
    );
    const expired = Object.assign(new Error('certificate has expired'), {
      code: 'CERT_HAS_EXPIRED',
    });
    expect(toConnectorError(expired, { operation: 'connect' }).kind).toBe('tls');
    const altname = Object.assign(new Error("Hostname/IP does not match certificate's altnames"), {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    expect(toConnectorError(altname, { operation: 'connect' })).toMatchObject({
      kind: 'tls',
      message: expect.stringMatching(/does not name this host/),
    });
  });
});
