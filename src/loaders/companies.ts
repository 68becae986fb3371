import type DataLoader from 'dataloader';
import { activeJobCounts, companiesByIds, companyJobPages } from '../data/companies';
import type { JobRow } from '../data/jobs';
import type { Page } from '../data/pages';
import type { Company } from '../generated/prisma/client';
import { keyedLoaders, loader, type LoaderOptions } from './batch';

export interface CompanyLoaders {
  company: DataLoader<number, Company | null>;
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
