import { applicationLoaders, type ApplicationLoaders } from './applications';
import type { LoaderOptions } from './batch';
import { companyLoaders, type CompanyLoaders } from './companies';
import { jobLoaders, type JobLoaders } from './jobs';
import { userLoaders, type UserLoaders } from './users';

export type { LoaderOptions } from './batch';

/**
 * Per-request loaders: each collapses the per-object calls of one execution tick into one
 * data-layer call (one SQL statement). They cache by key for the life of one request only, so
 * nothing is shared across requests or viewers.
 */
export type Loaders = JobLoaders & CompanyLoaders & ApplicationLoaders & UserLoaders;

export function createLoaders(options: LoaderOptions): Loaders {
  return { ...jobLoaders(options), ...companyLoaders(options), ...applicationLoaders(options), ...userLoaders(options) };
}
