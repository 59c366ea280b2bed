import { createWorker } from '../../src/scheduler/worker.js';
import type { SlapdServer } from './slapd.js';
import { delay } from './wait.js';
import type { TestApp } from './test-app.js';

/** Creates an `ldap` directory pointing at a test slapd, through the API. */
export async function createLdapDirectory(
  app: TestApp,
  server: SlapdServer,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const res = await app.request('POST', '/api/v1/directories', {
    name: 'Test LDAP',
    type: 'ldap',
    host: server.host,
    port: server.port,
    bindDN: server.serviceDN ?? server.rootDN,
    bindPassword: server.servicePassword ?? server.rootPassword,
    baseDN: server.baseDN,
    userSearchFilter: '(objectClass=inetOrgPerson)',
    ...overrides,
  });
  if (res.status !== 201)
    throw new Error(`create directory failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** A worker of the test app, run by hand so a test decides when jobs execute. */
export function testWorker(app: TestApp, options: { leaseMs?: number; retryBaseMs?: number } = {}) {
  const { services } = app;
  return createWorker(
    {
      db: services.db,
      readerCheckpointer: services.store.readerCheckpointer,
      jobs: services.jobs,
      directories: services.directories,
      logger: services.logger,
      metrics: services.syncMetrics,
      retryBaseMs: options.retryBaseMs ?? 10,
    },
    { leaseMs: options.leaseMs ?? 30_000, pollMs: 20 },
  );
}

/**
 * POST /sync and run the queue with `worker` until that job ends, and return the job
 * record. Retries included: a requeued job waits for its backoff, so the loop polls
 * instead of sleeping a fixed time.
 */
export async function syncNow(
  app: TestApp,
  directoryId: string,
  query = '',
  worker = testWorker(app, { retryBaseMs: 5 }),
): Promise<any> {
  const started = await app.request('POST', `/api/v1/directories/${directoryId}/sync${query}`);
  if (started.status !== 202)
    throw new Error(`sync failed to start: ${started.status} ${JSON.stringify(started.body)}`);
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    const job = await app.request(
      'GET',
      `/api/v1/directories/${directoryId}/jobs/${started.body.jobId}`,
    );
    if (!['queued', 'running'].includes(job.body.status)) return job.body;
    const ran = await worker.runOnce();
    if (!ran) await delay(10);
  }
  throw new Error('sync job did not finish');
}

/** Every change of a job (all pages). */
export async function jobChanges(app: TestApp, directoryId: string, jobId: string): Promise<any[]> {
  const out: any[] = [];
  let after: string | null = null;
  do {
    const res: any = await app.request(
      'GET',
      `/api/v1/directories/${directoryId}/jobs/${jobId}/changes?limit=1000${after ? `&after=${after}` : ''}`,
    );
    out.push(...res.body.data);
    after = res.body.nextCursor;
  } while (after);
  return out;
}

export async function usersOf(app: TestApp, directoryId: string) {
  return app.services.db
    .selectFrom('users')
    .selectAll()
    .where('directory_id', '=', directoryId)
    .orderBy('username')
    .execute();
}

export async function eventCount(app: TestApp): Promise<number> {
  const r = await app.services.db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
