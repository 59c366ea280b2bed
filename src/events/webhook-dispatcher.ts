import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, WebhookDeliveriesTable, WebhookEndpointsTable } from '../store/schema.js';
import type { DialectName } from '../store/database.js';
import { parseJson } from '../store/database.js';
import type { SecretBox } from '../security/secret-box.js';
import {
  createOutboundPolicy,
  isOutboundRefusal,
  type OutboundPolicy,
} from '../security/outbound-policy.js';
import { newId } from '../lib/ids.js';
import { eventViewColumns, toEventView } from './feed.js';
import {
  DELIVERY_ID_HEADER,
  EVENT_ID_HEADER,
  EVENT_TYPE_HEADER,
  SIGNATURE_HEADER,
  signatureHeader,
} from './signing.js';
import { defaultRetryPolicy, retryDelayMs, type RetryPolicy } from './retry-schedule.js';
import { ALL_EVENT_TYPES } from './webhooks.service.js';

/**
 * Glossary
 * - fan-out: turning new events into one `webhook_deliveries` row per matching
 *   endpoint. Progress is a per-tenant cursor advanced in the same transaction as the
 *   rows it produced, so a crash neither loses nor duplicates a delivery.
 * - lane: the loop delivering one endpoint's due deliveries, at most
 *   `perEndpointConcurrency` requests at a time. Lanes are independent: a slow or dead
 *   endpoint only ever occupies its own lane.
 * - claim: one atomic statement that leases due deliveries to this worker (SQLite: a
 *   single UPDATE … RETURNING; PostgreSQL: the same with FOR UPDATE SKIP LOCKED, so
 *   several workers never claim the same row). A lease that lapses (a worker died
 *   mid-attempt) makes the delivery claimable again — receivers dedupe on
 *   Dirsync-Delivery-Id / Dirsync-Event-Id.
 *
 * The dispatcher runs beside the API and the sync runner, never inside a sync
 * transaction: sync only appends events (outbox.ts).
 */
export interface WebhookDispatcherOptions {
  /** Pause between polls when idle. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Events read per fan-out transaction. Default 1000. */
  fanOutBatchSize?: number;
  /** Deliveries one lane claims at a time. Default 50. */
  claimBatchSize?: number;
  /** Requests in flight per endpoint. Default 8. */
  perEndpointConcurrency?: number;
  /** Endpoints served at once by this process. Default 64. */
  maxLanes?: number;
  /** Per-attempt timeout. Default 10 s. */
  timeoutMs?: number;
  /** Lease on claimed deliveries. Default: long enough for a whole claimed batch to time out, plus 30 s. */
  leaseMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Identifies this process in leases. Default a random id. */
  workerId?: string;
  /** Injected for tests. */
  random?: () => number;
  /**
   * True while this process has sync work in hand. Deliveries then trickle (one batch
   * per lane every `busyPauseMs`) so that fan-out never competes with a sync for the
   * CPU; they catch up at full speed when the sync is done.
   */
  yieldTo?: () => boolean;
  /** Default 250 ms. */
  busyPauseMs?: number;
}

export interface DispatchReport {
  eventsScanned: number;
  deliveriesCreated: number;
  attempted: number;
  delivered: number;
  failedAttempts: number;
  /** Deliveries that exhausted their retry window in this run. */
  gaveUp: number;
}

export interface WebhookDispatcher {
  /** Starts the background loop (idempotent). */
  start(): void;
  /** Stops polling and waits for attempts in flight. */
  stop(): Promise<void>;
  /** One complete pass: fan out every new event, then deliver everything due, and wait for it. */
  runOnce(): Promise<DispatchReport>;
}

interface DispatcherDeps {
  db: Kysely<Database>;
  store: { dialect: DialectName };
  secretBox: SecretBox;
  logger: Logger;
  /** Deliveries connect only where this policy allows, checked on the resolved address. */
  outbound?: OutboundPolicy;
}

const emptyReport = (): DispatchReport => ({
  eventsScanned: 0,
  deliveriesCreated: 0,
  attempted: 0,
  delivered: 0,
  failedAttempts: 0,
  gaveUp: 0,
});

function addReport(into: DispatchReport, from: DispatchReport): void {
  for (const k of Object.keys(into) as (keyof DispatchReport)[]) into[k] += from[k];
}

export function createWebhookDispatcher(
  services: DispatcherDeps,
  options: WebhookDispatcherOptions = {},
): WebhookDispatcher {
  const { db, secretBox } = services;
  const outboundFetch = (services.outbound ?? createOutboundPolicy()).fetch;
  const isPostgres = services.store.dialect === 'postgres';
  const log = services.logger.child({ component: 'webhooks' });
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const fanOutBatchSize = options.fanOutBatchSize ?? 1000;
  const claimBatchSize = options.claimBatchSize ?? 50;
  const perEndpoint = Math.max(1, options.perEndpointConcurrency ?? 8);
  const maxLanes = options.maxLanes ?? 64;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const leaseMs = options.leaseMs ?? timeoutMs * Math.ceil(claimBatchSize / perEndpoint) + 30_000;
  const retry: RetryPolicy = { ...defaultRetryPolicy, ...options.retry };
  const workerId = options.workerId ?? `webhooks-${newId()}`;
  const random = options.random ?? Math.random;
  const busyPauseMs = options.busyPauseMs ?? 250;
  const secrets = new Map<string, { sealed: string; secret: string }>();
  const lanes = new Map<string, Promise<DispatchReport>>();

  let running = false;
  let stopping = false;
  let timer: NodeJS.Timeout | null = null;
  let tickInFlight: Promise<void> | null = null;

  // ---- fan-out ----------------------------------------------------------------

  async function fanOut(report: DispatchReport): Promise<void> {
    const tenants = await db
      .selectFrom('webhook_endpoints')
      .select('tenant_id')
      .distinct()
      .where('enabled', '=', 1)
      .execute();
    for (const { tenant_id } of tenants) {
      for (;;) {
        const scanned = await fanOutTenant(tenant_id, report);
        // While a sync runs here, one batch per poll: the rest waits for it to finish.
        if (scanned < fanOutBatchSize || options.yieldTo?.()) break;
      }
    }
  }

  /** One transaction: read events after the tenant's cursor, create deliveries, advance the cursor. */
  async function fanOutTenant(tenantId: string, report: DispatchReport): Promise<number> {
    return db.transaction().execute(async (trx) => {
      const endpoints = await trx
        .selectFrom('webhook_endpoints')
        .select(['id', 'event_types', 'from_event_id'])
        .where('tenant_id', '=', tenantId)
        .where('enabled', '=', 1)
        .execute();
      if (endpoints.length === 0) return 0;
      const minFrom = Math.min(...endpoints.map((e) => Number(e.from_event_id)));
      const at = new Date().toISOString();
      await trx
        .insertInto('webhook_fanout_cursors')
        .values({ tenant_id: tenantId, last_event_id: minFrom, updated_at: at })
        .onConflict((oc) => oc.column('tenant_id').doNothing())
        .execute();
      let cursorQuery = trx
        .selectFrom('webhook_fanout_cursors')
        .select('last_event_id')
        .where('tenant_id', '=', tenantId);
      // Serialises fan-out of one tenant across workers; SQLite transactions are already serial.
      if (isPostgres) cursorQuery = cursorQuery.forUpdate();
      const cursor = Number((await cursorQuery.executeTakeFirstOrThrow()).last_event_id);
      const start = Math.max(cursor, minFrom);

      const events = await trx
        .selectFrom('events')
        .select(['id', 'type'])
        .where('tenant_id', '=', tenantId)
        .where('id', '>', start)
        .orderBy('id')
        .limit(fanOutBatchSize)
        .execute();
      const subscriptions = endpoints.map((e) => {
        const types = parseJson<string[]>(e.event_types, []);
        return {
          id: e.id,
          from: Number(e.from_event_id),
          all: types.includes(ALL_EVENT_TYPES),
          types: new Set(types),
        };
      });
      const giveUpAt = new Date(Date.now() + retry.giveUpAfterMs).toISOString();
      const rows: WebhookDeliveriesTable[] = [];
      for (const ev of events) {
        const id = Number(ev.id);
        for (const s of subscriptions) {
          if (id <= s.from || !(s.all || s.types.has(ev.type))) continue;
          rows.push({
            id: newId(),
            tenant_id: tenantId,
            endpoint_id: s.id,
            event_id: id,
            status: 'pending',
            attempts: 0,
            next_attempt_at: at,
            lease_owner: null,
            lease_expires_at: null,
            last_status_code: null,
            last_error: null,
            last_duration_ms: null,
            created_at: at,
            delivered_at: null,
            give_up_at: giveUpAt,
          });
        }
      }
      for (let i = 0; i < rows.length; i += 200) {
        await trx
          .insertInto('webhook_deliveries')
          .values(rows.slice(i, i + 200))
          .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing())
          .execute();
      }
      const last = events[events.length - 1];
      const next = last ? Number(last.id) : start;
      if (next !== cursor) {
        await trx
          .updateTable('webhook_fanout_cursors')
          .set({ last_event_id: next, updated_at: at })
          .where('tenant_id', '=', tenantId)
          .execute();
      }
      report.eventsScanned += events.length;
      report.deliveriesCreated += rows.length;
      return events.length;
    });
  }

  // ---- delivery -----------------------------------------------------------------

  async function dueEndpoints(): Promise<string[]> {
    const at = new Date().toISOString();
    const rows = await db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
      .select('d.endpoint_id')
      .distinct()
      .where('e.enabled', '=', 1)
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', at)
      .where((eb) =>
        eb.or([eb('d.lease_expires_at', 'is', null), eb('d.lease_expires_at', '<=', at)]),
      )
      .execute();
    return rows.map((r) => r.endpoint_id);
  }

  async function claim(endpointId: string, limit: number): Promise<WebhookDeliveriesTable[]> {
    const at = new Date();
    const iso = at.toISOString();
    let due = db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('endpoint_id', '=', endpointId)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', iso)
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', iso)]))
      .orderBy('next_attempt_at')
      .orderBy('event_id')
      .limit(limit);
    if (isPostgres) due = due.forUpdate().skipLocked();
    const rows = await db
      .updateTable('webhook_deliveries')
      .set({
        lease_owner: workerId,
        lease_expires_at: new Date(at.getTime() + leaseMs).toISOString(),
      })
      .where('id', 'in', due)
      .returningAll()
      .execute();
    // RETURNING has no defined order: restore the due order (oldest event first).
    return rows.sort((a, b) =>
      a.next_attempt_at < b.next_attempt_at
        ? -1
        : a.next_attempt_at > b.next_attempt_at
          ? 1
          : Number(a.event_id) - Number(b.event_id),
    );
  }

  function secretOf(endpoint: WebhookEndpointsTable): string {
    const cached = secrets.get(endpoint.id);
    if (cached && cached.sealed === endpoint.secret) return cached.secret;
    const secret = secretBox.open(endpoint.secret);
    secrets.set(endpoint.id, { sealed: endpoint.secret, secret });
    return secret;
  }

  interface AttemptResult {
    delivery: WebhookDeliveriesTable;
    ok: boolean;
    statusCode: number | null;
    error: string | null;
    durationMs: number;
    at: string;
  }

  async function attempt(
    endpoint: WebhookEndpointsTable,
    secret: string,
    delivery: WebhookDeliveriesTable,
    body: string | undefined,
    eventType: string,
  ): Promise<AttemptResult> {
    const started = performance.now();
    const result = (
      ok: boolean,
      statusCode: number | null,
      error: string | null,
    ): AttemptResult => ({
      delivery,
      ok,
      statusCode,
      error,
      durationMs: Math.round(performance.now() - started),
      at: new Date().toISOString(),
    });
    if (body === undefined) return result(false, null, 'the event no longer exists');
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const res = await outboundFetch(endpoint.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'dirsync-webhooks/1',
          [SIGNATURE_HEADER]: signatureHeader(secret, timestamp, body),
          [EVENT_ID_HEADER]: String(delivery.event_id),
          [DELIVERY_ID_HEADER]: delivery.id,
          [EVENT_TYPE_HEADER]: eventType,
        },
        body,
      });
      // Drain so the keep-alive connection is reused; the content is not needed.
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return result(true, res.status, null);
      return result(false, res.status, `HTTP ${res.status}`);
    } catch (error) {
      const e = error as Error & { cause?: { code?: string; message?: string } };
      const message =
        e.name === 'TimeoutError'
          ? `timed out after ${timeoutMs} ms`
          : isOutboundRefusal(error)
            ? (e.cause?.message ?? e.message)
            : (e.cause?.code ?? e.cause?.message ?? e.message);
      return result(false, null, String(message).slice(0, 500));
    }
  }

  /** Records a batch of attempts and their outcome in one transaction. */
  async function record(
    endpoint: WebhookEndpointsTable,
    results: AttemptResult[],
    report: DispatchReport,
  ): Promise<void> {
    const now = new Date();
    const iso = now.toISOString();
    let anySuccess = false;
    let gaveUp = 0;
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < results.length; i += 200) {
        await trx
          .insertInto('webhook_attempts')
          .values(
            results.slice(i, i + 200).map((r) => ({
              delivery_id: r.delivery.id,
              attempt: r.delivery.attempts + 1,
              status_code: r.statusCode,
              duration_ms: r.durationMs,
              error: r.error,
              created_at: r.at,
            })),
          )
          .execute();
      }
      for (const r of results) {
        const d = r.delivery;
        const base = {
          attempts: d.attempts + 1,
          last_status_code: r.statusCode,
          last_error: r.error,
          last_duration_ms: r.durationMs,
          lease_owner: null,
          lease_expires_at: null,
        };
        let patch: Partial<WebhookDeliveriesTable>;
        if (r.ok) {
          anySuccess = true;
          patch = { ...base, status: 'delivered', delivered_at: r.at };
        } else if (!d.give_up_at || d.give_up_at <= iso) {
          gaveUp++;
          patch = { ...base, status: 'failed' };
        } else {
          const next = Math.min(
            now.getTime() + retryDelayMs(retry, d.attempts + 1, random),
            Date.parse(d.give_up_at),
          );
          patch = { ...base, status: 'pending', next_attempt_at: new Date(next).toISOString() };
        }
        // Only the lease holder records: a lapsed lease may have let another worker in.
        await trx
          .updateTable('webhook_deliveries')
          .set(patch)
          .where('id', '=', d.id)
          .where('lease_owner', '=', workerId)
          .execute();
      }
      if (anySuccess) {
        await trx
          .updateTable('webhook_endpoints')
          .set({ last_success_at: iso, status: 'active', failing_since: null })
          .where('id', '=', endpoint.id)
          .execute();
      } else if (gaveUp > 0) {
        await trx
          .updateTable('webhook_endpoints')
          .set({ status: 'failing', failing_since: iso })
          .where('id', '=', endpoint.id)
          .where('status', '!=', 'failing')
          .execute();
      }
    });
    report.attempted += results.length;
    for (const r of results) {
      if (r.ok) report.delivered++;
      else report.failedAttempts++;
    }
    report.gaveUp += gaveUp;
    if (gaveUp > 0)
      log.warn(
        { endpointId: endpoint.id, gaveUp },
        'webhook deliveries exhausted their retries; endpoint marked failing',
      );
  }

  async function deliverBatch(endpointId: string, report: DispatchReport): Promise<number> {
    const claimed = await claim(endpointId, claimBatchSize);
    if (claimed.length === 0) return 0;
    const endpoint = await db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', endpointId)
      .executeTakeFirst();
    if (!endpoint || endpoint.enabled !== 1) {
      // Disabled meanwhile: hand the rows back untouched.
      await db
        .updateTable('webhook_deliveries')
        .set({ lease_owner: null, lease_expires_at: null })
        .where(
          'id',
          'in',
          claimed.map((c) => c.id),
        )
        .where('lease_owner', '=', workerId)
        .execute();
      return 0;
    }
    const secret = secretOf(endpoint);
    const eventRows = await db
      .selectFrom('events')
      .select(eventViewColumns)
      .where('id', 'in', [...new Set(claimed.map((c) => c.event_id))])
      .execute();
    const bodies = new Map(
      eventRows.map((e) => [
        Number(e.id),
        { type: e.type, body: JSON.stringify(toEventView({ ...e, id: Number(e.id) })) },
      ]),
    );

    const results: AttemptResult[] = new Array(claimed.length);
    let next = 0;
    const worker = async () => {
      while (next < claimed.length) {
        const i = next++;
        const d = claimed[i]!;
        const ev = bodies.get(Number(d.event_id));
        results[i] = await attempt(endpoint, secret, d, ev?.body, ev?.type ?? 'unknown');
      }
    };
    await Promise.all(Array.from({ length: Math.min(perEndpoint, claimed.length) }, worker));
    await record(endpoint, results, report);
    return claimed.length;
  }

  /** Delivers an endpoint's due deliveries until none is left (or the dispatcher stops). */
  function lane(endpointId: string): Promise<DispatchReport> {
    const existing = lanes.get(endpointId);
    if (existing) return existing;
    const report = emptyReport();
    const p = (async () => {
      try {
        while (!stopping && (await deliverBatch(endpointId, report)) > 0) {
          if (options.yieldTo?.()) await new Promise((r) => setTimeout(r, busyPauseMs));
        }
      } catch (error) {
        log.error(
          { err: error, endpointId },
          'webhook lane failed; it is retried on the next poll',
        );
      } finally {
        lanes.delete(endpointId);
      }
      return report;
    })();
    lanes.set(endpointId, p);
    return p;
  }

  /** Fan out, then start a lane for each endpoint with due work; `wait` awaits those lanes. */
  async function tick(wait: boolean): Promise<DispatchReport> {
    const report = emptyReport();
    await fanOut(report);
    const started: Promise<DispatchReport>[] = [];
    for (const endpointId of await dueEndpoints()) {
      if (stopping) break;
      if (!lanes.has(endpointId) && lanes.size >= maxLanes) break;
      started.push(lane(endpointId));
    }
    if (wait) for (const r of await Promise.all(started)) addReport(report, r);
    return report;
  }

  function schedule(delay: number): void {
    if (!running) return;
    timer = setTimeout(() => {
      timer = null;
      tickInFlight = tick(false)
        .then(() => undefined)
        .catch((error: unknown) => log.error({ err: error }, 'webhook dispatcher poll failed'))
        .finally(() => {
          tickInFlight = null;
          schedule(
            options.yieldTo?.() ? Math.max(pollIntervalMs, busyPauseMs * 4) : pollIntervalMs,
          );
        });
    }, delay);
    timer.unref?.();
  }

  return {
    start() {
      if (running) return;
      running = true;
      stopping = false;
      schedule(0);
    },
    async stop() {
      running = false;
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await tickInFlight;
      await Promise.all([...lanes.values()]);
      stopping = false;
    },
    runOnce: () => tick(true),
  };
}
