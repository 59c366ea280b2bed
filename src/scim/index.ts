/**
 * The framework-free SCIM 2.0 core (RFC 7643 / 7644): parse and evaluate filters,
 * compile them to SQL, apply PATCH, convert resources, build discovery documents and
 * error bodies. No HTTP and no store here; the route layer wires these to both.
 */
export {
  renderScimError,
  ScimError,
  SCIM_CONTENT_TYPE,
  SCIM_ERROR_SCHEMA,
  scimErrorTypes,
} from './scim-error.js';
export type { RenderedScimError, ScimErrorBody, ScimErrorType } from './scim-error.js';
export {
  canonicalPath,
  compareOperators,
  parseAttributePath,
  parseFilter,
  stringifyFilter,
} from './filter-parser.js';
export type {
  AttributePath,
  CompareOperator,
  FilterNode,
  FilterValue,
  ParseFilterOptions,
} from './filter-parser.js';
export { matchesFilter } from './filter-eval.js';
export type { EvalOptions, JsonObject } from './filter-eval.js';
export { compileFilterToSql, createColumnResolver } from './filter-sql.js';
export type {
  AttributeMapping,
  AttributeResolver,
  ColumnMapping,
  CustomMapping,
  FilterPathRef,
  SqlColumnType,
  SqlCondition,
} from './filter-sql.js';
export { applyPatch, parsePatchRequest, planGroupPatch } from './patch.js';
export type { GroupPatchPlan, PatchOperation, PatchOptions, PatchResult } from './patch.js';
export {
  buildResourceTypes,
  buildSchemas,
  buildServiceProviderConfig,
  findResourceType,
  findSchema,
  lookupAttribute,
  SCHEMA_ENTERPRISE_USER,
  SCHEMA_GROUP,
  SCHEMA_LIST_RESPONSE,
  SCHEMA_PATCH_OP,
  SCHEMA_USER,
} from './schemas.js';
export type { AttributeDefinition, ScimResourceType } from './schemas.js';
export { buildListResponse, parseListQuery } from './list-response.js';
export type { ListQuery, ListQueryOptions, ListResponse } from './list-response.js';
export { isAttributeOmitted, projectResource } from './projection.js';
export type { ProjectionOptions } from './projection.js';
export { assertIfMatch, buildMeta, formatVersion, matchesIfNoneMatch } from './resource-meta.js';
export type { ResourceMeta, Timestamp } from './resource-meta.js';
export { parseScimUser, pickPrimary, renderScimUser } from './user-resource.js';
export type {
  ScimEnterpriseFields,
  ScimManager,
  ScimMultiValue,
  ScimUserFields,
  ScimUserInput,
  ScimUserResource,
} from './user-resource.js';
export { parseScimGroup, renderScimGroup } from './group-resource.js';
export type {
  ScimGroupFields,
  ScimGroupInput,
  ScimGroupMember,
  ScimGroupResource,
} from './group-resource.js';
