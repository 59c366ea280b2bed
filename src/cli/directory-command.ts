import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { workerDefaults, type Config } from '../config.js';
import { openServices } from '../main.js';
import type { Services } from '../services.js';
import { createWorker } from '../scheduler/worker.js';
import type { Job } from '../store/jobs.repository.js';
import { UsageError } from './usage-error.js';

const FINAL = new Set(['completed', 'completed_with_errors', 'failed', 'cancelled']);
const POLL_MS = 250;

/** `dirsync directory test|sync <id>`: the same services the API uses, for one directory of any tenant. */
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
    },
  });
  const id = positionals[0];
  if (sub !== 'test' && sub !== 'sync') throw new UsageError('directory needs test or sync');
  if (!id) throw new UsageError(`directory ${sub} needs a directory id`);
  const services = await openServices(config, logger);
  try {
    const directory = await services.directories.repo.getById(id);
    if (!directory) throw new UsageError(`no directory ${id}`);
    if (sub === 'test') {
      const outcome = await services.sync.testSaved(directory.tenantId, id);
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
    return await syncDirectory(services, config, directory.tenantId, id, {
      dryRun: values['dry-run'] === true,
      confirmDeletions: values['confirm-deletions'] === true,
      full: values.full === true,
    });
  } finally {
    await services.store.destroy();
  }
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
          line = `${p.phase.padEnd(15)} ${p.done} records${rate}`;
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
