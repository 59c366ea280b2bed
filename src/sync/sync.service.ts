import type { Logger } from 'pino';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { AppError } from '../errors.js';
import { refreshHealthQuietly } from '../directories/health-tracker.js';
import { now } from '../store/database.js';
import type { DirectoriesService } from '../directories/directories.service.js';
import type { JobsRepository, JobTrigger } from '../store/jobs.repository.js';
import {
  ConnectorError,
  type Connector,
  type SourceUser,
  type TestResult,
} from '../connectors/connector.js';
import { checkSourceUser } from '../model/records.js';

export type TestOutcome =
  | { success: true; usersFound: number; groupsFound: number; servedBy?: string }
  | { success: false; error: { kind: string; message: string } };

export type PreviewOutcome = { effectiveAttributeMapping: Record<string, string> } & (
  | {
      success: true;
      /** The first user of the scope as read; null when the scope is empty. */
      source: Record<string, unknown> | null;
      /** What the mapping makes of it. */
      user: SourceUser | null;
      /** Why a sync would skip this user (a required field the mapping leaves empty). */
      error: { code: string; message: string } | null;
    }
  | { success: false; error: { kind: string; message: string } }
);

const TEST_TIMEOUT_MS = 60_000;

/** Starting syncs and connection tests: the API and the CLI call these. */
export function createSyncService(deps: {
  db: Kysely<Database>;
  directories: DirectoriesService;
  jobs: JobsRepository;
  logger: Logger;
  onEnqueued?: () => void;
}) {
  const { directories, jobs } = deps;

  function failure(err: unknown, what: string): { kind: string; message: string } {
    if (err instanceof ConnectorError) {
      const kind = err.kind === 'cancelled' ? 'timeout' : err.kind;
      return { kind, message: err.message };
    }
    deps.logger.error({ err }, `${what} crashed`);
    return { kind: 'network', message: `the ${what} failed unexpectedly; see the server log` };
  }

  async function runTest(connector: Connector): Promise<TestOutcome> {
    const signal = AbortSignal.timeout(TEST_TIMEOUT_MS);
    try {
      const r: TestResult = await connector.test(signal);
      return {
        success: true,
        usersFound: r.usersFound,
        groupsFound: r.groupsFound,
        ...(r.servedBy ? { servedBy: r.servedBy } : {}),
      };
    } catch (err) {
      if (err instanceof ConnectorError) {
        const kind = err.kind === 'cancelled' ? 'timeout' : err.kind;
        return { success: false, error: { kind, message: err.message } };
      }
      deps.logger.error({ err }, 'connection test crashed');
      return {
        success: false,
        error: { kind: 'network', message: 'the test failed unexpectedly; see the server log' },
      };
    } finally {
      await connector.close().catch(() => undefined);
    }
  }

  return {
    /** Queues a run; a second request while one is queued or running returns that job. */
    async requestSync(
      tenantId: string,
      directoryId: string,
      options: {
        dryRun?: boolean;
        confirmDeletions?: boolean;
        full?: boolean;
        trigger?: JobTrigger;
      },
    ) {
      const d = await directories.getOrThrow(tenantId, directoryId);
      if (d.type === 'scim')
        throw new AppError(
          'unprocessable',
          'SCIM directories receive pushes from the identity provider; there is nothing to pull',
        );
      if (!d.enabled)
        throw new AppError('conflict', 'the directory is disabled; enable it to sync');
      const result = await jobs.enqueue({
        tenantId,
        directoryId,
        trigger: options.trigger ?? 'api',
        dryRun: options.dryRun,
        confirmDeletions: options.confirmDeletions,
        full: options.full,
      });
      if (!result) throw new AppError('conflict', 'could not queue a sync job; try again');
      if (result.created) deps.onEnqueued?.();
      return result;
    },

    /** Tests a saved directory and remembers the outcome (a failure turns its health red). */
    async testSaved(tenantId: string, directoryId: string): Promise<TestOutcome> {
      const d = await directories.getOrThrow(tenantId, directoryId);
      const outcome = await runTest(directories.connectorFor(d));
      await directories.repo.recordTest(
        d.id,
        now(),
        outcome.success ? null : JSON.stringify(outcome.error),
      );
      await refreshHealthQuietly(deps.db, d.id, deps.logger);
      return outcome;
    },

    /**
     * Maps the first user of a saved directory's scope with its mapping, or with a
     * proposed `attributeMapping` (not saved), and shows the entry beside the result.
     */
    async previewMapping(
      tenantId: string,
      directoryId: string,
      attributeMapping: Record<string, string> | undefined,
    ): Promise<PreviewOutcome> {
      const d = await directories.getOrThrow(tenantId, directoryId);
      const { connector, effectiveAttributeMapping } = directories.connectorForPreview(
        d,
        attributeMapping,
      );
      try {
        if (!connector.previewUser) {
          throw new AppError('unprocessable', `directories of type "${d.type}" have no preview`);
        }
        const sample = await connector.previewUser(AbortSignal.timeout(TEST_TIMEOUT_MS));
        return {
          success: true,
          effectiveAttributeMapping,
          source: sample?.attributes ?? null,
          user: sample?.user ?? null,
          error: sample ? checkSourceUser(sample.user, effectiveAttributeMapping) : null,
        };
      } catch (err) {
        if (err instanceof AppError) throw err;
        return { success: false, effectiveAttributeMapping, error: failure(err, 'preview') };
      } finally {
        await connector.close().catch(() => undefined);
      }
    },

    /** Tests a create body without saving it (validated exactly as create would). */
    async testUnsaved(body: Record<string, unknown>): Promise<TestOutcome> {
      return runTest(await directories.connectorForBody(body));
    },
  };
}
export type SyncService = ReturnType<typeof createSyncService>;
