import type DataLoader from 'dataloader';
import type { JobColumn } from '../data/jobs';
import type { Page } from '../data/pages';
import { savedSearchesOfUsers, savedSearchJobPages, type SavedSearchRow } from '../data/saved-searches';
import { keyedLoaders, loader, type LoaderOptions } from './batch';

export interface SavedSearchLoaders {
  /** A user's saved searches (with their new-job counts). */
  savedSearchesOfUser: DataLoader<number, SavedSearchRow[]>;
  /** Pages of saved searches' new jobs, per page size, cursor and job columns. */
  savedSearchJobs: (first: number, after: string | null, columns: readonly JobColumn[] | undefined) => DataLoader<number, Page<never>>;
}

export const savedSearchLoaders = (options: LoaderOptions): SavedSearchLoaders => ({
  savedSearchesOfUser: loader(options, 'savedSearchesOfUser', savedSearchesOfUsers),
  savedSearchJobs: keyedLoaders(options, 'savedSearchJobs', (first: number, after: string | null, columns: readonly JobColumn[] | undefined) =>
    savedSearchJobPages(first, after, columns),
  ) as SavedSearchLoaders['savedSearchJobs'],
});
