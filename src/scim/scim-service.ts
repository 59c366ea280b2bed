/**
 * The SCIM 2.0 service provider, framework-free: each operation takes the resolved
 * directory context and the request parts, and returns status, body and headers. The
 * HTTP adapter is `api/routes/scim.routes.ts`.
 *
 * Writes go through the sync applier (`applyChanges`), so SCIM pushes follow the same
 * status rules, conflict policies, events and default-role grants as pulled syncs; each
 * write also leaves one audit entry with actor `scim:<directoryId>`.
 *
 * Decisions (docs/scim.md):
 * - DELETE /Users and `active: false` suspend, never delete. A deleted user answers
 *   404 afterwards (RFC 7644 §3.6) but stays in dirsync; a POST with its externalId
 *   brings the same user back, and so does one with its userName when neither has an
 *   externalId. Any other POST with that userName creates a new user.
 * - Group PATCH turns member operations into deltas (`planGroupPatch`): the cost depends
 *   on the members named, never on the group's size. It answers 204 unless the request
 *   asks for attributes.
 * - Adding a member that is no User or Group of this directory is 400 invalidValue;
 *   removing one that is not a member is a no-op.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { DialectName } from '../store/database.js';
import type { ScimResourceType } from '../scim-protocol/schemas.js';
import { ScimError } from '../scim-protocol/scim-error.js';
import { createGroupResolver, createUserResolver } from './scim-mapping.js';
import {
  createShapeCache,
  directoryTokenRow,
  type DirectoryTokenRow,
} from '../store/scim-store.js';
import { scimTokenMatches } from '../security/scim-token.js';
import {
  defaultScimLimits,
  scimDirectoryFromRow,
  type ScimContext,
  type ScimDeps,
  type ScimDirectory,
  type ScimLimits,
  type ScimRequest,
  type ScimResponse,
} from './scim-context.js';
import { createScimDiscovery } from './scim-discovery.js';
import { searchBodyToQuery } from './scim-lists.js';
import { createScimUsers } from './scim-users.js';
import { createScimGroups } from './scim-groups.js';

export function createScimService(deps: {
  db: Kysely<Database>;
  dialect: DialectName;
  limits?: Partial<ScimLimits>;
}) {
  const { db, dialect } = deps;
  const limits: ScimLimits = { ...defaultScimLimits, ...deps.limits };
  const parts: ScimDeps = {
    db,
    dialect,
    limits,
    userResolver: createUserResolver(dialect),
    groupResolver: createGroupResolver(),
    shapes: createShapeCache(),
  };
  const { shapes } = parts;
  const users = createScimUsers(parts);
  const groups = createScimGroups(parts);

  // The settings parsed once per text: the same text is the same policies.
  const parsedDirectories = new Map<string, ScimDirectory>();
  const directoryOf = (row: DirectoryTokenRow): ScimDirectory => {
    const key = `${row.id}\u0000${row.tenant_id}\u0000${row.settings}`;
    let directory = parsedDirectories.get(key);
    if (!directory) {
      directory = scimDirectoryFromRow(row);
      if (parsedDirectories.size >= 1000) parsedDirectories.clear();
      parsedDirectories.set(key, directory);
    }
    return directory;
  };

  return {
    limits,

    /**
     * Resolves the directory of a SCIM request from its bearer token. Unknown
     * directory, other type and wrong token all answer the same 401 (same work, too).
     * @throws ScimError 401, or 403 when the directory is disabled.
     */
    async authenticate(
      directoryId: string,
      authorization: string | undefined,
    ): Promise<ScimDirectory> {
      const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      // The token row is read on every request, never cached: a rotated token or a
      // disabled directory stops working at once, in every process. Only the statement
      // (compiled once) and the parsed settings (by their text) are reused.
      const row =
        directoryId.length > 200 ? undefined : await directoryTokenRow(db, shapes, directoryId);
      const ok = scimTokenMatches(match?.[1] ?? '', row && row.type === 'scim' ? row.hash : null);
      if (!ok || !row || !match) throw ScimError.unauthorized();
      if (Number(row.enabled) !== 1)
        throw new ScimError(403, undefined, 'This SCIM directory is disabled');
      return directoryOf(row);
    },

    ...createScimDiscovery(limits),

    listUsers: (ctx: ScimContext, req: ScimRequest) => users.listUsers(ctx, req.query ?? {}),
    listGroups: (ctx: ScimContext, req: ScimRequest) => groups.listGroups(ctx, req.query ?? {}),

    /** `POST /Users/.search`, `POST /Groups/.search`. */
    search(ctx: ScimContext, type: ScimResourceType, req: ScimRequest): Promise<ScimResponse> {
      const query = searchBodyToQuery(req.body);
      return type === 'User' ? users.listUsers(ctx, query) : groups.listGroups(ctx, query);
    },

    getUser: users.getUser,
    createUser: users.createUser,
    replaceUser: users.replaceUser,
    patchUser: users.patchUser,
    deleteUser: users.deleteUser,

    getGroup: groups.getGroup,
    createGroup: groups.createGroup,
    replaceGroup: groups.replaceGroup,
    patchGroup: groups.patchGroup,
    deleteGroup: groups.deleteGroup,
  };
}
export type ScimService = ReturnType<typeof createScimService>;
