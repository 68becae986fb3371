import type DataLoader from 'dataloader';
import { jobDescriptions, jobsByIds, type JobColumn, type JobRow, type Joined } from '../data/jobs';
import { jobHighlights, type Highlight } from '../data/search';
import { jobsWithSimilar, similarJobLists, type SimilarWanted } from '../data/similar';
import { keyedLoaders, loader, type LoaderOptions } from './batch';

export interface JobLoaders {
  job: DataLoader<number, JobRow | null>;
  /**
   * Jobs by id with only `columns` (data/jobs.ts; all, the description too, when unset), and
   * with `similar`, each one's similar list in the same statement (`_similar`, for prime).
   */
  jobWith(columns?: readonly JobColumn[], similar?: SimilarWanted): DataLoader<number, Joined<JobRow> | null>;
  /** Loaded apart: lists leave the description out (data/jobs.ts). */
  jobDescription: DataLoader<number, string>;
  /** The first `first` of each job's similar-jobs list, with `columns` (all when unset). */
  similarJobs(first: number, columns?: readonly JobColumn[]): DataLoader<number, Joined<JobRow>[]>;
  /** Each job's title and an extract of its description with the words of `text` marked. */
  jobHighlights(text: string): DataLoader<number, Highlight>;
}

export function jobLoaders(options: LoaderOptions): JobLoaders {
  const job = loader(options, 'job', jobsByIds);
  const jobsWith = keyedLoaders(options, 'job', (columns: readonly JobColumn[]) => (db, ids) => jobsByIds(db, ids, columns));
  const jobsAndSimilar = keyedLoaders(
    options,
    'job',
    (columns: readonly JobColumn[] | null, similar: SimilarWanted) => (db, ids) => jobsWithSimilar(db, ids, columns ?? undefined, similar),
  );
  return {
    job,
    // The naive baseline keeps one statement per field: its loaders cache nothing to prime.
    jobWith: (columns, similar) => (similar && options.batching !== false ? jobsAndSimilar(columns ?? null, similar) : columns ? jobsWith(columns) : job),
    jobDescription: loader(options, 'jobDescription', jobDescriptions),
    similarJobs: keyedLoaders(options, 'similarJobs', (first: number, columns?: readonly JobColumn[]) => (db, ids) => similarJobLists(db, ids, first, columns)),
    jobHighlights: keyedLoaders(options, 'jobHighlights', (text: string) => (db, ids) => jobHighlights(db, ids, text)),
  };
}
