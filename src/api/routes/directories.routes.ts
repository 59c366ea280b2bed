import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { authOf } from '../auth.js';
import {
  DirectoryCreateBody,
  DirectoryUpdateBody,
  DirectoryView,
} from '../../model/directory-schema.js';
import { errorResponses, IdParams, PageQuery, pageOf } from '../schemas.js';
import type { Directory } from '../../store/directories.repository.js';
import { directoryViews } from '../../directories/directory-views.js';

export function directoriesRoutes(services: Services): FastifyPluginAsync {
  const { directories } = services;
  const views = (list: Directory[]) => directoryViews(services, list);
  const viewOne = async (d: Directory) => (await views([d]))[0]!;
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['directories'];

    app.get(
      '/directories',
      {
        config: { permission: 'directory:read' },
        schema: {
          tags,
          querystring: PageQuery,
          response: { 200: pageOf(DirectoryView), ...errorResponses },
        },
      },
      async (request) => {
        const auth = authOf(request);
        const page = await directories.list(
          auth.tenantId,
          request.query.limit,
          request.query.after,
        );
        return { data: await views(page.data), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/directories/:id',
      {
        config: { permission: 'directory:read' },
        schema: { tags, params: IdParams, response: { 200: DirectoryView, ...errorResponses } },
      },
      async (request) => {
        const d = await directories.getOrThrow(authOf(request).tenantId, request.params.id);
        return viewOne(d);
      },
    );

    app.post(
      '/directories',
      {
        config: { permission: 'directory:write' },
        schema: {
          tags,
          body: DirectoryCreateBody,
          response: { 201: DirectoryView, ...errorResponses },
        },
      },
      async (request, reply) => {
        const auth = authOf(request);
        const d = await directories.create(auth.tenantId, { name: auth.actor }, request.body);
        const view = await viewOne(d);
        // A SCIM directory's bearer token is in this body once: no cache may keep it.
        if (view.scimToken !== undefined) void reply.header('cache-control', 'no-store');
        return reply.status(201).send(view);
      },
    );

    app.put(
      '/directories/:id',
      {
        config: { permission: 'directory:write' },
        schema: {
          tags,
          params: IdParams,
          body: DirectoryUpdateBody,
          response: { 200: DirectoryView, ...errorResponses },
        },
      },
      async (request) => {
        const auth = authOf(request);
        const d = await directories.update(
          auth.tenantId,
          request.params.id,
          { name: auth.actor },
          request.body,
        );
        return viewOne(d);
      },
    );

    app.delete(
      '/directories/:id',
      {
        config: { permission: 'directory:write' },
        schema: { tags, params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
      },
      async (request, reply) => {
        const auth = authOf(request);
        await directories.delete(auth.tenantId, request.params.id, { name: auth.actor });
        return reply.status(204).send(null);
      },
    );
  };
}
