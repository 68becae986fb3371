import { applicationLoaders, type ApplicationLoaders } from './applications';
import type { JobColumn, JobRow, Joined } from '../data/jobs';
import type { LoaderOptions } from './batch';
import type { SimilarWanted } from '../data/similar';
import { companyLoaders, type CompanyLoaders } from './companies';
import { jobLoaders, type JobLoaders } from './jobs';
import { savedSearchLoaders, type SavedSearchLoaders } from './saved-searches';
import { userLoaders, type UserLoaders } from './users';

export type { LoaderOptions } from './batch';

/**
 * Loaders: each collapses the per-object calls of one execution tick into one data-layer call
 * (one SQL statement), and caches by key for its life. A request gets its own, so nothing is
 * shared across requests. One set may serve many viewers: a subscription event's loaders are
 * shared by every stream that hears it (schema/subscription.ts), so that a thousand subscribers
 * load a job in one statement. That is safe because a loader takes no viewer and returns rows
 * as stored (keys are ids, never what a viewer may see): what a viewer may read is decided
 * above, by guards and resolvers with each stream's own context, on every event. A loader that
 * filtered by viewer would break this: key it by viewer, or keep it out of `Loaders`.
 */
export type Loaders = JobLoaders &
  CompanyLoaders &
  ApplicationLoaders &
  UserLoaders &
  SavedSearchLoaders & {
    /**
     * What a read of jobs brought (data/jobs.ts): the rows themselves when they have every
     * column (`columns` unset), and what came along (`Joined`: companies, all-time counts).
     * With `similar`, the similar lists that came along (`_similar`) too. Later loads of them
     * send no SQL.
     */
    prime(rows: readonly (Joined<JobRow> | null)[], columns?: readonly JobColumn[], similar?: SimilarWanted): void;
    /**
     * What came along with a job row, for a field to answer with as it is rather than through a
     * loader's promise (a headline has 300 companies). Nothing for the naive baseline, whose
     * every field is a statement of its own.
     */
    cameWith(row: JobRow): Pick<Joined<JobRow>, '_company' | '_applications'>;
  };

const NOTHING_CAME: Pick<Joined<JobRow>, '_company' | '_applications'> = Object.freeze({});

export function createLoaders(options: LoaderOptions): Loaders {
  const families = {
    ...jobLoaders(options),
    ...companyLoaders(options),
    ...applicationLoaders(options),
    ...userLoaders(options),
    ...savedSearchLoaders(options),
  };
  const counts = families.applicationCount(null);
  return {
    ...families,
    cameWith: options.batching === false ? () => NOTHING_CAME : (row) => row as Joined<JobRow>,
    prime: (rows, columns, similar) => {
      for (const r of rows) {
        if (r && !columns) families.job.prime(r.id, r);
        if (r?._company) families.company.prime(r._company.id, r._company);
        if (r?._applications != null) counts.prime(r.id, r._applications);
        if (r?._similar && similar) families.similarJobs(similar.first, similar.columns).prime(r.id, r._similar);
      }
    },
  };
}
