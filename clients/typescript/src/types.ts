import type { paths } from './schema.js';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type Ok<P extends keyof paths> = paths[P] extends { get: { responses: { 200: infer R } } }
  ? Json<R>
  : never;
type Query<P extends keyof paths> = paths[P] extends {
  get: { parameters: { query?: infer Q } };
}
  ? NonNullable<Q>
  : never;

/** One item of the event feed, and the body of every webhook request. */
export type DirsyncEvent = Ok<'/api/v1/events'>['data'][number];
/** A user as `GET /api/v1/users` lists it. */
export type User = Ok<'/api/v1/users'>['data'][number];
/** A group as `GET /api/v1/groups` lists it. */
export type Group = Ok<'/api/v1/groups'>['data'][number];
/** A member of a group: the user, and whether the membership is direct or through a nested group. */
export type GroupMember = Ok<'/api/v1/groups/{id}/members'>['data'][number];

/** Filters of the user list (the page size and cursor are the helper's). */
export type UserFilters = Omit<Query<'/api/v1/users'>, 'limit' | 'after'>;
export type GroupFilters = Omit<Query<'/api/v1/groups'>, 'limit' | 'after'>;
export type MemberFilters = Omit<Query<'/api/v1/groups/{id}/members'>, 'limit' | 'after'>;
