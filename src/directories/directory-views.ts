import type { Directory } from '../store/directories.repository.js';
import type { JobsRepository } from '../store/jobs.repository.js';
import type { LiveSessionsRepository } from '../store/live-sessions.repository.js';
import type { DirectoriesService } from './directories.service.js';
import type { DirectoryView } from '../model/directory-schema.js';
import { directoryHealth } from './health.js';

/**
 * Directories as the API and the CLI show them, each with its health, from one query for
 * the last run of every directory listed (and the live sessions, when one is live).
 */
export async function directoryViews(
  services: {
    directories: DirectoriesService;
    jobs: Pick<JobsRepository, 'lastFinished'>;
    liveSessions: Pick<LiveSessionsRepository, 'list'>;
    clock: () => Date;
  },
  list: Directory[],
): Promise<DirectoryView[]> {
  const last = await services.jobs.lastFinished(list.map((d) => d.id));
  const live = list.some((d) => d.settings.liveSync === true)
    ? new Map((await services.liveSessions.list()).map((s) => [s.directoryId, s]))
    : new Map();
  const at = services.clock();
  return list.map((d) =>
    services.directories.view(d, directoryHealth(d, last.get(d.id), at, live.get(d.id))),
  );
}
