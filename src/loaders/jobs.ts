import type DataLoader from 'dataloader';
import { jobDescriptions, jobsByIds, type JobRow } from '../data/jobs';
import { similarJobLists } from '../data/similar';
import { keyedLoaders, loader, type LoaderOptions } from './batch';

export interface JobLoaders {
  job: DataLoader<number, JobRow | null>;
  /** Loaded apart: lists leave the description out (data/jobs.ts). */
  jobDescription: DataLoader<number, string>;
  /** Rows a list already read: later loads of them send no SQL. */
  primeJobs(rows: JobRow[]): void;
  /** The first `first` of each job's similar-jobs list. */
  similarJobs(first: number): DataLoader<number, JobRow[]>;
}

export function jobLoaders(options: LoaderOptions): JobLoaders {
  const job = loader(options, 'job', jobsByIds);
  const primeJobs = (rows: JobRow[]) => rows.forEach((r) => job.prime(r.id, r));
  return {
    job,
    jobDescription: loader(options, 'jobDescription', jobDescriptions),
    primeJobs,
    similarJobs: keyedLoaders(options, 'similarJobs', (first: number) => async (db, ids) => {
      const lists = await similarJobLists(db, ids, first);
      lists.forEach(primeJobs);
      return lists;
    }),
  };
}
