import type DataLoader from 'dataloader';
import { activeJobCounts, companiesByIds, companyJobPages, type CompanyRow } from '../data/companies';
import type { JobRow, WithCompany } from '../data/jobs';
import type { Page } from '../data/pages';
import { keyedLoaders, loader, type LoaderOptions } from './batch';

export interface CompanyLoaders {
  company: DataLoader<number, CompanyRow | null>;
  /** The companies a read of jobs joined in (data/jobs.ts, `company`): later loads of them send no SQL. */
  primeCompanies(rows: readonly WithCompany<JobRow>[]): void;
  /** Active jobs per company. */
  companyJobCount: DataLoader<number, number>;
  companyJobs(first: number, after: string | null): DataLoader<number, Page<JobRow>>;
}

export function companyLoaders(options: LoaderOptions): CompanyLoaders {
  const company = loader(options, 'company', companiesByIds);
  return {
    company,
    primeCompanies: (rows) => rows.forEach((r) => r._company && company.prime(r._company.id, r._company)),
    companyJobCount: loader(options, 'companyJobCount', activeJobCounts),
    companyJobs: keyedLoaders(options, 'companyJobs', companyJobPages),
  };
}
