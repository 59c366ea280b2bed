import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { refreshHealth } from '../../src/directories/health-tracker.js';

/**
 * The rule behind directory.health_changed: for any sequence of run outcomes, each
 * evaluated by several concurrent evaluators (workers, the API, the scheduler's sweep),
 * the events are exactly the transitions of the status, each once and in order.
 * fast-check prints the seed and the shrunk sequence of a failure.
 */

const outcomes = ['completed', 'completed_with_errors', 'failed'] as const;
type Outcome = (typeof outcomes)[number];
const statusOf: Record<Outcome, string> = {
  completed: 'green',
  completed_with_errors: 'yellow',
  failed: 'red',
};

describe.each(testDatabaseKinds())('health transitions on %s', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('announces each status transition exactly once, whatever the concurrency', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            outcome: fc.constantFrom(...outcomes),
            evaluators: fc.integer({ min: 1, max: 4 }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        async (runs) => {
          const created = await app.request('POST', '/api/v1/directories', {
            name: 'Property',
            type: 'ldap',
            host: 'ldap.example.com',
            baseDN: 'dc=example,dc=com',
          });
          expect(created.status).toBe(201);
          const id = created.body.id as string;
          let previous = 'unknown';
          const expected: { previousStatus: string; status: string }[] = [];
          for (const run of runs) {
            const queued = await app.services.jobs.enqueue({
              tenantId: app.tenantId,
              directoryId: id,
              trigger: 'api',
            });
            // Health reads the latest completion: keep completions apart in time.
            await new Promise((r) => setTimeout(r, 3));
            await app.services.db.transaction().execute((trx) =>
              app.services.jobs.finish(trx, queued!.job.id, null, {
                status: run.outcome,
                ...(run.outcome === 'failed'
                  ? { error: { code: 'network', message: 'unreachable' } }
                  : {}),
              }),
            );
            await Promise.all(
              Array.from({ length: run.evaluators }, () => refreshHealth(app.services.db, id)),
            );
            const status = statusOf[run.outcome];
            if (status !== previous) expected.push({ previousStatus: previous, status });
            previous = status;
          }
          const events = await app.request(
            'GET',
            `/api/v1/events?type=directory.health_changed&directoryId=${id}&limit=1000`,
          );
          expect(
            events.body.data.map((e: { data: { previousStatus: string; status: string } }) => ({
              previousStatus: e.data.previousStatus,
              status: e.data.status,
            })),
          ).toEqual(expected);
          await app.request('DELETE', `/api/v1/directories/${id}`);
        },
      ),
      { numRuns: 15, verbose: 1, endOnFailure: false },
    );
  });
});
