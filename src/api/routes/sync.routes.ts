import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { authOf } from '../auth.js';
import { notFound } from '../../errors.js';
import { DirectoryCreateBody } from '../../model/directory-schema.js';
import { errorResponses, IdParams, PageQuery, pageOf, nullable } from '../schemas.js';
import { literalUnion } from '../../lib/schema.js';
import { jobStatuses, jobTriggers, type Job } from '../../store/jobs.repository.js';
import { toPage } from '../../lib/cursor.js';
import { createdFields } from '../../model/changes.js';
import type { UserTarget } from '../../model/records.js';

export const JobView = Type.Object({
  id: Type.String(),
  directoryId: Type.String(),
  status: literalUnion(jobStatuses),
  trigger: literalUnion(jobTriggers),
  dryRun: Type.Boolean(),
  confirmDeletions: Type.Boolean(),
  fullRequested: Type.Boolean(),
  mode: nullable(literalUnion(['full', 'delta', 'live'] as const)),
  servedBy: nullable(
    Type.String({
      description:
        'LDAP and AD: the server (host:port) that answered the read, the primary or the failover host that took over; null before the read and for other sources',
    }),
  ),
  usersCreated: Type.Integer(),
  usersUpdated: Type.Integer(),
  usersDeactivated: Type.Integer(),
  usersReactivated: Type.Integer(),
  groupsCreated: Type.Integer(),
  groupsUpdated: Type.Integer(),
  groupsDeleted: Type.Integer(),
  groupsRestored: Type.Integer({
    description: 'Deleted groups whose source object came back (same id)',
  }),
  membershipsAdded: Type.Integer(),
  membershipsRemoved: Type.Integer(),
  recordsRead: Type.Integer(),
  errorCount: Type.Integer({ description: 'All per-record errors; `errors` lists the first 100' }),
  errors: Type.Array(
    Type.Object({
      externalId: nullable(Type.String()),
      dn: nullable(Type.String()),
      code: Type.String(),
      message: Type.String(),
    }),
  ),
  error: nullable(
    Type.Object(
      { code: Type.String(), message: Type.String() },
      { description: 'Why a failed or cancelled job stopped' },
    ),
  ),
  progress: Type.Object({
    phase: Type.String({
      description:
        'queued | fetching_users | fetching_groups | sweeping | diffing | applying | done',
    }),
    done: Type.Integer(),
    total: nullable(Type.Integer()),
    rate: Type.Optional(Type.Number({ description: 'records per second' })),
  }),
  attempt: Type.Integer(),
  attempts: Type.Optional(
    Type.Array(
      Type.Object({
        attempt: Type.Integer(),
        workerId: Type.String({ description: 'host:pid:… of the worker that ran it' }),
        status: Type.String({
          description:
            'running | the job status its last attempt ended with | retrying (a transient error) | released (its worker shut down before applying) | lost (its worker stopped renewing the lease)',
        }),
        error: nullable(Type.Object({ code: Type.String(), message: Type.String() })),
        startedAt: Type.String(),
        endedAt: nullable(Type.String()),
      }),
      { description: 'Every attempt of the job, oldest first (job detail only)' },
    ),
  ),
  scheduledFor: nullable(Type.String()),
  createdAt: Type.String(),
  startedAt: nullable(Type.String()),
  completedAt: nullable(Type.String()),
});

const ChangeView = Type.Object({
  id: Type.Integer(),
  objectType: Type.String({ description: 'user | group | membership | conflict | error' }),
  action: Type.String(),
  objectId: nullable(Type.String()),
  externalId: nullable(Type.String()),
  name: nullable(Type.String()),
  dn: nullable(Type.String()),
  fields: nullable(Type.Record(Type.String(), Type.Unknown())),
  error: nullable(Type.Object({ code: Type.String(), message: Type.String() })),
});

const TestView = Type.Union([
  Type.Object({
    success: Type.Literal(true),
    usersFound: Type.Integer(),
    groupsFound: Type.Integer(),
    servedBy: Type.Optional(
      Type.String({ description: 'LDAP and AD: the server (host:port) that answered' }),
    ),
  }),
  Type.Object({
    success: Type.Literal(false),
    error: Type.Object({ kind: Type.String(), message: Type.String() }),
  }),
]);

const SourceUserView = Type.Object(
  {
    externalId: Type.String(),
    enabled: Type.Boolean(),
    dn: Type.Optional(Type.String()),
    username: Type.Optional(Type.String()),
    firstName: Type.Optional(Type.String()),
    lastName: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    phone: Type.Optional(Type.String()),
    displayName: Type.Optional(Type.String()),
    custom: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Union([Type.String(), Type.Array(Type.String()), Type.Null()]),
      ),
    ),
  },
  { description: 'The fields the mapping produced (absent: empty)' },
);

const PreviewView = Type.Union([
  Type.Object({
    success: Type.Literal(true),
    effectiveAttributeMapping: Type.Record(Type.String(), Type.String()),
    source: nullable(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'The first user of the scope as the source holds it; null when none',
      }),
    ),
    user: nullable(SourceUserView),
    error: nullable(
      Type.Object(
        { code: Type.String(), message: Type.String() },
        { description: 'Why a sync would skip this user (a required field left empty)' },
      ),
    ),
  }),
  Type.Object({
    success: Type.Literal(false),
    effectiveAttributeMapping: Type.Record(Type.String(), Type.String()),
    error: Type.Object({ kind: Type.String(), message: Type.String() }),
  }),
]);

const PreviewBody = Type.Object(
  {
    attributeMapping: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 2048 }), {
        description:
          'A mapping to try instead of the saved one (not saved); the same rules as on save apply',
      }),
    ),
  },
  { additionalProperties: false },
);

const JobParams = Type.Object({ id: Type.String(), jobId: Type.String() });

export function toJobView(j: Job) {
  const { tenantId: _t, maxAttempts: _m, leaseToken: _l, ...rest } = j;
  return rest;
}

/** Sync runs, job history, change lists, cancellation and connection tests. */
export function syncRoutes(services: Services): FastifyPluginAsync {
  const { jobs, sync, directories } = services;
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['sync'];

    app.post(
      '/directories/:id/sync',
      {
        config: { permission: 'directory:write' },
        schema: {
          tags,
          params: IdParams,
          querystring: Type.Object({
            dryRun: Type.Boolean({
              default: false,
              description: 'Compute and list the changes; apply nothing',
            }),
            confirmDeletions: Type.Boolean({
              default: false,
              description: 'Apply suspensions above the deletion threshold',
            }),
            full: Type.Boolean({
              default: false,
              description: 'Read the whole scope even when an incremental cursor is stored',
            }),
            trigger: Type.Optional(
              literalUnion(
                ['api', 'manual'] as const,
                'manual: a person pressed Sync (the console sends it); default api',
              ),
            ),
          }),
          response: {
            202: Type.Object({
              jobId: Type.String(),
              status: Type.String(),
              startedAt: nullable(Type.String()),
              created: Type.Boolean(),
            }),
            ...errorResponses,
            422: errorResponses[400],
          },
        },
      },
      async (request, reply) => {
        const auth = authOf(request);
        const { trigger, ...options } = request.query;
        const { job, created } = await sync.requestSync(auth.tenantId, request.params.id, {
          ...options,
          trigger: (trigger as 'api' | 'manual' | undefined) ?? 'api',
        });
        return reply.status(202).send({
          jobId: job.id,
          status: job.status,
          startedAt: job.startedAt ?? job.createdAt,
          created,
        });
      },
    );

    app.get(
      '/directories/:id/jobs',
      {
        config: { permission: 'directory:read' },
        schema: {
          tags,
          params: IdParams,
          querystring: PageQuery,
          response: { 200: pageOf(JobView), ...errorResponses },
        },
      },
      async (request) => {
        const auth = authOf(request);
        await directories.getOrThrow(auth.tenantId, request.params.id);
        const page = await jobs.list(
          auth.tenantId,
          request.params.id,
          request.query.limit,
          request.query.after,
        );
        return { data: page.data.map(toJobView), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/directories/:id/jobs/:jobId',
      {
        config: { permission: 'directory:read' },
        schema: { tags, params: JobParams, response: { 200: JobView, ...errorResponses } },
      },
      async (request) => {
        const job = await jobs.get(
          authOf(request).tenantId,
          request.params.id,
          request.params.jobId,
        );
        if (!job) throw notFound('job');
        return { ...toJobView(job), attempts: await jobs.attempts(job.id) };
      },
    );

    app.get(
      '/directories/:id/jobs/:jobId/changes',
      {
        config: { permission: 'directory:read' },
        schema: {
          tags,
          params: JobParams,
          querystring: Type.Composite([
            PageQuery,
            Type.Object({
              objectType: Type.Optional(Type.String()),
              action: Type.Optional(Type.String()),
            }),
          ]),
          response: { 200: pageOf(ChangeView), ...errorResponses },
        },
      },
      async (request) => {
        const job = await jobs.get(
          authOf(request).tenantId,
          request.params.id,
          request.params.jobId,
        );
        if (!job) throw notFound('job');
        const { limit, after, objectType, action } = request.query;
        const rows = await jobs.changes(job.id, { limit, after, objectType, action });
        return toPage(
          rows,
          limit,
          (r) => [r.id],
          (r) => ({
            id: r.id,
            objectType: r.object_type,
            action: r.action,
            objectId: r.object_id,
            externalId: r.external_id,
            name: r.name,
            dn: r.dn,
            fields: r.fields
              ? (JSON.parse(r.fields) as Record<string, unknown>)
              : r.object_type === 'user' && r.action === 'created' && r.payload
                ? createdFields(JSON.parse(r.payload) as UserTarget)
                : null,
            error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
          }),
        );
      },
    );

    app.post(
      '/directories/:id/jobs/:jobId/cancel',
      {
        config: { permission: 'directory:write' },
        schema: { tags, params: JobParams, response: { 202: JobView, ...errorResponses } },
      },
      async (request, reply) => {
        const auth = authOf(request);
        const job = await jobs.get(auth.tenantId, request.params.id, request.params.jobId);
        if (!job) throw notFound('job');
        await jobs.requestCancel(job.id);
        return reply.status(202).send(toJobView((await jobs.getById(job.id))!));
      },
    );

    app.post(
      '/directories/:id/test',
      {
        config: { permission: 'directory:write' },
        schema: {
          tags,
          params: IdParams,
          response: { 200: TestView, ...errorResponses, 422: errorResponses[400] },
        },
      },
      async (request) => sync.testSaved(authOf(request).tenantId, request.params.id),
    );

    app.post(
      '/directories/:id/mapping-preview',
      {
        config: { permission: 'directory:write' },
        schema: {
          tags,
          summary: 'Map the first user of the scope with the saved or a proposed mapping',
          params: IdParams,
          body: PreviewBody,
          response: { 200: PreviewView, ...errorResponses, 422: errorResponses[400] },
        },
        // The body is optional: none previews the saved mapping.
        preValidation: async (request) => {
          request.body ??= {};
        },
      },
      async (request) =>
        sync.previewMapping(
          authOf(request).tenantId,
          request.params.id,
          request.body.attributeMapping,
        ),
    );

    app.post(
      '/directories/test',
      {
        config: { permission: 'directory:write' },
        schema: {
          tags,
          body: DirectoryCreateBody,
          response: { 200: TestView, ...errorResponses, 422: errorResponses[400] },
        },
      },
      async (request) => sync.testUnsaved(request.body),
    );
  };
}
