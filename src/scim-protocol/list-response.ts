/**
 * List query parameters and the ListResponse envelope (RFC 7644 §3.4.2).
 */
import { parseFilter } from './filter-parser.js';
import type { FilterNode, ParseFilterOptions } from './filter-parser.js';
import { SCHEMA_LIST_RESPONSE } from './schemas.js';
import { ScimError } from './scim-error.js';

export interface ListQuery {
  filter: FilterNode | undefined;
  /** 1-based, at least 1. */
  startIndex: number;
  /** 0 … maxCount; 0 asks only for totalResults. */
  count: number;
  /** Raw `attributes` / `excludedAttributes` values, for `projectResource`. */
  attributes: string | undefined;
  excludedAttributes: string | undefined;
}

export interface ListQueryOptions extends ParseFilterOptions {
  /** Largest page served; a larger `count` is clamped to it. */
  maxCount: number;
  /** Page size when `count` is absent. Default `maxCount`. */
  defaultCount?: number;
}

type QueryValue = string | string[] | undefined;

function single(query: Record<string, QueryValue>, name: string): string | undefined {
  const lower = name.toLowerCase();
  const key = Object.keys(query).find((k) => k.toLowerCase() === lower);
  if (key === undefined) return undefined;
  const v = query[key];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/**
 * Larger startIndex and count values are read as this one: beyond any page the store can
 * hold, and within the integers every database accepts as an offset.
 */
export const MAX_LIST_INTEGER = 2_147_483_647;

function integer(name: string, text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  if (!/^\s*-?\d+\s*$/.test(text)) throw ScimError.invalidValue(`"${name}" must be an integer`);
  const n = Number.parseInt(text, 10);
  return Math.max(-MAX_LIST_INTEGER, Math.min(MAX_LIST_INTEGER, n));
}

/**
 * Reads `filter`, `startIndex`, `count`, `attributes`, `excludedAttributes` from a
 * query string object (parameter names case-insensitive). Per RFC 7644 §3.4.2.4 a
 * startIndex below 1 is read as 1 and a negative count as 0; a count above `maxCount`
 * is clamped. `sortBy` / `sortOrder` are ignored (sorting is not supported).
 * @throws ScimError 400 invalidFilter / invalidValue.
 */
export function parseListQuery(
  query: Record<string, QueryValue>,
  options: ListQueryOptions,
): ListQuery {
  const filterText = single(query, 'filter');
  const filter =
    filterText !== undefined && filterText.trim() !== ''
      ? parseFilter(filterText, options)
      : undefined;
  const startIndex = Math.max(1, integer('startIndex', single(query, 'startIndex')) ?? 1);
  const requested = integer('count', single(query, 'count'));
  const count = Math.min(
    options.maxCount,
    Math.max(0, requested ?? options.defaultCount ?? options.maxCount),
  );
  return {
    filter,
    startIndex,
    count,
    attributes: single(query, 'attributes'),
    excludedAttributes: single(query, 'excludedAttributes'),
  };
}

export interface ListResponse<T> {
  schemas: [typeof SCHEMA_LIST_RESPONSE];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: T[];
}

/** The ListResponse envelope; `itemsPerPage` is the number of resources returned. */
export function buildListResponse<T>(
  resources: T[],
  page: { totalResults: number; startIndex: number },
): ListResponse<T> {
  return {
    schemas: [SCHEMA_LIST_RESPONSE],
    totalResults: page.totalResults,
    startIndex: page.startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
