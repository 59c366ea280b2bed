import { BerReader, BerWriter } from 'ldapts';
import { describe, expect, it } from 'vitest';

import { guidToBytes, mapUser, rawValues } from '../../../src/connectors/ldap/ldap-mapping.js';
import { ldapDefaults } from '../../../src/connectors/ldap/ldap-config.js';
import { effectiveMapping } from '../../../src/connectors/ldap/ldap-mapping.js';
import { decodeEntry } from '../../../src/connectors/ldap/ldap-decode.js';
import { PendingLdapUser, userDecoding } from '../../../src/connectors/ldap/ldap-pending.js';
import { writeSearchEntry } from '../../helpers/ldap-ber.js';

/** A SearchResultEntry as a server sends it, BER-encoded. */
function entryBytes(dn: string, attributes: [string, (string | Buffer)[]][]): Buffer {
  const w = new BerWriter();
  writeSearchEntry(w, dn, attributes);
  return w.buffer;
}

function decode(bytes: Buffer, binary: string[] = []) {
  const reader = new BerReader(bytes);
  reader.readSequence(0x64);
  return decodeEntry(
    { buffer: bytes, start: reader.offset, end: bytes.length },
    new Set(binary.map((b) => b.toLowerCase())),
  );
}

describe('search entries decoded from the message bytes', () => {
  it('keeps the DN and every value, with attribute names found case-insensitively', () => {
    const entry = decode(
      entryBytes('UID=Zoë,OU=People,DC=Example', [
        ['uid', ['zoë']],
        ['givenName', ['Zoë']],
        ['sn', ['Ångström']],
        ['mail', ['zoe@example.com']],
        ['memberOf', ['cn=a,dc=example', 'cn=b,dc=example']],
        ['entryUUID', ['6E1F7C2A-0000-4000-8000-000000000001']],
      ]),
    );
    expect(entry.dn).toBe('UID=Zoë,OU=People,DC=Example');
    expect(rawValues(entry, 'GIVENNAME')).toEqual(['Zoë']);
    expect(rawValues(entry, 'memberof')).toEqual(['cn=a,dc=example', 'cn=b,dc=example']);
    expect(rawValues(entry, 'telephoneNumber')).toEqual([]);
    // Names that exist on every object are not attributes of the entry.
    expect(rawValues(entry, 'constructor')).toEqual([]);
    expect(rawValues(entry, 'dn')).toEqual([]);
    const user = mapUser(entry, effectiveMapping('ldap', ldapDefaults('ldap', false)));
    expect(user).toMatchObject({
      externalId: '6e1f7c2a-0000-4000-8000-000000000001',
      dn: 'uid=zoë,ou=people,dc=example',
      username: 'zoë',
      lastName: 'Ångström',
    });
  });

  it('returns binary attributes and values that are not UTF-8 as Buffers', () => {
    const guid = guidToBytes('01234567-89ab-cdef-0123-456789abcdef');
    const invalid = Buffer.from([0xc3, 0x28, 0xff, 0x00]);
    const entry = decode(
      entryBytes('CN=Jo,DC=corp', [
        ['objectGUID', [guid]],
        ['invocationId', [invalid]],
        ['userCertificate;binary', [Buffer.from('cert')]],
        ['cn', ['Jo']],
      ]),
      ['objectGUID'],
    );
    expect(rawValues(entry, 'objectGUID')).toEqual([guid]);
    expect(rawValues(entry, 'invocationId')).toEqual([invalid]);
    expect(rawValues(entry, 'userCertificate;binary')).toEqual([Buffer.from('cert')]);
    expect(rawValues(entry, 'cn')).toEqual(['Jo']);
  });

  it('a pending AD user knows its GUID, status and digest before it is mapped', () => {
    const guid = '01234567-89ab-cdef-0123-456789abcdef';
    const settings = ldapDefaults('active_directory', false);
    const decoding = userDecoding(effectiveMapping('active_directory', settings));
    const bytes = (uac: string) =>
      entryBytes('CN=Jo,OU=Staff,DC=corp', [
        ['sAMAccountName', ['jo']],
        ['givenName', ['Jo']],
        ['userAccountControl', [uac]],
        ['objectGUID', [guidToBytes(guid)]],
      ]);
    const pending = (b: Buffer) => {
      const reader = new BerReader(b);
      reader.readSequence(0x64);
      return new PendingLdapUser({ buffer: b, start: reader.offset, end: b.length }, decoding);
    };
    const enabled = pending(bytes('512'));
    expect(enabled).toMatchObject({ externalId: guid, enabled: true });
    expect(enabled.decode()).toMatchObject({ externalId: guid, username: 'jo', enabled: true });
    const disabled = pending(bytes('514'));
    expect(disabled.enabled).toBe(false);
    expect(disabled.digest).not.toBe(enabled.digest);
    expect(pending(bytes('512')).digest).toBe(enabled.digest);
    // Only the key attributes are decoded up front.
    const reader = new BerReader(bytes('512'));
    reader.readSequence(0x64);
    const b = bytes('512');
    const partial = decodeEntry(
      { buffer: b, start: reader.offset, end: b.length },
      decoding.binary,
      decoding.keys,
    );
    expect(Object.keys(partial).sort()).toEqual(['dn', 'objectguid', 'useraccountcontrol']);
  });

  it('an entry without its external id fails the read, naming the entry', () => {
    const decoding = userDecoding(effectiveMapping('ldap', ldapDefaults('ldap', false)));
    const b = entryBytes('uid=nobody,ou=people,dc=example', [['uid', ['nobody']]]);
    const reader = new BerReader(b);
    reader.readSequence(0x64);
    expect(
      () => new PendingLdapUser({ buffer: b, start: reader.offset, end: b.length }, decoding),
    ).toThrow('entry "uid=nobody,ou=people,dc=example" has no entryUUID');
  });

  it('reads long-form lengths and keeps ranged attribute names as sent', () => {
    const long = 'x'.repeat(70_000);
    const members = Array.from({ length: 1500 }, (_, i) => `cn=u${i},dc=corp`);
    const entry = decode(
      entryBytes('CN=Big,DC=corp', [
        ['description', [long]],
        ['member', []],
        ['member;range=0-1499', members],
      ]),
    );
    expect(rawValues(entry, 'description')).toEqual([long]);
    expect(rawValues(entry, 'member')).toEqual([]);
    expect(rawValues(entry, 'member;range=0-1499')).toEqual(members);
  });
});
