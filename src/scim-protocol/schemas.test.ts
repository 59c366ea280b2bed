import { describe, expect, it } from 'vitest';
import {
  buildResourceTypes,
  buildSchemas,
  buildServiceProviderConfig,
  findResourceType,
  findSchema,
  lookupAttribute,
  SCHEMA_ENTERPRISE_USER,
  SCHEMA_GROUP,
  SCHEMA_USER,
} from './schemas.js';
import type { AttributeDefinition } from './schemas.js';

const BASE = 'https://dirsync.example/scim/v2/dir_1/';

describe('discovery documents', () => {
  it('describes the service provider', () => {
    const spc = buildServiceProviderConfig({ baseUrl: BASE, maxCount: 200 });
    expect(spc).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: false },
      sort: { supported: false },
      etag: { supported: true },
      authenticationSchemes: [{ type: 'oauthbearertoken', primary: true }],
      meta: { location: 'https://dirsync.example/scim/v2/dir_1/ServiceProviderConfig' },
    });
  });

  it('lists User (with the enterprise extension) and Group resource types', () => {
    const types = buildResourceTypes(BASE);
    expect(types.map((t) => [t.id, t.endpoint, t.schema])).toEqual([
      ['User', '/Users', SCHEMA_USER],
      ['Group', '/Groups', SCHEMA_GROUP],
    ]);
    expect(types[0].schemaExtensions).toEqual([
      { schema: SCHEMA_ENTERPRISE_USER, required: false },
    ]);
    expect(findResourceType(BASE, 'user').meta.location).toBe(
      'https://dirsync.example/scim/v2/dir_1/ResourceTypes/User',
    );
    expect(() => findResourceType(BASE, 'Device')).toThrow(
      expect.objectContaining({ status: 404 }),
    );
  });

  it('defines every attribute fully', () => {
    const schemas = buildSchemas(BASE);
    expect(schemas.map((s) => s.id)).toEqual([SCHEMA_USER, SCHEMA_ENTERPRISE_USER, SCHEMA_GROUP]);
    const check = (a: AttributeDefinition): void => {
      for (const k of [
        'name',
        'type',
        'multiValued',
        'description',
        'required',
        'caseExact',
        'mutability',
        'returned',
        'uniqueness',
      ]) {
        expect(a, `${a.name}.${k}`).toHaveProperty(k);
      }
      a.subAttributes?.forEach(check);
    };
    schemas.forEach((s) => s.attributes.forEach(check));
    const user = findSchema(BASE, SCHEMA_USER);
    expect(user.attributes.find((a) => a.name === 'userName')).toMatchObject({
      required: true,
      uniqueness: 'server',
      caseExact: false,
    });
    expect(user.attributes.find((a) => a.name === 'password')).toMatchObject({
      returned: 'never',
      mutability: 'writeOnly',
    });
    expect(
      findSchema(BASE, SCHEMA_GROUP).attributes.find((a) => a.name === 'members'),
    ).toMatchObject({ multiValued: true });
    expect(user.meta.location).toBe(`https://dirsync.example/scim/v2/dir_1/Schemas/${SCHEMA_USER}`);
    // A caller mutating the documents does not change the next ones.
    user.attributes.length = 0;
    expect(findSchema(BASE, SCHEMA_USER).attributes.length).toBeGreaterThan(5);
  });
});

describe('lookupAttribute', () => {
  it('finds core, sub and extension attributes case-insensitively', () => {
    expect(lookupAttribute('User', { attribute: 'USERNAME' })?.definition.name).toBe('userName');
    expect(
      lookupAttribute('User', { attribute: 'emails', subAttribute: 'PRIMARY' })?.subDefinition
        ?.type,
    ).toBe('boolean');
    expect(
      lookupAttribute('User', {
        schema: SCHEMA_ENTERPRISE_USER.toLowerCase(),
        attribute: 'manager',
      }),
    ).toMatchObject({
      extension: SCHEMA_ENTERPRISE_USER,
      definition: { name: 'manager', type: 'complex' },
    });
    expect(
      lookupAttribute('User', { schema: SCHEMA_USER, attribute: 'id' })?.definition.returned,
    ).toBe('always');
    expect(lookupAttribute('Group', { attribute: 'userName' })).toBeUndefined();
  });
});
