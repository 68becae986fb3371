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
 * Per-request loaders: each collapses the per-object calls of one execution tick into one
 * data-layer call (one SQL statement). They cache by key for the life of one request only, so
 * nothing is shared across requests or viewers.
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
  };

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
