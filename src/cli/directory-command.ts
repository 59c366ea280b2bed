import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { workerDefaults, type Config } from '../config.js';
import { openServices } from '../main.js';
import type { Services } from '../services.js';
import { createWorker } from '../scheduler/worker.js';
import type { Job } from '../store/jobs.repository.js';
import { UsageError } from './usage-error.js';
import { AppError, type FieldError } from '../errors.js';
import { schemaErrors } from '../lib/schema.js';
import { DirectoryCreateBody, type DirectoryView } from '../model/directory-schema.js';
import { directoryViews } from '../directories/directory-views.js';

const FINAL = new Set(['completed', 'completed_with_errors', 'failed', 'cancelled']);
const POLL_MS = 250;

/**
 * `dirsync directory list|create|test|sync`: the same services the API uses. `list` and
 * `create` act in one tenant (`--tenant`, id or slug; default the first) or, for `list`
 * without it, in every tenant; `test` and `sync` take a directory of any tenant.
 */
export async function directoryCommand(
  args: string[],
  config: Config,
  logger: Logger,
): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      'confirm-deletions': { type: 'boolean' },
      full: { type: 'boolean' },
      file: { type: 'string' },
      tenant: { type: 'string' },
    },
  });
  if (sub !== 'test' && sub !== 'sync' && sub !== 'list' && sub !== 'create')
    throw new UsageError('directory needs list, create, test or sync');
  const id = positionals[0];
  if ((sub === 'test' || sub === 'sync') && !id)
    throw new UsageError(`directory ${sub} needs a directory id`);
  if (sub === 'create' && values.file === undefined)
    throw new UsageError('directory create needs --file <body.json> (or --file - for stdin)');
  const body = sub === 'create' ? readBody(values.file!) : null;
  const services = await openServices(config, logger);
  try {
    if (sub === 'list') return await listDirectories(services, values.tenant, values.json === true);
    if (sub === 'create') {
      const tenantId = await tenantFor(services, values.tenant);
      return await createDirectory(services, tenantId, body!, values.json === true);
    }
    const directory = await services.directories.repo.getById(id!);
    if (!directory) throw new UsageError(`no directory ${id}`);
    if (sub === 'test') {
      const outcome = await services.sync.testSaved(directory.tenantId, id!);
      if (values.json) process.stdout.write(`${JSON.stringify(outcome)}\n`);
      else if (outcome.success)
        process.stdout.write(
          `usersFound: ${outcome.usersFound}\ngroupsFound: ${outcome.groupsFound}\n`,
        );
      else
        process.stderr.write(
          `connection test failed: ${outcome.error.kind}: ${outcome.error.message}\n`,
        );
      return outcome.success ? 0 : 1;
    }
    return await syncDirectory(services, config, directory.tenantId, id!, {
      dryRun: values['dry-run'] === true,
      confirmDeletions: values['confirm-deletions'] === true,
      full: values.full === true,
    });
  } finally {
    await services.store.destroy();
  }
}

/** The JSON body of `create`, from a file or stdin (`-`); a bad file is a usage error. */
function readBody(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new UsageError(`--file: cannot read ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--file: ${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UsageError(`--file: ${file} must hold one JSON object (the directory)`);
  return parsed as Record<string, unknown>;
}

/** The tenant `--tenant` names (id or slug, as X-Tenant-ID), else the first tenant. */
async function tenantFor(services: Services, tenant: string | undefined): Promise<string> {
  if (tenant === undefined) {
    const first = await services.tenants.first();
    if (!first) throw new UsageError('no tenant yet: run dirsync serve or migrate first');
    return first.id;
  }
  const found = await services.tenants.resolve(tenant);
  if (found.length !== 1)
    throw new UsageError(
      found.length === 0
        ? `--tenant: no tenant ${tenant}`
        : `--tenant: the slug ${tenant} names ${found.length} tenants; use the tenant id`,
    );
  return found[0]!.id;
}

/**
 * One line per directory (id, tenant, type, enabled, health, schedule, name; tab-separated),
 * or with --json one array of the API's views, each with its dirsync `tenant` id.
 */
async function listDirectories(
  services: Services,
  tenant: string | undefined,
  json: boolean,
): Promise<number> {
  const tenantIds =
    tenant === undefined
      ? (await services.tenants.list()).map((t) => t.id)
      : [await tenantFor(services, tenant)];
  const rows: { tenantId: string; view: DirectoryView }[] = [];
  for (const tenantId of tenantIds) {
    let after: string | undefined;
    do {
      const page = await services.directories.list(tenantId, 500, after);
      for (const view of await directoryViews(services, page.data)) rows.push({ tenantId, view });
      after = page.nextCursor ?? undefined;
    } while (after !== undefined);
  }
  if (json) {
    // `tenant`, not `tenantId`: an Entra ID directory's settings use that name for Azure's.
    const list = rows.map(({ tenantId, view }) => ({ ...view, tenant: tenantId }));
    process.stdout.write(`${JSON.stringify(list)}\n`);
    return 0;
  }
  for (const { tenantId, view: d } of rows) {
    const schedule = d.syncSchedule ? d.syncSchedule : '-';
    const fields = [
      d.id,
      tenantId,
      d.type,
      d.enabled ? 'enabled' : 'disabled',
      d.health.status,
      schedule,
      d.name,
    ];
    process.stdout.write(`${fields.join('\t')}\n`);
  }
  return 0;
}

/**
 * Creates a directory from the body the API takes, checked by the same schema and
 * service: an invalid body prints each field's problem and exits 1, creating nothing.
 */
async function createDirectory(
  services: Services,
  tenantId: string,
  body: Record<string, unknown>,
  json: boolean,
): Promise<number> {
  const problems = schemaErrors(DirectoryCreateBody, body);
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`invalid directory: ${p.field}: ${p.message}\n`);
    return 1;
  }
  let created;
  try {
    created = await services.directories.create(tenantId, { name: 'cli' }, body);
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    const details = Array.isArray(err.details) ? (err.details as FieldError[]) : [];
    if (details.length === 0) process.stderr.write(`invalid directory: ${err.message}\n`);
    for (const p of details) process.stderr.write(`invalid directory: ${p.field}: ${p.message}\n`);
    return 1;
  }
  const [view] = await directoryViews(services, [created]);
  if (json) {
    process.stdout.write(`${JSON.stringify(view)}\n`);
    return 0;
  }
  // A SCIM directory's endpoint and token are shown here once, as the API shows them.
  const lines: [string, unknown][] = [
    ['id', view!.id],
    ['name', view!.name],
    ['type', view!.type],
    ['tenant', tenantId],
    ['scimEndpointUrl', view!.scimEndpointUrl],
    ['scimToken', view!.scimToken],
  ];
  for (const [k, v] of lines)
    if (v !== undefined && v !== null) process.stdout.write(`${k}: ${String(v)}\n`);
  return 0;
}

/**
 * Queues the run and starts a worker here that claims only this job, so it runs even
 * when no `dirsync worker` is up; when one is, whoever claims first runs it and this
 * command follows its progress either way.
 */
async function syncDirectory(
  services: Services,
  config: Config,
  tenantId: string,
  id: string,
  options: { dryRun: boolean; confirmDeletions: boolean; full: boolean },
): Promise<number> {
  const { job, created } = await services.sync.requestSync(tenantId, id, {
    ...options,
    trigger: 'manual',
  });
  if (!created)
    process.stderr.write(
      `a sync of this directory is already ${job.status} (job ${job.id}); following it\n`,
    );
  const w = { ...workerDefaults, ...config.worker };
  const worker = createWorker(
    {
      db: services.db,
      readerCheckpointer: services.store.readerCheckpointer,
      jobs: services.jobs,
      directories: services.directories,
      logger: services.logger,
      metrics: services.syncMetrics,
      retryBaseMs: w.retryBaseMs,
    },
    { leaseMs: w.leaseMs, pollMs: POLL_MS, onlyJobId: job.id },
  );
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  worker.start();
  const bar = createProgressBar(process.stderr);
  let last: Job = job;
  try {
    while (!interrupted) {
      last = (await services.jobs.getById(job.id)) ?? last;
      if (FINAL.has(last.status)) break;
      bar.render(last);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Releases the job to the queue if it is still reading (interrupted).
    await worker.stop();
    bar.clear();
  }
  if (interrupted) {
    process.stderr.write(`interrupted; job ${job.id} was released to the queue\n`);
    return 130;
  }
  process.stdout.write(formatResult(last));
  return last.status === 'completed' || last.status === 'completed_with_errors' ? 0 : 1;
}

function formatResult(j: Job): string {
  const lines: [string, string | number | null][] = [
    ['jobId', j.id],
    ['status', j.status],
    ['mode', j.mode],
    ['dryRun', String(j.dryRun)],
    ['recordsRead', j.recordsRead],
    ['usersCreated', j.usersCreated],
    ['usersUpdated', j.usersUpdated],
    ['usersDeactivated', j.usersDeactivated],
    ['usersReactivated', j.usersReactivated],
    ['groupsCreated', j.groupsCreated],
    ['groupsUpdated', j.groupsUpdated],
    ['groupsDeleted', j.groupsDeleted],
    ['groupsRestored', j.groupsRestored],
    ['membershipsAdded', j.membershipsAdded],
    ['membershipsRemoved', j.membershipsRemoved],
    ['errorCount', j.errorCount],
  ];
  if (j.error) lines.push(['error', `${j.error.code}: ${j.error.message}`]);
  for (const e of j.errors.slice(0, 10))
    lines.push(['recordError', `${e.code} ${e.dn ?? e.externalId ?? ''}: ${e.message}`]);
  return lines.map(([k, v]) => `${k}: ${v ?? ''}\n`).join('');
}

/**
 * A one-line progress bar on a terminal (redrawn in place); on a pipe, a line per
 * phase change and at most one every two seconds, so logs stay readable.
 */
function createProgressBar(out: NodeJS.WriteStream) {
  const tty = out.isTTY === true;
  let lastLine = '';
  let lastPhase = '';
  let lastWrite = 0;
  const width = 24;
  return {
    render(j: Job) {
      const p = j.progress;
      let line: string;
      if (j.status === 'queued') {
        const wait = j.error ? ` (retrying after ${j.error.code}: ${j.error.message})` : '';
        line = `queued, attempt ${j.attempt + 1}${wait}`;
      } else {
        const rate = p.rate !== undefined ? ` ${p.rate}/s` : '';
        if (p.total && p.total > 0) {
          const filled = Math.min(width, Math.round((p.done / p.total) * width));
          line = `${p.phase.padEnd(15)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.done}/${p.total}${rate}`;
        } else {
          line = `${p.phase.padEnd(15)} ${p.done} ${p.done === 1 ? 'record' : 'records'}${rate}`;
        }
      }
      const t = Date.now();
      if (tty) {
        if (line !== lastLine) out.write(`\r\x1b[K${line}`);
      } else if (p.phase !== lastPhase || (line !== lastLine && t - lastWrite >= 2000)) {
        out.write(`${line}\n`);
        lastWrite = t;
      }
      lastLine = line;
      lastPhase = p.phase;
    },
    clear() {
      if (tty && lastLine) out.write('\r\x1b[K');
    },
  };
}
