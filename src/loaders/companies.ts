import type DataLoader from 'dataloader';
import { activeJobCounts, companiesByIds, companyJobPages, type CompanyRow } from '../data/companies';
import type { JobRow } from '../data/jobs';
import type { Page } from '../data/pages';
import { keyedLoaders, loader, type LoaderOptions } from './batch';

export interface CompanyLoaders {
  company: DataLoader<number, CompanyRow | null>;
  /** Active jobs per company. */
  companyJobCount: DataLoader<number, number>;
  companyJobs(first: number, after: string | null): DataLoader<number, Page<JobRow>>;
}

export function companyLoaders(options: LoaderOptions): CompanyLoaders {
  return {
    company: loader(options, 'company', companiesByIds),
    companyJobCount: loader(options, 'companyJobCount', activeJobCounts),
    companyJobs: keyedLoaders(options, 'companyJobs', companyJobPages),
  };
}
