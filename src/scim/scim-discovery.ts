/** The read-only discovery documents: ServiceProviderConfig, ResourceTypes, Schemas. */
import { buildListResponse } from '../scim-protocol/list-response.js';
import {
  buildResourceTypes,
  buildSchemas,
  buildServiceProviderConfig,
  findResourceType,
  findSchema,
} from '../scim-protocol/schemas.js';
import type { ScimContext, ScimLimits, ScimResponse } from './scim-context.js';

export function createScimDiscovery(limits: ScimLimits) {
  return {
    serviceProviderConfig(ctx: ScimContext): ScimResponse {
      return {
        status: 200,
        body: buildServiceProviderConfig({
          baseUrl: ctx.baseUrl,
          maxCount: limits.maxCount,
          documentationUri: 'https://github.com/dirsync/dirsync/blob/main/docs/scim.md',
        }),
      };
    },

    resourceTypes(ctx: ScimContext, id?: string): ScimResponse {
      if (id !== undefined) return { status: 200, body: findResourceType(ctx.baseUrl, id) };
      const all = buildResourceTypes(ctx.baseUrl);
      return {
        status: 200,
        body: buildListResponse(all, { totalResults: all.length, startIndex: 1 }),
      };
    },

    schemas(ctx: ScimContext, id?: string): ScimResponse {
      if (id !== undefined) return { status: 200, body: findSchema(ctx.baseUrl, id) };
      const all = buildSchemas(ctx.baseUrl);
      return {
        status: 200,
        body: buildListResponse(all, { totalResults: all.length, startIndex: 1 }),
      };
    },
  };
}
