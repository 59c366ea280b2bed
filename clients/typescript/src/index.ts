/**
 * @dirsync/client: a typed client of the dirsync API for the applications that consume
 * its users, groups and events.
 */
export { createDirsyncClient } from './client.js';
export type {
  DirsyncClient,
  DirsyncClientOptions,
  EventFeedOptions,
  PageOptions,
} from './client.js';
export { verifyWebhook, SIGNATURE_HEADER, type VerifyWebhookOptions } from './webhook.js';
export {
  DirsyncApiError,
  WebhookVerificationError,
  type ApiErrorBody,
  type WebhookErrorCode,
} from './errors.js';
export type {
  DirsyncEvent,
  Group,
  GroupFilters,
  GroupMember,
  MemberFilters,
  User,
  UserFilters,
} from './types.js';
export type { paths, operations } from './schema.js';
