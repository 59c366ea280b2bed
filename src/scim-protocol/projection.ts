/**
 * `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9) applied to a rendered
 * resource.
 *
 * - Names are case-insensitive and may be URN-qualified (`urn:…:enterprise:2.0:User:department`),
 *   name a whole extension (`urn:…:enterprise:2.0:User`) or a sub-attribute
 *   (`name.givenName`, `emails.value`).
 * - `id` and `schemas` are always returned (RFC 7643: `id` is returned "always";
 *   `schemas` is what makes the document readable). `meta` is returned by default and
 *   only when asked for under `attributes`.
 * - Attributes with `returned: never` (password) are never returned.
 * - With both parameters, `attributes` selects first and `excludedAttributes` then removes.
 */
import { findKeyCI, isJsonObject } from './filter-eval.js';
import type { JsonObject } from './filter-eval.js';
import { isCoreSchema, parseAttributePath } from './filter-parser.js';
import type { AttributePath } from './filter-parser.js';
import { canonicalExtension, lookupAttribute } from './schemas.js';
import type { ScimResourceType } from './schemas.js';

const ALWAYS_RETURNED = new Set(['id', 'schemas']);

/** Splits a comma-separated `attributes` value into paths. @throws ScimError 400 invalidPath. */
export function parseAttributeList(param: string | undefined): AttributePath[] {
  if (param === undefined) return [];
  return param
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => parseAttributePath(s, { allowValueFilter: false }));
}

export interface ProjectionOptions {
  resourceType: ScimResourceType;
  attributes?: string | undefined;
  excludedAttributes?: string | undefined;
}

interface Target {
  /** Key of the extension object, or undefined for a root attribute. */
  extKey?: string;
  /** Attribute key inside the container, or undefined when the whole extension is meant. */
  key?: string;
  sub?: string;
}

function locate(
  resource: JsonObject,
  resourceType: ScimResourceType,
  path: AttributePath,
): Target | undefined {
  if (path.schema !== undefined && !isCoreSchema(path.schema)) {
    if (path.subAttribute === undefined) {
      const whole = `${path.schema}:${path.attribute}`;
      const wholeKey = findKeyCI(resource, canonicalExtension(resourceType, whole) ?? whole);
      if (wholeKey !== undefined && isJsonObject(resource[wholeKey])) return { extKey: wholeKey };
    }
    const extKey = findKeyCI(
      resource,
      canonicalExtension(resourceType, path.schema) ?? path.schema,
    );
    if (extKey === undefined) return undefined;
    const ext = resource[extKey];
    if (!isJsonObject(ext)) return undefined;
    const key = findKeyCI(ext, path.attribute);
    if (key === undefined) return undefined;
    return path.subAttribute === undefined
      ? { extKey, key }
      : { extKey, key, sub: path.subAttribute };
  }
  const key = findKeyCI(resource, path.attribute);
  if (key === undefined) return undefined;
  return path.subAttribute === undefined ? { key } : { key, sub: path.subAttribute };
}

/** Keeps only `sub` of a complex value (or of each element of a multi-valued one). */
function pickSub(value: unknown, sub: string): unknown {
  if (Array.isArray(value)) {
    return value
      .filter(isJsonObject)
      .map((e) => pickSub(e, sub))
      .filter((e) => isJsonObject(e) && Object.keys(e).length > 0);
  }
  if (!isJsonObject(value)) return undefined;
  const k = findKeyCI(value, sub);
  return k === undefined ? {} : { [k]: value[k] };
}

function mergeInto(out: JsonObject, key: string, value: unknown): void {
  const existing = out[key];
  if (Array.isArray(existing) && Array.isArray(value)) {
    out[key] = existing.map((e, i) =>
      isJsonObject(e) && isJsonObject(value[i]) ? { ...e, ...value[i] } : e,
    );
  } else if (isJsonObject(existing) && isJsonObject(value)) {
    out[key] = { ...existing, ...value };
  } else {
    out[key] = value;
  }
}

function select(
  resource: JsonObject,
  resourceType: ScimResourceType,
  paths: AttributePath[],
): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(resource)) if (ALWAYS_RETURNED.has(k)) out[k] = resource[k];
  for (const path of paths) {
    const t = locate(resource, resourceType, path);
    if (t === undefined) continue;
    if (t.extKey !== undefined && t.key === undefined) {
      out[t.extKey] = structuredClone(resource[t.extKey]);
      continue;
    }
    const container = t.extKey === undefined ? resource : (resource[t.extKey] as JsonObject);
    const key = t.key as string;
    const value =
      t.sub === undefined
        ? structuredClone(container[key])
        : pickSub(structuredClone(container[key]), t.sub);
    if (value === undefined) continue;
    if (t.extKey === undefined) {
      mergeInto(out, key, value);
    } else {
      const ext = isJsonObject(out[t.extKey]) ? (out[t.extKey] as JsonObject) : {};
      mergeInto(ext, key, value);
      out[t.extKey] = ext;
    }
  }
  return out;
}

function exclude(out: JsonObject, resourceType: ScimResourceType, paths: AttributePath[]): void {
  for (const path of paths) {
    const t = locate(out, resourceType, path);
    if (t === undefined) continue;
    if (t.extKey !== undefined && t.key === undefined) {
      delete out[t.extKey];
      continue;
    }
    const container = t.extKey === undefined ? out : (out[t.extKey] as JsonObject);
    const key = t.key as string;
    if (t.extKey === undefined && ALWAYS_RETURNED.has(key)) continue;
    if (t.sub === undefined) {
      delete container[key];
      continue;
    }
    const sub = t.sub;
    const strip = (e: unknown): void => {
      if (!isJsonObject(e)) return;
      const k = findKeyCI(e, sub);
      if (k !== undefined) delete e[k];
    };
    const v = container[key];
    if (Array.isArray(v)) v.forEach(strip);
    else strip(v);
  }
}

function dropNeverReturned(out: JsonObject, resourceType: ScimResourceType): void {
  for (const k of Object.keys(out)) {
    const info = lookupAttribute(resourceType, { attribute: k });
    if (info?.definition.returned === 'never') delete out[k];
  }
}

/**
 * Applies `attributes` / `excludedAttributes` to a rendered resource and drops
 * never-returned attributes. Returns a new object.
 * @throws ScimError 400 invalidPath for a name that does not parse.
 */
export function projectResource(resource: JsonObject, options: ProjectionOptions): JsonObject {
  const attributes = parseAttributeList(options.attributes);
  const excluded = parseAttributeList(options.excludedAttributes);
  // Only `exclude` changes nested values; without it a shallow copy keeps the input
  // intact (a 100,000-member group is not deep-copied for nothing).
  const out =
    attributes.length > 0
      ? select(resource, options.resourceType, attributes)
      : excluded.length > 0
        ? structuredClone(resource)
        : { ...resource };
  exclude(out, options.resourceType, excluded);
  dropNeverReturned(out, options.resourceType);
  return out;
}

/**
 * True when the projection will not return the attribute, so the caller may skip
 * loading it (e.g. `excludedAttributes=members` on a large group).
 */
export function isAttributeOmitted(name: string, options: ProjectionOptions): boolean {
  const lower = name.toLowerCase();
  const attributes = parseAttributeList(options.attributes);
  const excluded = parseAttributeList(options.excludedAttributes);
  const mentions = (p: AttributePath): boolean =>
    (p.schema === undefined || isCoreSchema(p.schema)) && p.attribute.toLowerCase() === lower;
  if (excluded.some((p) => mentions(p) && p.subAttribute === undefined)) return true;
  return attributes.length > 0 && !attributes.some(mentions);
}
