/**
 * The list machinery users and groups share: a `POST /.search` body read as query
 * parameters, and one page of a list with its total through statements compiled once
 * per filter shape.
 */
import type { Expression, SelectQueryBuilder, SqlBool } from 'kysely';
import type { Database } from '../store/schema.js';
import { isJsonObject } from '../scim-protocol/filter-eval.js';
import type { JsonObject } from '../scim-protocol/filter-eval.js';
import { compileFilterToSql } from '../scim-protocol/filter-sql.js';
import type { AttributeResolver } from '../scim-protocol/filter-sql.js';
import { stringifyFilter } from '../scim-protocol/filter-parser.js';
import type { FilterNode } from '../scim-protocol/filter-parser.js';
import { buildListResponse } from '../scim-protocol/list-response.js';
import type { ListQuery } from '../scim-protocol/list-response.js';
import { isAttributeOmitted, projectResource } from '../scim-protocol/projection.js';
import { ScimError } from '../scim-protocol/scim-error.js';
import {
  compileShape,
  listOrder,
  pageClause,
  pageLiteral,
  runShape,
  slotValue,
  type Scope,
} from '../store/scim-store.js';
import {
  listQueryOf,
  type QueryValue,
  type ScimContext,
  type ScimDeps,
  type ScimResponse,
} from './scim-context.js';

/** `POST /.search` body (RFC 7644 §3.4.3) as query parameters. */
export function searchBodyToQuery(body: unknown): Record<string, QueryValue> {
  if (!isJsonObject(body))
    throw ScimError.invalidSyntax('A search request body must be a JSON object');
  const out: Record<string, QueryValue> = {};
  for (const [k, v] of Object.entries(body)) {
    const key = k.toLowerCase();
    if (key === 'schemas') continue;
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v.join(',');
    else if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
    else throw ScimError.invalidValue(`"${k}" has a value of the wrong type`);
  }
  return out;
}

/**
 * The filter with each string value replaced by the next slot (`slotValue`), the values
 * appended to `values`: the shape a compiled list statement is cached by.
 */
function slotFilter(node: FilterNode, values: string[]): FilterNode {
  switch (node.kind) {
    case 'compare':
      if (typeof node.value !== 'string') return node;
      values.push(node.value);
      return { ...node, value: slotValue(values.length - 1) };
    case 'present':
      return node;
    case 'and':
    case 'or':
      return {
        ...node,
        left: slotFilter(node.left, values),
        right: slotFilter(node.right, values),
      };
    case 'not':
    case 'valuePath':
      return { ...node, filter: slotFilter(node.filter, values) };
  }
}

/** What a list of one resource type needs: its rows, filter columns, related attribute and rendering. */
export interface ListKind<T extends 'users' | 'groups', R extends { id: string }, X> {
  resourceType: 'User' | 'Group';
  table: T;
  resolver: AttributeResolver;
  /** The directory's rows a client sees (not deleted), before filter, columns and order. */
  scoped: (scope: Scope) => SelectQueryBuilder<Database, T, object>;
  /** The columns a page reads. */
  columns: (query: SelectQueryBuilder<Database, T, object>) => SelectQueryBuilder<Database, T, R>;
  /** The attribute read from other rows (`groups` of users, `members` of groups). */
  related: { attribute: string; load: (ids: string[]) => Promise<Map<string, X[]>> };
  /** `related` is undefined when the request leaves the attribute out. */
  render: (ctx: ScimContext, row: R, related: X[] | undefined) => JsonObject;
}

export function createLists(deps: ScimDeps) {
  const { shapes, limits } = deps;
  const db = deps.db;

  /**
   * One page of a list, through a statement compiled once per filter shape (the filter
   * with its string values as slots): slots 0 and 1 are the tenant and directory, then
   * the filter's values. A shape whose values the SQL cannot take as they are (a LIKE
   * pattern, a date normalised, a boolean read from text) is built per request.
   */
  async function pageOf<T extends 'users' | 'groups', R>(
    ctx: ScimContext,
    q: ListQuery,
    table: T,
    resolver: AttributeResolver,
    query: (
      scope: Scope,
      where: Expression<SqlBool> | undefined,
    ) => SelectQueryBuilder<Database, T, R>,
  ): Promise<R[]> {
    const values: string[] = [ctx.tenantId, ctx.directoryId];
    const slotted = q.filter === undefined ? undefined : slotFilter(q.filter, values);
    const key = `${table}:${slotted === undefined ? '' : stringifyFilter(slotted)}`;
    const shape = shapes.get(key, () => {
      try {
        const where = slotted === undefined ? undefined : compileFilterToSql(slotted, resolver);
        return compileShape(
          query({ tenantId: slotValue(0), directoryId: slotValue(1) }, where).compile(),
        );
      } catch {
        return null;
      }
    });
    if (shape) return runShape<R>(db, shape, values, pageClause(q.count, q.startIndex - 1));
    const where = q.filter === undefined ? undefined : compileFilterToSql(q.filter, resolver);
    return query(ctx, where)
      .limit(pageLiteral(q.count))
      .offset(pageLiteral(q.startIndex - 1))
      .execute();
  }

  /** One page of a list and its total; `count: 0` asks for the total only. */
  async function listPage<R>(
    q: ListQuery,
    fetchPage: () => Promise<R[]>,
    count: () => Promise<number>,
  ): Promise<{ rows: R[]; total: number }> {
    const rows = q.count === 0 ? [] : await fetchPage();
    return { rows, total: await totalOf(rows.length, q, count) };
  }

  /** A short page is the last one: its total needs no count query. */
  async function totalOf(
    returned: number,
    q: ListQuery,
    count: () => Promise<number>,
  ): Promise<number> {
    if (q.count > 0 && returned < q.count && (returned > 0 || q.startIndex === 1))
      return q.startIndex - 1 + returned;
    return count();
  }

  /** `GET /Users`, `GET /Groups` and their `POST /.search`: one page, rendered and projected. */
  async function listResources<T extends 'users' | 'groups', R extends { id: string }, X>(
    ctx: ScimContext,
    query: Record<string, QueryValue>,
    kind: ListKind<T, R, X>,
  ): Promise<ScimResponse> {
    const q = listQueryOf(query, limits);
    const projection = {
      resourceType: kind.resourceType,
      attributes: q.attributes,
      excludedAttributes: q.excludedAttributes,
    };
    const { rows, total } = await listPage(
      q,
      () =>
        pageOf(ctx, q, kind.table, kind.resolver, (scope, where) => {
          return kind
            .columns(kind.scoped(scope).$if(where !== undefined, (b) => b.where(where!)))
            .orderBy(listOrder(kind.table, where !== undefined));
        }),
      async () => {
        const where =
          q.filter === undefined ? undefined : compileFilterToSql(q.filter, kind.resolver);
        return Number(
          (
            await kind
              .scoped(ctx)
              .$if(where !== undefined, (b) => b.where(where!))
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      },
    );
    const related =
      rows.length > 0 && !isAttributeOmitted(kind.related.attribute, projection)
        ? await kind.related.load(rows.map((r) => r.id))
        : undefined;
    const resources = rows.map((r) =>
      projectResource(
        kind.render(ctx, r, related === undefined ? undefined : (related.get(r.id) ?? [])),
        projection,
      ),
    );
    return {
      status: 200,
      body: buildListResponse(resources, { totalResults: total, startIndex: q.startIndex }),
    };
  }

  return { listResources };
}
