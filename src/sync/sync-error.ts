/** Why a sync job stopped without applying, as the job record's `error.code`. */
export const syncErrorCodes = [
  'empty_source',
  'deletion_threshold_exceeded',
  'cancelled',
  'lease_lost',
  'directory_not_found',
  'directory_disabled',
  'unsupported_type',
  'secret_unavailable',
] as const;
export type SyncErrorCode = (typeof syncErrorCodes)[number];

export class SyncError extends Error {
  constructor(
    readonly code: SyncErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SyncError';
  }
}
