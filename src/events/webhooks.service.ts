import type { Kysely } from 'kysely';
import type { Database, WebhookDeliveriesTable, WebhookEndpointsTable } from '../store/schema.js';
import { now, parseJson, toBool } from '../store/database.js';
import type { SecretBox } from '../security/secret-box.js';
import { createOutboundPolicy, type OutboundPolicy } from '../security/outbound-policy.js';
import { writeAudit } from '../store/audit.repository.js';
import { AppError, notFound, validationError, type FieldError } from '../errors.js';
import { newId } from '../lib/ids.js';
import { decodeCursor, toPage, type Page } from '../lib/cursor.js';
import { eventTypes } from './event-types.js';
import { generateWebhookSecret } from './signing.js';
import { defaultRetryPolicy } from './retry-schedule.js';

/** `*` subscribes to every type, including types added later. */
export const ALL_EVENT_TYPES = '*';

export interface WebhookEndpointView {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  enabled: boolean;
  /** `active`, or `failing` once a delivery exhausted its retries (back to active on the next success). */
  status: string;
  failingSince: string | null;
  lastSuccessAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookDeliveryView {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string | null;
  /** pending (waiting for its first or next attempt), delivered, failed */
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  giveUpAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  lastDurationMs: number | null;
  createdAt: string;
  deliveredAt: string | null;
}

export interface WebhookAttemptView {
  attempt: number;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  createdAt: string;
}

export interface EndpointInput {
  url?: string | undefined;
  description?: string | null | undefined;
  eventTypes?: string[] | undefined;
  secret?: string | undefined;
  enabled?: boolean | undefined;
}

interface Actor {
  name: string;
}

export function toEndpointView(r: WebhookEndpointsTable): WebhookEndpointView {
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    eventTypes: parseJson<string[]>(r.event_types, []),
    enabled: toBool(r.enabled),
    status: r.status,
    failingSince: r.failing_since,
    lastSuccessAt: r.last_success_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toDeliveryView(r: WebhookDeliveriesTable & { type?: string | null }): WebhookDeliveryView {
  return {
    id: r.id,
    endpointId: r.endpoint_id,
    eventId: String(r.event_id),
    eventType: r.type ?? null,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
    giveUpAt: r.give_up_at,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    lastDurationMs: r.last_duration_ms,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
  };
}

function checkEndpoint(input: EndpointInput, creating: boolean): FieldError[] {
  const errors: FieldError[] = [];
  if (input.url !== undefined) {
    let url: URL | null = null;
    try {
      url = new URL(input.url);
    } catch {
      errors.push({ field: 'url', message: 'is not a URL' });
    }
    if (url && url.protocol !== 'https:' && url.protocol !== 'http:')
      errors.push({ field: 'url', message: 'must be an http:// or https:// URL' });
    if (url && (url.username || url.password))
      errors.push({
        field: 'url',
        message: 'must not carry credentials; the signature authenticates dirsync',
      });
  } else if (creating) {
    errors.push({ field: 'url', message: 'is required' });
  }
  const known = new Set<string>([...eventTypes, ALL_EVENT_TYPES]);
  (input.eventTypes ?? []).forEach((t, i) => {
    if (!known.has(t))
      errors.push({ field: `eventTypes[${i}]`, message: `"${t}" is not an event type` });
  });
  if (input.secret !== undefined && input.secret.length < 16)
    errors.push({ field: 'secret', message: 'must be at least 16 characters' });
  return errors;
}

/**
 * Webhook endpoints of a tenant and their delivery log. Secrets are sealed with the
 * secret box; the API shows a secret once, when it is generated or set.
 */
export function createWebhooksService(deps: {
  db: Kysely<Database>;
  secretBox: SecretBox;
  /** Where deliveries may go; default: no internal destination. */
  outbound?: OutboundPolicy;
}) {
  const { db, secretBox } = deps;
  const outbound = deps.outbound ?? createOutboundPolicy();

  /** Field errors plus the outbound policy's verdict on the URL (a 400 names `url`). */
  async function endpointErrors(input: EndpointInput, creating: boolean): Promise<FieldError[]> {
    const errors = checkEndpoint(input, creating);
    if (errors.length === 0 && input.url !== undefined) {
      const why = await outbound.checkUrl(input.url);
      if (why) errors.push({ field: 'url', message: why });
    }
    return errors;
  }

  async function getRow(tenantId: string, id: string): Promise<WebhookEndpointsTable> {
    const row = await db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('webhook endpoint');
    return row;
  }

  async function getDeliveryRow(tenantId: string, endpointId: string, deliveryId: string) {
    const row = await db
      .selectFrom('webhook_deliveries as d')
      .leftJoin('events as e', 'e.id', 'd.event_id')
      .selectAll('d')
      .select('e.type')
      .where('d.tenant_id', '=', tenantId)
      .where('d.endpoint_id', '=', endpointId)
      .where('d.id', '=', deliveryId)
      .executeTakeFirst();
    if (!row) throw notFound('webhook delivery');
    return row;
  }

  return {
    async list(
      tenantId: string,
      limit: number,
      after?: string,
    ): Promise<Page<WebhookEndpointView>> {
      let q = db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit + 1);
      if (after) {
        const [c, id] = decodeCursor(after, 2) as [string, string];
        q = q.where((eb) =>
          eb.or([eb('created_at', '>', c), eb.and([eb('created_at', '=', c), eb('id', '>', id)])]),
        );
      }
      return toPage(await q.execute(), limit, (r) => [r.created_at, r.id], toEndpointView);
    },

    async get(tenantId: string, id: string): Promise<WebhookEndpointView> {
      return toEndpointView(await getRow(tenantId, id));
    },

    /** Creates an endpoint; returns the secret (generated when absent) this once. */
    async create(
      tenantId: string,
      actor: Actor,
      input: EndpointInput,
    ): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
      const errors = await endpointErrors(input, true);
      if (errors.length > 0) throw validationError(errors);
      const secret = input.secret ?? generateWebhookSecret();
      const at = now();
      return db.transaction().execute(async (trx) => {
        // Only events after this point: a new endpoint does not receive history.
        const last = await trx
          .selectFrom('events')
          .select((eb) => eb.fn.max('id').as('m'))
          .where('tenant_id', '=', tenantId)
          .executeTakeFirst();
        const row: WebhookEndpointsTable = {
          id: newId(),
          tenant_id: tenantId,
          url: input.url!,
          description: input.description ?? null,
          event_types: JSON.stringify(
            input.eventTypes && input.eventTypes.length > 0
              ? [...new Set(input.eventTypes)]
              : [ALL_EVENT_TYPES],
          ),
          secret: secretBox.seal(secret),
          enabled: input.enabled === false ? 0 : 1,
          status: 'active',
          from_event_id: Number(last?.m ?? 0),
          failing_since: null,
          last_success_at: null,
          created_at: at,
          updated_at: at,
        };
        await trx.insertInto('webhook_endpoints').values(row).execute();
        const endpoint = toEndpointView(row);
        await writeAudit(trx, {
          tenantId,
          actor: actor.name,
          action: 'webhook.created',
          objectType: 'webhook_endpoint',
          objectId: row.id,
          after: endpoint,
        });
        return { endpoint, secret };
      });
    },

    /** Partial update. A new `secret` replaces the old one at once (receivers should accept both while rotating). */
    async update(
      tenantId: string,
      id: string,
      actor: Actor,
      input: EndpointInput,
    ): Promise<WebhookEndpointView> {
      const before = await getRow(tenantId, id);
      const errors = await endpointErrors(input, false);
      if (errors.length > 0) throw validationError(errors);
      const patch: Partial<WebhookEndpointsTable> = { updated_at: now() };
      if (input.url !== undefined) patch.url = input.url;
      if (input.description !== undefined) patch.description = input.description;
      if (input.eventTypes !== undefined)
        patch.event_types = JSON.stringify(
          input.eventTypes.length > 0 ? [...new Set(input.eventTypes)] : [ALL_EVENT_TYPES],
        );
      if (input.secret !== undefined) patch.secret = secretBox.seal(input.secret);
      if (input.enabled !== undefined) patch.enabled = input.enabled ? 1 : 0;
      // Re-enabling or pointing elsewhere is an admin saying "try again": clear failing.
      if (input.enabled === true || input.url !== undefined)
        Object.assign(patch, { status: 'active', failing_since: null });
      return db.transaction().execute(async (trx) => {
        await trx
          .updateTable('webhook_endpoints')
          .set(patch)
          .where('id', '=', id)
          .where('tenant_id', '=', tenantId)
          .execute();
        const after = toEndpointView({ ...before, ...patch });
        await writeAudit(trx, {
          tenantId,
          actor: actor.name,
          action: 'webhook.updated',
          objectType: 'webhook_endpoint',
          objectId: id,
          before: toEndpointView(before),
          after: { ...after, changedSecrets: input.secret !== undefined ? ['secret'] : [] },
        });
        return after;
      });
    },

    async delete(tenantId: string, id: string, actor: Actor): Promise<void> {
      const before = await getRow(tenantId, id);
      await db.transaction().execute(async (trx) => {
        const deliveries = trx
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('endpoint_id', '=', id);
        await trx.deleteFrom('webhook_attempts').where('delivery_id', 'in', deliveries).execute();
        await trx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
        await trx.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
        await writeAudit(trx, {
          tenantId,
          actor: actor.name,
          action: 'webhook.deleted',
          objectType: 'webhook_endpoint',
          objectId: id,
          before: toEndpointView(before),
        });
      });
    },

    /** The endpoint's deliveries, newest first. */
    async listDeliveries(
      tenantId: string,
      endpointId: string,
      q: { limit: number; after?: string | undefined; status?: string | undefined },
    ): Promise<Page<WebhookDeliveryView>> {
      await getRow(tenantId, endpointId);
      let query = db
        .selectFrom('webhook_deliveries as d')
        .leftJoin('events as e', 'e.id', 'd.event_id')
        .selectAll('d')
        .select('e.type')
        .where('d.endpoint_id', '=', endpointId)
        .orderBy('d.created_at', 'desc')
        .orderBy('d.id', 'desc')
        .limit(q.limit + 1);
      if (q.status) query = query.where('d.status', '=', q.status);
      if (q.after) {
        const [c, id] = decodeCursor(q.after, 2) as [string, string];
        query = query.where((eb) =>
          eb.or([
            eb('d.created_at', '<', c),
            eb.and([eb('d.created_at', '=', c), eb('d.id', '<', id)]),
          ]),
        );
      }
      return toPage(await query.execute(), q.limit, (r) => [r.created_at, r.id], toDeliveryView);
    },

    /** One delivery with its attempt log (status codes, timings, errors). */
    async getDelivery(
      tenantId: string,
      endpointId: string,
      deliveryId: string,
    ): Promise<WebhookDeliveryView & { attemptLog: WebhookAttemptView[] }> {
      const row = await getDeliveryRow(tenantId, endpointId, deliveryId);
      const attempts = await db
        .selectFrom('webhook_attempts')
        .selectAll()
        .where('delivery_id', '=', deliveryId)
        .orderBy('id')
        .execute();
      return {
        ...toDeliveryView(row),
        attemptLog: attempts.map((a) => ({
          attempt: a.attempt,
          statusCode: a.status_code,
          durationMs: a.duration_ms,
          error: a.error,
          createdAt: a.created_at,
        })),
      };
    },

    /**
     * Queues a delivery again now, whatever its state (delivered ones too: receivers
     * dedupe on Dirsync-Event-Id), with a fresh retry window.
     */
    async redeliver(
      tenantId: string,
      endpointId: string,
      deliveryId: string,
      actor: Actor,
    ): Promise<WebhookDeliveryView> {
      const row = await getDeliveryRow(tenantId, endpointId, deliveryId);
      const at = new Date();
      if (row.lease_expires_at && row.lease_expires_at > at.toISOString()) {
        throw new AppError(
          'conflict',
          'this delivery is being attempted right now; try again when the attempt ends',
        );
      }
      const patch = {
        status: 'pending',
        next_attempt_at: at.toISOString(),
        give_up_at: new Date(at.getTime() + defaultRetryPolicy.giveUpAfterMs).toISOString(),
        lease_owner: null,
        lease_expires_at: null,
      };
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('webhook_deliveries')
          .set(patch)
          .where('id', '=', deliveryId)
          .execute();
        await writeAudit(trx, {
          tenantId,
          actor: actor.name,
          action: 'webhook.redelivered',
          objectType: 'webhook_delivery',
          objectId: deliveryId,
          after: { endpointId, eventId: String(row.event_id) },
        });
      });
      return toDeliveryView({ ...row, ...patch });
    },
  };
}
export type WebhooksService = ReturnType<typeof createWebhooksService>;
