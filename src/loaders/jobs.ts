import type DataLoader from 'dataloader';
import { jobDescriptions, jobsByIds, type JobColumn, type JobRow, type Joined } from '../data/jobs';
import { similarJobLists } from '../data/similar';
import { keyedLoaders, loader, type LoaderOptions } from './batch';

export interface JobLoaders {
  job: DataLoader<number, JobRow | null>;
  /** Jobs by id with only `columns` (data/jobs.ts; all, the description too, when unset). */
  jobWith(columns?: readonly JobColumn[]): DataLoader<number, Joined<JobRow> | null>;
  /** Loaded apart: lists leave the description out (data/jobs.ts). */
  jobDescription: DataLoader<number, string>;
  /** Rows a list already read: later loads of them send no SQL. Only rows with every column (`columns` unset) are kept. */
  primeJobs(rows: JobRow[], columns?: readonly JobColumn[]): void;
  /** The first `first` of each job's similar-jobs list, with `columns` (all when unset). */
  similarJobs(first: number, columns?: readonly JobColumn[]): DataLoader<number, Joined<JobRow>[]>;
}

export function jobLoaders(options: LoaderOptions): JobLoaders {
  const job = loader(options, 'job', jobsByIds);
  const jobsWith = keyedLoaders(options, 'job', (columns: readonly JobColumn[]) => (db, ids) => jobsByIds(db, ids, columns));
  const primeJobs = (rows: JobRow[], columns?: readonly JobColumn[]) => columns || rows.forEach((r) => job.prime(r.id, r));
  return {
    job,
    jobWith: (columns) => (columns ? jobsWith(columns) : job),
    jobDescription: loader(options, 'jobDescription', jobDescriptions),
    primeJobs,
    similarJobs: keyedLoaders(options, 'similarJobs', (first: number, columns?: readonly JobColumn[]) => async (db, ids) => {
      const lists = await similarJobLists(db, ids, first, columns);
      lists.forEach((list) => primeJobs(list, columns));
      return lists;
    }),
  };
}
