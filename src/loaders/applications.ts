import type DataLoader from 'dataloader';
import { applicationCountsPerJob, applicationPages, applicationsByIds, applicationTotals } from '../data/applications';
import type { Page } from '../data/pages';
import type { Application } from '../generated/prisma/client';
import type { ApplicationStatus } from '../generated/prisma/enums';
import { keyedLoaders, loader, type LoaderOptions } from './batch';

type Pages = (first: number, after: string | null, status: ApplicationStatus | null) => DataLoader<number, Page<Application>>;
type Totals = (status: ApplicationStatus | null) => DataLoader<number, number>;

export interface ApplicationLoaders {
  application: DataLoader<number, Application | null>;
  /** Applications per job: all time, or within the last `days` days. */
  applicationCount(days: number | null): DataLoader<number, number>;
  userApplications: Pages;
  jobApplications: Pages;
  userApplicationCount: Totals;
  jobApplicationCount: Totals;
}

export function applicationLoaders(options: LoaderOptions): ApplicationLoaders {
  return {
    application: loader(options, 'application', applicationsByIds),
    applicationCount: keyedLoaders(options, 'applicationCount', applicationCountsPerJob),
    userApplications: keyedLoaders(options, 'userApplications', (first: number, after: string | null, status: ApplicationStatus | null) =>
      applicationPages('user', first, after, status),
    ),
    jobApplications: keyedLoaders(options, 'jobApplications', (first: number, after: string | null, status: ApplicationStatus | null) =>
      applicationPages('job', first, after, status),
    ),
    userApplicationCount: keyedLoaders(options, 'userApplicationCount', (status: ApplicationStatus | null) => applicationTotals('user', status)),
    jobApplicationCount: keyedLoaders(options, 'jobApplicationCount', (status: ApplicationStatus | null) => applicationTotals('job', status)),
  };
}
