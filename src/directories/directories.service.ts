import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { now } from '../store/database.js';
import { createDirectoriesRepository, type Directory } from '../store/directories.repository.js';
import type { JobsRepository } from '../store/jobs.repository.js';
import { writeAudit } from '../store/audit.repository.js';
import { appendEvents, type NewEvent } from '../events/outbox.js';
import { refreshHealthQuietly } from './health-tracker.js';
import { notFound, validationError, type FieldError } from '../errors.js';
import { newId } from '../lib/ids.js';
import { checkCron, nextCronRuns } from '../lib/validators.js';
import type { SecretBox } from '../security/secret-box.js';
import { createOutboundPolicy, type OutboundPolicy } from '../security/outbound-policy.js';
import type { Page } from '../lib/cursor.js';
import {
  policyDefaults,
  policyProperties,
  type DirectoryType,
  type DirectoryView,
} from '../model/directory-schema.js';
import { directoryTypeSpecs, type DirectoryTypeSpec } from './directory-types.js';
import { schemaErrors } from '../lib/schema.js';
import type { Connector } from '../connectors/connector.js';
import type { Health } from './health.js';
import { AppError } from '../errors.js';
import { Type } from '@sinclair/typebox';
import type { CloudConnectorDeps } from '../connectors/http/http-client.js';

const policyKeys = Object.keys(policyProperties);
const PolicySchema = Type.Object(policyProperties);
const commonKeys = ['name', 'type', 'enabled'];

export interface Actor {
  /** Shown in the audit log: the token name, `sync:<jobId>`, `scim:<directoryId>`. */
  name: string;
}

export function createDirectoriesService(deps: {
  db: Kysely<Database>;
  secretBox: SecretBox;
  /** The process's jobs repository (deleting a directory cancels its jobs). */
  jobs: JobsRepository;
  publicUrl?: string | null;
  /** Where connectors that speak HTTP may connect; default: no internal destination. */
  outbound?: OutboundPolicy;
  /** Cloud connectors' retry timing; default the client's own (tests shorten it). */
  connectorRetry?: CloudConnectorDeps['retry'];
}) {
  const { db, secretBox, jobs } = deps;
  const outbound = deps.outbound ?? createOutboundPolicy();
  const connectorDeps: CloudConnectorDeps = {
    http: { fetch: outbound.fetch },
    ...(deps.connectorRetry ? { retry: deps.connectorRetry } : {}),
  };
  /** What a type's afterCreate hook returned (SCIM token), shown by the create response only. */
  const revealOnce = new WeakMap<Directory, Record<string, string>>();
  const repo = createDirectoriesRepository(db);

  function specOf(type: DirectoryType): DirectoryTypeSpec {
    const spec = directoryTypeSpecs[type];
    if (!spec) {
      throw validationError([
        {
          field: 'type',
          message: `directories of type "${type}" are not supported by this version`,
        },
      ]);
    }
    return spec;
  }

  function openSecrets(d: Directory): Record<string, unknown> {
    return d.sealedSecrets
      ? (JSON.parse(secretBox.open(d.sealedSecrets)) as Record<string, unknown>)
      : {};
  }

  /**
   * Merges a body into settings, policies and secrets and validates the result as a
   * whole, so a partial update is checked against the directory it produces.
   */
  function resolve(
    type: DirectoryType,
    body: Record<string, unknown>,
    existing: { settings: Record<string, unknown>; secrets: Record<string, unknown> } | null,
  ) {
    const spec = specOf(type);
    const settingsKeys = Object.keys(spec.settingsSchema.properties);
    const errors: FieldError[] = [];
    for (const key of Object.keys(body)) {
      if (
        !commonKeys.includes(key) &&
        !policyKeys.includes(key) &&
        !settingsKeys.includes(key) &&
        !spec.secretFields.includes(key)
      ) {
        errors.push({ field: key, message: `is not a field of "${type}" directories` });
      }
    }

    const base = existing?.settings ?? {};
    const pick = (keys: string[]) =>
      Object.fromEntries(keys.filter((k) => body[k] !== undefined).map((k) => [k, body[k]]));

    const typeSettings: Record<string, unknown> = existing
      ? {
          ...Object.fromEntries(
            settingsKeys.filter((k) => base[k] !== undefined).map((k) => [k, base[k]]),
          ),
          ...pick(settingsKeys),
        }
      : { ...spec.defaults(body), ...pick(settingsKeys) };
    for (const [k, v] of Object.entries(typeSettings)) if (v === null) delete typeSettings[k];
    errors.push(...schemaErrors(spec.settingsSchema, typeSettings));

    const policies: Record<string, unknown> = {
      ...policyDefaults,
      ...Object.fromEntries(
        policyKeys.filter((k) => base[k] !== undefined).map((k) => [k, base[k]]),
      ),
      ...pick(policyKeys),
    };
    if (policies.syncSchedule === '') policies.syncSchedule = null;
    if (typeof policies.syncSchedule === 'string') {
      const cronError = checkCron(policies.syncSchedule);
      if (cronError) errors.push({ field: 'syncSchedule', message: cronError });
    }
    errors.push(...schemaErrors(PolicySchema, policies));

    const secrets: Record<string, unknown> = { ...(existing?.secrets ?? {}) };
    for (const key of spec.secretFields) {
      const v = body[key];
      if (v === '' || v === null) delete secrets[key];
      else if (v !== undefined) secrets[key] = v;
    }
    if (errors.length === 0) errors.push(...spec.check(typeSettings, secrets));
    if (errors.length === 0 && existing)
      errors.push(...redirectedSecrets(spec, existing, typeSettings, body));
    if (errors.length > 0) throw validationError(errors);
    return { settings: { ...typeSettings, ...policies }, secrets };
  }

  /**
   * A stored secret may not follow a change of where it is sent: whoever changes the
   * destination must know the secret. Each stored secret the body does not carry is named.
   */
  function redirectedSecrets(
    spec: DirectoryTypeSpec,
    existing: { settings: Record<string, unknown>; secrets: Record<string, unknown> },
    settings: Record<string, unknown>,
    body: Record<string, unknown>,
  ): FieldError[] {
    // An empty list (no failover hosts) is the same destination as none.
    const destination = (v: unknown): string =>
      JSON.stringify(Array.isArray(v) && v.length === 0 ? null : (v ?? null));
    const moved = (spec.destinationFields ?? []).filter(
      (k) => destination(existing.settings[k]) !== destination(settings[k]),
    );
    if (moved.length === 0) return [];
    return spec.secretFields
      .filter((f) => existing.secrets[f] !== undefined && body[f] === undefined)
      .map((field) => ({
        field,
        message: `must be sent again because ${moved.join(', ')} changed: a stored secret is never sent to a new destination`,
      }));
  }

  /** The registration check of the outbound policy on every URL the connector will call. */
  async function checkDestinations(
    type: DirectoryType,
    settings: Record<string, unknown>,
    secrets: Record<string, unknown>,
  ): Promise<void> {
    const urls = specOf(type).destinationUrls?.(settings, secrets) ?? [];
    const errors: FieldError[] = [];
    for (const { field, url } of urls) {
      const why = await outbound.checkUrl(url);
      if (why) errors.push({ field, message: why });
    }
    if (errors.length > 0) throw validationError(errors);
  }

  function nextRun(d: { enabled: boolean; syncSchedule: string | null }): string | null {
    if (!d.enabled || !d.syncSchedule) return null;
    return nextCronRuns(d.syncSchedule, 1)[0]?.toISOString() ?? null;
  }

  async function getOrThrow(tenantId: string, id: string): Promise<Directory> {
    const d = await repo.get(tenantId, id);
    if (!d) throw notFound('directory');
    return d;
  }

  /** The connector of a saved directory, or of an unsaved create body (validated as create would). */
  function connectorFor(d: Directory): Connector {
    const create = specOf(d.type).createConnector;
    if (!create)
      throw new AppError(
        'unprocessable',
        `directories of type "${d.type}" receive pushes; there is no source to connect to`,
      );
    return create(d.settings, openSecrets(d), connectorDeps);
  }

  async function connectorForBody(body: Record<string, unknown>): Promise<Connector> {
    const type = body.type as DirectoryType;
    const { settings, secrets } = resolve(type, body, null);
    const create = specOf(type).createConnector;
    if (!create)
      throw new AppError(
        'unprocessable',
        `directories of type "${type}" receive pushes; there is no source to connect to`,
      );
    await checkDestinations(type, settings, secrets);
    return create(settings, secrets, connectorDeps);
  }

  return {
    repo,
    openSecrets,
    getOrThrow,
    connectorFor,
    connectorForBody,

    async create(
      tenantId: string,
      actor: Actor,
      body: Record<string, unknown>,
    ): Promise<Directory> {
      const type = body.type as DirectoryType;
      const { settings, secrets } = resolve(type, body, null);
      await checkDestinations(type, settings, secrets);
      const at = now();
      const enabled = body.enabled !== false;
      const syncSchedule = (settings.syncSchedule as string | null) ?? null;
      const directory: Directory = {
        id: newId(),
        tenantId,
        name: String(body.name),
        type,
        enabled,
        settings,
        sealedSecrets: Object.keys(secrets).length ? secretBox.seal(JSON.stringify(secrets)) : null,
        syncSchedule,
        nextRunAt: nextRun({ enabled, syncSchedule }),
        lastRunAt: null,
        lastSuccessAt: null,
        syncCursor: null,
        lastFullSyncAt: null,
        lastTestAt: null,
        lastTestError: null,
        // Recorded as it is shown: the first run's result is a transition from it.
        healthStatus: 'unknown',
        createdAt: at,
        updatedAt: at,
      };
      await db.transaction().execute(async (trx) => {
        await repo.insert(directory, trx);
        const afterCreate = specOf(type).afterCreate;
        if (afterCreate)
          revealOnce.set(
            directory,
            await afterCreate(trx, directory, { publicUrl: deps.publicUrl ?? null }),
          );
        await appendEvents(trx, [
          directoryEvent(directory, 'directory.created', actor, Object.keys(secrets)),
        ]);
        await writeAudit(trx, {
          tenantId,
          actor: actor.name,
          action: 'directory.created',
          objectType: 'directory',
          objectId: directory.id,
          directoryId: directory.id,
          after: toView(directory, Object.keys(secrets)),
        });
      });
      return directory;
    },

    /** Partial update: only the fields sent change. */
    async update(
      tenantId: string,
      id: string,
      actor: Actor,
      body: Record<string, unknown>,
    ): Promise<Directory> {
      const before = await getOrThrow(tenantId, id);
      if (body.type !== undefined && body.type !== before.type) {
        throw validationError([
          { field: 'type', message: 'cannot be changed; create a new directory instead' },
        ]);
      }
      const oldSecrets = openSecrets(before);
      const { settings, secrets } = resolve(before.type, body, {
        settings: before.settings,
        secrets: oldSecrets,
      });
      await checkDestinations(before.type, settings, secrets);
      const enabled = typeof body.enabled === 'boolean' ? body.enabled : before.enabled;
      const syncSchedule = (settings.syncSchedule as string | null) ?? null;
      const scheduleChanged = syncSchedule !== before.syncSchedule || enabled !== before.enabled;
      const after: Directory = {
        ...before,
        name: typeof body.name === 'string' ? body.name : before.name,
        enabled,
        settings,
        sealedSecrets: Object.keys(secrets).length ? secretBox.seal(JSON.stringify(secrets)) : null,
        syncSchedule,
        nextRunAt: scheduleChanged ? nextRun({ enabled, syncSchedule }) : before.nextRunAt,
        updatedAt: now(),
      };
      const changedSecrets = Object.keys(body).filter((k) =>
        specOf(before.type).secretFields.includes(k),
      );
      // New scope, filters or mapping make the stored cursor meaningless: read in full next time.
      const scopeChanged =
        JSON.stringify(before.settings) !== JSON.stringify(settings) || changedSecrets.length > 0;
      const changedFields = [
        ...changedViewFields(
          toView(before, Object.keys(oldSecrets)),
          toView(after, Object.keys(secrets)),
        ),
        ...changedSecrets,
      ];
      await db.transaction().execute(async (trx) => {
        await repo.update(after, trx);
        if (scopeChanged) await repo.resetCursor(id, trx);
        if (changedFields.length > 0)
          await appendEvents(trx, [
            directoryEvent(after, 'directory.updated', actor, Object.keys(secrets), changedFields),
          ]);
        await writeAudit(trx, {
          tenantId,
          actor: actor.name,
          action: 'directory.updated',
          objectType: 'directory',
          objectId: id,
          directoryId: id,
          before: toView(before, Object.keys(oldSecrets)),
          after: { ...toView(after, Object.keys(secrets)), changedSecrets },
        });
      });
      // Enabling, a new schedule or live sync setting may change what health says.
      await refreshHealthQuietly(db, id);
      return after;
    },

    /** Synced users and groups stay; its schedule stops with it. */
    async delete(tenantId: string, id: string, actor: Actor): Promise<void> {
      const before = await getOrThrow(tenantId, id);
      await db.transaction().execute(async (trx) => {
        await repo.delete(tenantId, id, trx);
        await jobs.cancelForDeletedDirectory(id, trx);
        await appendEvents(trx, [
          directoryEvent(
            before,
            'directory.deleted',
            actor,
            before.sealedSecrets ? Object.keys(openSecrets(before)) : [],
          ),
        ]);
        await writeAudit(trx, {
          tenantId,
          actor: actor.name,
          action: 'directory.deleted',
          objectType: 'directory',
          objectId: id,
          directoryId: id,
          before: toView(before, []),
        });
      });
    },

    async list(tenantId: string, limit: number, after?: string): Promise<Page<Directory>> {
      return repo.list(tenantId, limit, after);
    },

    view(d: Directory, health: Health): DirectoryView {
      const effective = directoryTypeSpecs[d.type]?.effectiveMapping?.(d.settings);
      return {
        ...toView(d, d.sealedSecrets ? Object.keys(openSecrets(d)) : [], health),
        ...(effective ? { effectiveAttributeMapping: effective } : {}),
        ...revealOnce.get(d),
      };
    },

    /**
     * The connector of a saved directory with `attributeMapping` replaced by a proposed
     * one (validated as an update would be, so errors name attributeMapping.<field>).
     */
    connectorForPreview(
      d: Directory,
      attributeMapping: Record<string, string> | undefined,
    ): { connector: Connector; effectiveAttributeMapping: Record<string, string> } {
      const spec = specOf(d.type);
      const create = spec.createConnector;
      if (!create)
        throw new AppError(
          'unprocessable',
          `directories of type "${d.type}" receive pushes; there is no source to preview`,
        );
      const { settings, secrets } = attributeMapping
        ? resolve(d.type, { attributeMapping }, { settings: d.settings, secrets: openSecrets(d) })
        : { settings: d.settings, secrets: openSecrets(d) };
      return {
        connector: create(settings, secrets, connectorDeps),
        effectiveAttributeMapping: spec.effectiveMapping?.(settings) ?? {},
      };
    },
  };
}
export type DirectoriesService = ReturnType<typeof createDirectoriesService>;

/** Fields of the view that are run state or derived, not settings an admin changes. */
const unchangedByUpdates = new Set([
  'health',
  'updatedAt',
  'nextRunAt',
  'lastRunAt',
  'lastSuccessAt',
]);

/** The view fields whose values differ (settings compared as JSON). */
function changedViewFields(before: DirectoryView, after: DirectoryView): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter(
    (k) =>
      !unchangedByUpdates.has(k) &&
      JSON.stringify(before[k as keyof DirectoryView] ?? null) !==
        JSON.stringify(after[k as keyof DirectoryView] ?? null),
  );
}

/**
 * A lifecycle event of a directory: its data is the directory as the API shows it, without
 * health (which has its own event) and, as everywhere, without secret values (only the
 * names of the secrets that are set, in `configuredSecrets`).
 */
function directoryEvent(
  d: Directory,
  type: 'directory.created' | 'directory.updated' | 'directory.deleted',
  actor: Actor,
  configuredSecrets: string[],
  changedFields?: string[],
): NewEvent {
  const { health: _health, ...data } = toView(d, configuredSecrets);
  return {
    tenantId: d.tenantId,
    directoryId: d.id,
    type,
    objectType: 'directory',
    objectId: d.id,
    data,
    ...(changedFields ? { changedFields } : {}),
    actor: actor.name,
  };
}

/** The API shape: settings flattened beside the identity fields, secrets named but never shown. */
export function toView(d: Directory, configuredSecrets: string[], health?: Health): DirectoryView {
  return {
    id: d.id,
    name: d.name,
    type: d.type,
    enabled: d.enabled,
    ...(d.settings as Partial<DirectoryView>),
    syncSchedule: d.syncSchedule,
    configuredSecrets,
    health: health ?? { status: 'unknown', reason: 'not synced yet' },
    nextRunAt: d.nextRunAt,
    lastRunAt: d.lastRunAt,
    lastSuccessAt: d.lastSuccessAt,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}
