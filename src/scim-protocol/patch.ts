/**
 * SCIM PATCH (RFC 7644 §3.5.2) on a resource JSON. Group PATCH's member deltas are
 * planned in `group-patch.ts`.
 *
 * Tolerated client quirks
 * - `op` in any case (Entra sends "Add", "Replace", "Remove"); `Operations` key in any case.
 * - String booleans ("True", "False") for boolean attributes (`active`, `primary`).
 * - No-path add/replace whose value keys are paths: `{"name.givenName": "x"}`,
 *   `{"urn:…:enterprise:2.0:User:department": "y"}`, or an extension object
 *   `{"urn:…:enterprise:2.0:User": {"department": "y"}}`; `id` equal to the current id
 *   and `meta` / `schemas` keys are ignored (Okta sends `id` in group renames).
 * - add/replace through a value filter that matches nothing, where the filter is
 *   equality tests only (`emails[type eq "work"].value`), creates the element
 *   (`{type: "work", value: …}`): Entra sends Replace for a work email the user lacks.
 * - remove with a path and a `value` list on a multi-valued attribute removes those
 *   values (Entra's group member removal).
 * - remove matching nothing is a no-op, so repeated requests are idempotent.
 *
 */
import { findKeyCI, isJsonObject, matchesFilter } from './filter-eval.js';
import type { JsonObject } from './filter-eval.js';
import { isCoreSchema, parseAttributePath } from './filter-parser.js';
import type { AttributePath, FilterNode } from './filter-parser.js';
import { canonicalExtension, lookupAttribute, SCHEMA_ENTERPRISE_USER } from './schemas.js';
import type { AttributeDefinition, ScimResourceType } from './schemas.js';
import { ScimError } from './scim-error.js';

export const patchOperationNames = ['add', 'replace', 'remove'] as const;
export type PatchOperationName = (typeof patchOperationNames)[number];

export interface PatchOperation {
  op: PatchOperationName;
  path?: AttributePath;
  /** The path as sent, for messages. */
  pathText?: string;
  value?: unknown;
}

export interface PatchOptions {
  resourceType: ScimResourceType;
}

export interface PatchResult {
  resource: JsonObject;
  /**
   * Attributes whose value actually changed: `active`, `name.givenName`, `emails`,
   * `members`, `urn:…:enterprise:2.0:User:department`. Empty for a no-op PATCH.
   */
  changed: string[];
}

/**
 * Validates a PatchOp body and parses its paths.
 * @throws ScimError 400 invalidSyntax (shape), invalidPath (a path that does not parse).
 */
export function parsePatchRequest(
  body: unknown,
  options: { maxOperations?: number } = {},
): PatchOperation[] {
  if (!isJsonObject(body)) throw ScimError.invalidSyntax('PATCH body must be a JSON object');
  const opsKey = findKeyCI(body, 'Operations');
  const rawOps = opsKey === undefined ? undefined : body[opsKey];
  if (!Array.isArray(rawOps))
    throw ScimError.invalidSyntax('PATCH body must have an "Operations" array');
  const max = options.maxOperations ?? 1000;
  if (rawOps.length > max) throw ScimError.invalidValue(`PATCH has more than ${max} operations`);
  return rawOps.map((raw, i) => {
    if (!isJsonObject(raw)) throw ScimError.invalidSyntax(`Operations[${i}] must be an object`);
    const opKey = findKeyCI(raw, 'op');
    const opRaw = opKey === undefined ? undefined : raw[opKey];
    const op = typeof opRaw === 'string' ? opRaw.toLowerCase() : undefined;
    if (op !== 'add' && op !== 'replace' && op !== 'remove') {
      throw ScimError.invalidSyntax(`Operations[${i}].op must be "add", "replace" or "remove"`);
    }
    const operation: PatchOperation = { op };
    const pathKey = findKeyCI(raw, 'path');
    const pathRaw = pathKey === undefined ? undefined : raw[pathKey];
    if (pathRaw !== undefined && pathRaw !== null && pathRaw !== '') {
      if (typeof pathRaw !== 'string')
        throw ScimError.invalidPath(`Operations[${i}].path must be a string`);
      operation.path = parseAttributePath(pathRaw);
      operation.pathText = pathRaw;
    }
    const valueKey = findKeyCI(raw, 'value');
    if (valueKey !== undefined) operation.value = raw[valueKey];
    if (op !== 'remove' && operation.value === undefined) {
      throw ScimError.invalidSyntax(`Operations[${i}] (${op}) requires a "value"`);
    }
    if (op === 'remove' && operation.path === undefined) {
      throw ScimError.noTarget(`Operations[${i}] (remove) requires a "path"`);
    }
    return operation;
  });
}

/** A PatchOp body, or operations `parsePatchRequest` already parsed, as operations. */
export function toOperations(input: unknown): PatchOperation[] {
  return Array.isArray(input) &&
    input.every((o) => isJsonObject(o) && typeof o.op === 'string' && !('Operations' in o))
    ? (input as PatchOperation[])
    : parsePatchRequest(input);
}

// ------------------------------------------------------------------ value helpers

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Two elements of a multi-valued attribute are the same when their `value`s are equal. */
function sameElement(a: unknown, b: unknown): boolean {
  if (isJsonObject(a) && isJsonObject(b)) {
    const va = a[findKeyCI(a, 'value') ?? 'value'];
    const vb = b[findKeyCI(b, 'value') ?? 'value'];
    if (va !== undefined && vb !== undefined) {
      return typeof va === 'string' && typeof vb === 'string'
        ? va.toLowerCase() === vb.toLowerCase()
        : deepEqual(va, vb);
    }
  }
  if (isJsonObject(a) && !isJsonObject(b)) return sameElement(a, { value: b });
  return deepEqual(a, b);
}

/** `base` with the non-null values of `extra` (RFC 7643 §2.5: null means unassigned). */
function mergeDefined(base: JsonObject, extra: JsonObject): JsonObject {
  const out = { ...base };
  for (const [k, v] of Object.entries(extra))
    if (v !== null && v !== undefined) out[findKeyCI(out, k) ?? k] = v;
  return out;
}

function findDef(
  defs: AttributeDefinition[] | undefined,
  name: string,
): AttributeDefinition | undefined {
  const lower = name.toLowerCase();
  return defs?.find((d) => d.name.toLowerCase() === lower);
}

/** Canonical key spelling: the key already present, else the schema's, else as sent. */
function keyFor(obj: JsonObject, name: string, def: AttributeDefinition | undefined): string {
  return findKeyCI(obj, name) ?? def?.name ?? name;
}

/** Coerces string booleans and canonicalises sub-attribute names according to `def`. */
function normalize(def: AttributeDefinition | undefined, value: unknown, element = false): unknown {
  if (def === undefined) return value;
  if (def.multiValued && !element) {
    const items = Array.isArray(value) ? value : [value];
    return items.map((v) => normalize(def, v, true));
  }
  if (def.type === 'boolean' && typeof value === 'string') {
    const l = value.trim().toLowerCase();
    if (l === 'true') return true;
    if (l === 'false') return false;
    throw ScimError.invalidValue(`"${def.name}" must be a boolean`);
  }
  if (def.type === 'complex' && isJsonObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === null) continue; // RFC 7643 §2.5: null is unassigned (Entra sends "$ref": null)
      const sub = findDef(def.subAttributes, k);
      out[sub?.name ?? k] = normalize(sub, v);
    }
    return out;
  }
  return value;
}

/** A filter made only of `attr eq value` joined by `and`, as a template for a new element. */
function equalityTemplate(filter: FilterNode): JsonObject | undefined {
  if (
    filter.kind === 'compare' &&
    filter.op === 'eq' &&
    filter.path.subAttribute === undefined &&
    filter.path.valueFilter === undefined &&
    filter.value !== null
  ) {
    return { [filter.path.attribute]: filter.value };
  }
  if (filter.kind === 'and') {
    const l = equalityTemplate(filter.left);
    const r = equalityTemplate(filter.right);
    return l && r ? { ...l, ...r } : undefined;
  }
  return undefined;
}

function pathText(path: AttributePath): string {
  let t = path.schema !== undefined ? `${path.schema}:${path.attribute}` : path.attribute;
  if (path.valueFilter !== undefined) t += '[…]';
  if (path.subAttribute !== undefined) t += `.${path.subAttribute}`;
  return t;
}

// ------------------------------------------------------------------ the patcher

class Patcher {
  constructor(
    readonly doc: JsonObject,
    readonly options: PatchOptions,
  ) {}

  apply(op: PatchOperation): void {
    if (op.path === undefined) {
      if (op.op === 'remove') throw ScimError.noTarget('remove requires a "path"');
      if (!isJsonObject(op.value)) {
        throw ScimError.invalidValue(`${op.op} without a "path" requires an object value`);
      }
      this.applyObject(op.op, op.value);
      return;
    }
    this.applyPath(op.op, op.path, op.value);
  }

  applyObject(op: 'add' | 'replace', value: JsonObject): void {
    for (const [key, v] of Object.entries(value)) {
      const lower = key.toLowerCase();
      if (lower === 'schemas' || lower === 'meta') continue;
      if (lower === 'id') {
        if (v === this.doc.id) continue;
        throw ScimError.mutability('"id" is read-only');
      }
      const ext = isJsonObject(v) ? this.wholeExtension(key) : undefined;
      if (ext !== undefined && isJsonObject(v)) {
        for (const [sub, sv] of Object.entries(v)) {
          this.applyPath(op, parseAttributePath(`${ext}:${sub}`), sv);
        }
        continue;
      }
      this.applyPath(op, parseAttributePath(key), v);
    }
  }

  /** The object holding the path's attribute; `create` makes a missing extension object. */
  container(
    path: AttributePath,
    create: boolean,
  ): { obj: JsonObject | undefined; extension?: string } {
    if (path.schema === undefined || isCoreSchema(path.schema)) return { obj: this.doc };
    const ext = canonicalExtension(this.options.resourceType, path.schema) ?? path.schema;
    const key = findKeyCI(this.doc, ext) ?? ext;
    let obj = this.doc[key];
    if (!isJsonObject(obj)) {
      if (!create) return { obj: undefined, extension: key };
      obj = {};
      this.doc[key] = obj;
    }
    this.ensureSchema(key);
    return { obj: obj as JsonObject, extension: key };
  }

  /**
   * The key of a whole extension object named by `urn`: a known extension, one listed in
   * the resource's `schemas` or already present, or by RFC 7643 naming convention a URN
   * ending in the resource type (`urn:…:acme:2.0:User`).
   */
  wholeExtension(urn: string): string | undefined {
    if (!/^urn:/i.test(urn)) return undefined;
    const known = canonicalExtension(this.options.resourceType, urn);
    if (known !== undefined) return known;
    const lower = urn.toLowerCase();
    const schemas = Array.isArray(this.doc.schemas) ? this.doc.schemas : [];
    const listed = schemas.find(
      (s): s is string => typeof s === 'string' && s.toLowerCase() === lower,
    );
    if (listed !== undefined) return listed;
    const present = findKeyCI(this.doc, urn);
    if (present !== undefined && isJsonObject(this.doc[present])) return present;
    return lower.endsWith(`:${this.options.resourceType.toLowerCase()}`) ? urn : undefined;
  }

  ensureSchema(urn: string): void {
    const schemas = this.doc.schemas;
    if (!Array.isArray(schemas)) return;
    if (!schemas.some((s) => typeof s === 'string' && s.toLowerCase() === urn.toLowerCase()))
      schemas.push(urn);
  }

  applyPath(op: PatchOperationName, path: AttributePath, value: unknown): void {
    if (this.isLegacyManager(path)) {
      // Entra's older provisioning jobs name the enterprise manager without its URN and
      // send it as a one-element list: `{"path": "manager", "value": [{"value": id}]}`.
      path = { ...path, schema: SCHEMA_ENTERPRISE_USER };
      if (Array.isArray(value) && value.length === 1) value = value[0];
    }
    // `urn:…:enterprise:2.0:User` as a whole: the extension object is the target.
    if (
      path.schema !== undefined &&
      path.subAttribute === undefined &&
      path.valueFilter === undefined
    ) {
      const whole = this.wholeExtension(`${path.schema}:${path.attribute}`);
      if (whole !== undefined) {
        if (op === 'remove') {
          const k = findKeyCI(this.doc, whole);
          if (k !== undefined) delete this.doc[k];
          if (Array.isArray(this.doc.schemas)) {
            this.doc.schemas = this.doc.schemas.filter(
              (s) => typeof s !== 'string' || s.toLowerCase() !== whole.toLowerCase(),
            );
          }
          return;
        }
        if (!isJsonObject(value))
          throw ScimError.invalidValue(`"${whole}" requires an object value`);
        this.container({ schema: whole, attribute: '' }, true);
        for (const [sub, sv] of Object.entries(value))
          this.applyPath(op, parseAttributePath(`${whole}:${sub}`), sv);
        return;
      }
    }

    const attrInfo = lookupAttribute(this.options.resourceType, {
      schema: path.schema,
      attribute: path.attribute,
    });
    const def = attrInfo?.definition;
    const lowerAttr = path.attribute.toLowerCase();
    if (path.schema === undefined || isCoreSchema(path.schema)) {
      if (lowerAttr === 'id' || lowerAttr === 'meta') {
        if (lowerAttr === 'id' && op !== 'remove' && value === this.doc.id) return;
        throw ScimError.mutability(`"${pathText(path)}" is read-only`);
      }
      if (def?.mutability === 'readOnly')
        throw ScimError.mutability(`"${pathText(path)}" is read-only`);
      if (lowerAttr === 'schemas') throw ScimError.invalidPath('"schemas" cannot be patched');
      // dirsync keeps no passwords: accept the operation (Okta sends password changes) and drop it.
      if (def?.returned === 'never') return;
    }

    const { obj } = this.container(path, op !== 'remove');
    if (obj === undefined) return; // remove from an extension that is not there
    const key = keyFor(obj, path.attribute, def);
    const existing = obj[key];
    const multi = def?.multiValued ?? (Array.isArray(existing) || path.valueFilter !== undefined);

    if (path.valueFilter !== undefined) {
      this.applyFiltered(op, obj, key, def, path, value);
      return;
    }

    if (path.subAttribute !== undefined) {
      const subDef = findDef(def?.subAttributes, path.subAttribute);
      const subKeyOf = (o: JsonObject): string => keyFor(o, path.subAttribute as string, subDef);
      const v = op === 'remove' ? undefined : normalize(subDef, value);
      if (multi) {
        const arr = Array.isArray(existing) ? existing : [];
        if (op === 'remove') {
          for (const e of arr) if (isJsonObject(e)) delete e[subKeyOf(e)];
          return;
        }
        if (arr.length === 0) {
          obj[key] = [{ [subDef?.name ?? path.subAttribute]: v }];
          return;
        }
        for (const e of arr) if (isJsonObject(e)) e[subKeyOf(e)] = v;
        return;
      }
      if (op === 'remove') {
        if (isJsonObject(existing)) delete existing[subKeyOf(existing)];
        return;
      }
      const target = isJsonObject(existing) ? existing : {};
      obj[key] = target;
      target[subKeyOf(target)] = v;
      return;
    }

    // A whole attribute.
    if (op === 'remove') {
      if (multi && value !== undefined && value !== null) {
        const toRemove = Array.isArray(value) ? value : [value];
        if (Array.isArray(existing)) {
          obj[key] = existing.filter((e) => !toRemove.some((r) => sameElement(e, r)));
        }
        return;
      }
      delete obj[key];
      return;
    }

    const v = normalize(def, value);
    if (multi) {
      const items = Array.isArray(v) ? v : [v];
      if (op === 'replace') {
        obj[key] = items;
        this.fixPrimary(obj[key] as unknown[]);
        return;
      }
      const arr = Array.isArray(existing)
        ? [...existing]
        : existing === undefined || existing === null
          ? []
          : [existing];
      for (const item of items) {
        const at = arr.findIndex((e) => sameElement(e, item));
        if (at === -1) arr.push(item);
        else if (isJsonObject(arr[at]) && isJsonObject(item))
          arr[at] = mergeDefined(arr[at] as JsonObject, item);
      }
      obj[key] = arr;
      this.fixPrimary(arr, items);
      return;
    }
    const complex = def?.type === 'complex' || (def === undefined && isJsonObject(existing));
    if (complex && isJsonObject(v)) {
      // RFC 7644 §3.5.2.1/3: sub-attributes not named are left unchanged.
      const target = isJsonObject(existing) ? existing : {};
      for (const [k, sv] of Object.entries(v))
        target[keyFor(target, k, findDef(def?.subAttributes, k))] = sv;
      obj[key] = target;
      return;
    }
    obj[key] = v;
  }

  applyFiltered(
    op: PatchOperationName,
    obj: JsonObject,
    key: string,
    def: AttributeDefinition | undefined,
    path: AttributePath,
    value: unknown,
  ): void {
    const filter = path.valueFilter as FilterNode;
    const existing = obj[key];
    const arr: unknown[] = Array.isArray(existing)
      ? existing
      : existing === undefined || existing === null
        ? []
        : [existing];
    const matches = arr.filter((e) => isJsonObject(e) && matchesFilter(e, filter)) as JsonObject[];
    const subDef =
      path.subAttribute === undefined ? undefined : findDef(def?.subAttributes, path.subAttribute);

    if (op === 'remove') {
      if (path.subAttribute === undefined) {
        obj[key] = arr.filter((e) => !matches.includes(e as JsonObject));
      } else {
        for (const m of matches) {
          const k = findKeyCI(m, path.subAttribute);
          if (k !== undefined) delete m[k];
        }
      }
      return;
    }

    if (matches.length === 0) {
      const template = equalityTemplate(filter);
      if (template === undefined) {
        throw ScimError.noTarget(`No value of "${pathText(path)}" matches the filter`);
      }
      const element = normalize(def, template, true) as JsonObject;
      if (path.subAttribute !== undefined) {
        element[subDef?.name ?? path.subAttribute] = normalize(subDef, value);
      } else if (isJsonObject(value)) {
        Object.assign(element, normalize(def, value, true) as JsonObject);
      } else {
        throw ScimError.invalidValue(`"${pathText(path)}" requires an object value`);
      }
      obj[key] = [...arr, element];
      this.fixPrimary(obj[key] as unknown[], [element]);
      return;
    }

    for (const m of matches) {
      if (path.subAttribute !== undefined) {
        m[keyFor(m, path.subAttribute, subDef)] = normalize(subDef, value);
      } else {
        if (!isJsonObject(value))
          throw ScimError.invalidValue(`"${pathText(path)}" requires an object value`);
        const v = normalize(def, value, true) as JsonObject;
        if (op === 'replace') {
          for (const k of Object.keys(m)) delete m[k];
        }
        Object.assign(m, v);
      }
    }
    obj[key] = arr;
    this.fixPrimary(arr, matches);
  }

  isLegacyManager(path: AttributePath): boolean {
    return (
      this.options.resourceType === 'User' &&
      path.schema === undefined &&
      path.attribute.toLowerCase() === 'manager'
    );
  }

  /** RFC 7643 §2.4: at most one value is primary; the newest primary wins. */
  fixPrimary(arr: unknown[], preferred: unknown[] = []): void {
    const primaries = arr.filter(
      (e) => isJsonObject(e) && e[findKeyCI(e, 'primary') ?? 'primary'] === true,
    );
    if (primaries.length <= 1) return;
    const keep = primaries.find((p) => preferred.includes(p)) ?? primaries[primaries.length - 1];
    for (const p of primaries) {
      if (p !== keep && isJsonObject(p)) p[findKeyCI(p, 'primary') ?? 'primary'] = false;
    }
  }
}

function changedPaths(before: JsonObject, after: JsonObject): string[] {
  const out: string[] = [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const k of keys) {
    if (k === 'meta' || k === 'schemas') continue;
    const a = before[k];
    const b = after[k];
    if (deepEqual(a, b)) continue;
    if (
      (isJsonObject(a) || a === undefined) &&
      (isJsonObject(b) || b === undefined) &&
      (isJsonObject(a) || isJsonObject(b))
    ) {
      const sep = k.toLowerCase().startsWith('urn:') ? ':' : '.';
      const ao = isJsonObject(a) ? a : {};
      const bo = isJsonObject(b) ? b : {};
      for (const sk of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
        if (!deepEqual(ao[sk], bo[sk])) out.push(`${k}${sep}${sk}`);
      }
      continue;
    }
    out.push(k);
  }
  return out;
}

/**
 * Applies PATCH operations to a copy of `resource` (the input is not modified).
 * `operations` is a PatchOp body or the result of `parsePatchRequest`.
 * @throws ScimError 400 (invalidSyntax, invalidPath, invalidValue, noTarget, mutability).
 */
export function applyPatch(
  resource: JsonObject,
  operations: unknown,
  options: PatchOptions,
): PatchResult {
  const ops = toOperations(operations);
  const doc = structuredClone(resource);
  const patcher = new Patcher(doc, options);
  for (const op of ops) patcher.apply(op);
  return { resource: doc, changed: changedPaths(resource, doc) };
}
